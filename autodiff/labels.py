"""User text and numbers as a picture shows them: every character visible, markup escaped,
long text cut, numbers in four significant digits. Shared by the DOT writer, the Stepper's
views and the HTML page.
"""

from __future__ import annotations

import html
import unicodedata

# a drawn label or op longer than this many characters is cut, with an ellipsis; the
# full text goes in the tooltip (dot refuses HTML labels over 16k characters)
MAX_LABEL = 200


def fmt(x: float) -> str:
    """Compact number: 4 significant digits, no trailing noise (``0.5``, ``-1.2``, ``3.142``, ``1e-07``).

    A grad that is a Value (left by ``backward(create_graph=True)``) shows its data.
    """
    return f"{getattr(x, 'data', x):.4g}"


def visible(s: str) -> str:
    """``s`` with control characters, lone surrogates and non-characters as escapes: every character shows."""
    out = []
    for ch in s:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def text(s: str) -> str:
    """User text made safe inside an HTML-like DOT label: every character shows as itself."""
    return html.escape(visible(s), quote=True)


def shorten(s: str, limit: int = MAX_LABEL) -> str:
    """``s`` cut to ``limit`` characters, the last one an ellipsis, when it is longer."""
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def shorten_middle(s: str, limit: int = MAX_LABEL) -> str:
    """``s`` cut to ``limit`` characters by an ellipsis in its middle, when it is longer: both ends show."""
    if len(s) <= limit:
        return s
    head = (limit - 1) // 2
    return s[:head] + "\u2026" + s[len(s) - (limit - 1 - head) :]
