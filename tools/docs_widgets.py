"""fit's notebook progress bar on a built notebook page, as it looked when training ended.

An executed notebook keeps a tqdm bar as an ipywidgets view plus the widgets' saved state; a
browser draws it only by loading the widget manager from a CDN, so offline the page shows
nothing where the learner saw the bar. This writes each tqdm bar (an HBox of an HTML label, a
FloatProgress and an HTML counter) as plain HTML: the label, a ``<progress>`` element and the
counter, e.g. ``fit: 100% [=====] 150/150 [00:01<00:00, 99.5epoch/s, loss=0.0014]``. Other
widgets are left as they are.
"""

from __future__ import annotations

import html
import json
import re

STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
# the template's loader of the CDN widget manager, left out when no widget view is left to draw
LOADER = re.compile(r"<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>", re.S)


def _text(widget: dict) -> str:
    # an HTML widget's value as text: tqdm writes "fit:\u2007100%" with its entities escaped
    return html.escape(html.unescape(str(widget["state"].get("value", ""))).replace("\u2007", " ").strip())


def progress_bar(model_id: str, models: dict) -> str | None:
    """The static HTML of the tqdm bar ``model_id`` names, or None if it is not one."""
    box = models.get(model_id)
    if box is None or box.get("model_name") != "HBoxModel":
        return None
    children = [models.get(ref.removeprefix("IPY_MODEL_"), {}) for ref in box["state"].get("children", [])]
    kinds = [child.get("model_name") for child in children]
    if kinds != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    label, bar, counter = children
    value, top = float(bar["state"].get("value", 0)), float(bar["state"].get("max", 1))
    return (
        f'<pre class="stepgrad-progress" style="white-space: pre; overflow-x: auto">{_text(label)} '
        f'<progress value="{value:g}" max="{top:g}"></progress> {_text(counter)}</pre>'
    )


def static_progress_bars(page: str) -> str:
    """``page`` with every tqdm bar drawn as static HTML (see the module's docstring)."""
    found = STATE.search(page)
    if found is None:
        return page
    models = json.loads(found.group(1)).get("state", {})

    def replace(view: re.Match[str]) -> str:
        static = progress_bar(json.loads(view.group(1)).get("model_id", ""), models)
        return view.group(0) if static is None else static

    page = VIEW.sub(replace, page)
    if VIEW.search(page) is None:  # nothing left for the widget manager to draw: no CDN request
        page = LOADER.sub("", STATE.sub("", page))
    return page
