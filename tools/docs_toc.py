"""A notebook page's table of contents, read from the headings of its rendered HTML.

mkdocs-jupyter makes the table from a Markdown copy of the notebook that drops inline code,
so "## Check it: `gradcheck`" gave the entry "Check it:" linking to ``#check-it``, while the
page's heading is ``id="check-it-gradcheck"``: a dead link. Reading the headings the page
really has gives each entry its heading's text and id.
"""

from __future__ import annotations

import html
import re
from typing import Any

HEADING = re.compile(r'<h([1-6]) id="([^"]+)">(.*?)<a class="anchor-link"[^>]*>[^<]*</a></h\1>', re.S)
TAG = re.compile(r"<[^>]+>")


def headings(page: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of each notebook heading of ``page``, in order."""
    return [
        (int(level), html.unescape(anchor), html.unescape(TAG.sub("", inner)).strip())
        for level, anchor, inner in HEADING.findall(page)
    ]


def toc_tokens(found: list[tuple[int, str, str]]) -> list[dict[str, Any]]:
    """The headings nested as Python-Markdown's toc_tokens (each under the last shallower one)."""
    top: list[dict[str, Any]] = []
    open_: list[dict[str, Any]] = []
    for level, anchor, text in found:
        token = {"level": level, "id": anchor, "name": html.escape(text), "children": []}
        while open_ and open_[-1]["level"] >= level:
            open_.pop()
        (open_[-1]["children"] if open_ else top).append(token)
        open_.append(token)
    return top
