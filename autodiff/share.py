"""One self-contained HTML page that walks through a backward pass.

The graph is drawn once (an inline SVG); each step is stored as data (which
node and edge to highlight, every node's grad after the step, the explanation),
and a little script replays them: Prev / Next / Play / Reset, arrow keys, a step
counter and a legend. No network, no kernel: it works from ``file://``.
User text reaches the page only inside the SVG (escaped by ``viz``), the
escaped title, and a JSON blob whose ``<``, ``>`` and ``&`` are escaped; the
script sets it with ``textContent``, never as HTML. The template's placeholders
are filled in one pass over the template alone, so user text that reads
``__SVG__`` is never itself replaced.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from . import quiz as quizzing
from .dot_program import svg_markup
from .dot_source import BOX_COLOUR, COLOURS, HIGHLIGHT
from .files import write_files
from .labels import fmt
from .scope_steps import edge_steps_of
from .viz import draw
from .why import names_of, sum_of

if TYPE_CHECKING:
    import graphviz

    from .stepper import Stepper

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 1.2em; color: #222; }
#controls button { font-size: 1em; margin-right: .3em; }
#counter { font-weight: bold; margin-left: .8em; }
#explain { font-family: monospace; font-size: 1.05em; background: #f6f6f6; padding: .5em; margin: .6em 0; }
#context { color: #555; }
#hint { color: #555; font-style: italic; }
#graph svg { max-width: 100%; height: auto; }
.hot polygon, .hot path, .hot ellipse { stroke: __HL__ !important; stroke-width: 3px !important; }
.hot text { fill: __HL__; }
.legend span { display: inline-block; padding: .1em .5em; margin-right: .4em; border: 1px solid #999; }
__LEARN_CSS__
</style>
</head>
<body>
<h2>__TITLE__</h2>
<div id="controls">
<button id="reset" type="button">Reset</button>
<button id="prev" type="button">&#9664; Prev</button>
<button id="next" type="button">Next &#9654;</button>
<button id="play" type="button">Play</button>
<span id="counter"></span>
</div>
<div id="context"></div>
<div id="explain"></div>
<div id="hint"></div>
__LEARN_HTML__
<div id="graph">__SVG__</div>
<div id="why"></div>
<p class="legend">__LEGEND__</p>
<p>Keys: &larr; / &rarr; step, Home resets, space plays. Each box: label, data, grad; ellipses are ops;
edges read &part; (the local derivative). The red node and edge are the current step. Click a node to
see why its grad is what it is: the chain rule's sum over its uses, as far as this step.</p>
<script id="steps" type="application/json">__DATA__</script>
<script>
__SHOW__
__LEARN__
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("steps").textContent);
  var pos = 0, timer = null;
  var learn = learning(function () { return data; }, function () { return pos; }, go);
  function show() {
    showStep(data, pos);
    learn.show();
  }
  function go(p) { pos = Math.max(0, Math.min(data.steps.length, p)); show(); }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    document.getElementById("play").textContent = "Play";
  }
  function play() {
    if (timer) { stop(); return; }
    if (pos === data.steps.length) go(0);
    document.getElementById("play").textContent = "Pause";
    timer = setInterval(function () { if (pos >= data.steps.length) { stop(); } else { go(pos + 1); } }, 900);
  }
  document.getElementById("next").addEventListener("click", function () { stop(); go(pos + 1); });
  document.getElementById("prev").addEventListener("click", function () { stop(); go(pos - 1); });
  document.getElementById("reset").addEventListener("click", function () { stop(); learn.forget(); go(0); });
  document.getElementById("play").addEventListener("click", play);
  learn.wire(stop);
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { stop(); go(pos + 1); }
    else if (e.key === "ArrowLeft") { stop(); go(pos - 1); }
    else if (e.key === "Home") { stop(); go(0); }
    else if (e.key === " ") { e.preventDefault(); play(); }
  });
  show();
})();
</script>
</body>
</html>
"""


# step k of a walk-through's data (``walk_data``) shown in the page: the grads written into the
# picture, the step's node and edge lit, the headline and the words; the HTML page and the
# playground both run it (tools/build_playground.py writes it into the site as walkthrough.js)
SHOW_STEP = """
function showStep(data, pos) {
  "use strict";
  function gradText(cell) {
    // cell: [element id, k]: the grad is the k-th text from the end of the element (a node's last
    // line, or an output row of a collapsed scope's box); a label may read "grad ..." too
    var g = document.getElementById(cell[0]);
    if (!g) return null;
    var texts = g.getElementsByTagName("text");
    var t = texts.length > cell[1] ? texts[texts.length - 1 - cell[1]] : null;
    return t && t.textContent.indexOf("grad ") === 0 ? t : null;
  }
  var hot = document.querySelectorAll(".hot");
  for (var k = 0; k < hot.length; k++) hot[k].classList.remove("hot");
  var grads = data.grads[pos];
  for (var i = 0; i < grads.length; i++) {
    var t = gradText(data.cells[i]);
    if (t) t.textContent = "grad " + grads[i];
  }
  var step = pos > 0 ? data.steps[pos - 1] : null;
  if (step) {
    step.hot.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.classList.add("hot");
    });
  }
  document.getElementById("counter").textContent = data.headlines[pos];
  document.getElementById("explain").textContent = step ? step.text : data.start;
  document.getElementById("hint").textContent = pos === 0 ? data.hint : "";
  document.getElementById("context").textContent = step ? step.context : data.method;
  document.body.setAttribute("data-step", String(pos));
}
""".strip()

# the elements and styles LEARN works on (#quiz..., #why), the same in the HTML page and the playground
# (tools/build_playground.py writes them into its index.html)
LEARN_CSS = """
#why { font-family: monospace; white-space: pre-wrap; background: #eef4fb; padding: .5em; }
#why:empty { display: none; }
#quiz { background: #fff8e6; padding: .5em; margin: .6em 0; }
#quiz-feedback { white-space: pre-wrap; }
#graph g[id^="node-"] { cursor: pointer; }
""".strip()
LEARN_HTML = """
<div id="quiz" hidden>
<label><input id="quiz-on" type="checkbox"> quiz: predict each step before it is applied</label>
<div id="quiz-body" hidden>
<b id="quiz-question"></b><br>
<input id="quiz-answer" type="text" placeholder="your number, then Enter" autocomplete="off">
<button id="quiz-check" type="button">Check</button>
<button id="quiz-reveal" type="button">Reveal</button>
<span id="quiz-score"></span>
<div id="quiz-feedback"></div>
</div>
</div>
""".strip()

# the quiz and a clicked node's chain-rule sum over a walk-through's data (``walk_data``: "quiz",
# "why"), for the page's elements #quiz* and #why; the HTML page and the playground both run it
LEARN = """
function learning(getData, getPos, go) {
  "use strict";
  var picked = null, credit = {}, spoiled = {};
  function whyText() {
    var data = getData(), pos = getPos(), w = picked && data && data.why[picked];
    if (!w) return "";
    var lines = w.head.slice(), total = w.start, added = 0;
    if (w.root) return w.terms[0][0] <= pos ? w.terms[0][1] : w.terms[0][2];
    w.terms.forEach(function (t) { lines.push(t[0] <= pos ? t[1] : t[2]); if (t[0] <= pos) added += 1; });
    w.totals.forEach(function (t) { if (t[0] <= pos) total = t[1]; });
    var done = added === w.terms.length ? "" : " so far (" + added + " of " + w.terms.length + " terms)";
    return lines.concat(["  = " + total + done]).join("\\n");
  }
  function showQuiz() {
    var data = getData(), pos = getPos();
    document.getElementById("quiz").hidden = !(data && data.quiz);
    var on = data && data.quiz && document.getElementById("quiz-on").checked;
    document.getElementById("quiz-body").hidden = !on;
    if (!on) return;
    var q = data.quiz[pos], right = 0, asked = 0;
    Object.keys(credit).forEach(function (k) { asked += 1; if (credit[k]) right += 1; });
    var asking = q ? q.question : "Every step is applied: Reset to try again.";
    document.getElementById("quiz-question").textContent = asking;
    document.getElementById("quiz-score").textContent = "right at the first try: " + right + " of " + asked;
  }
  function show() {
    var pos = getPos();
    Object.keys(credit).forEach(function (k) { if (Number(k) > pos) delete credit[k]; });
    for (var k = 1; k <= pos; k++) if (!(k in credit)) { credit[k] = false; spoiled[k] = true; }
    document.getElementById("why").textContent = whyText();
    showQuiz();
  }
  function check() {
    var data = getData(), pos = getPos(), box = document.getElementById("quiz-answer");
    var text = box.value.trim(), q = data && data.quiz && data.quiz[pos];
    box.value = "";
    if (!text || !q) return;
    var x = Number(text), said = document.getElementById("quiz-feedback");
    if (!isFinite(x) || !new RegExp(__NUMBER__).test(text)) {  // quiz.NUMBER: what Python takes
      said.textContent = text + " is not a number; write e.g. 0.5, -1.25 or 1e-3";
    } else if (x >= q.low && x <= q.high) {
      credit[pos + 1] = !spoiled[pos + 1];
      said.textContent = q.right;
      go(pos + 1);
    } else {
      spoiled[pos + 1] = true;
      said.textContent = "Not quite (" + text + "). " + q.hint;
    }
  }
  function wire(stop) {
    document.getElementById("quiz-on").addEventListener("change", function () {
      document.getElementById("quiz-feedback").textContent = "";
      showQuiz();
    });
    document.getElementById("quiz-check").addEventListener("click", check);
    document.getElementById("quiz-reveal").addEventListener("click", function () { stop(); go(getPos() + 1); });
    document.getElementById("quiz-answer").addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); check(); }
      e.stopPropagation();  // typing an answer moves no step
    });
    document.getElementById("graph").addEventListener("click", function (e) {
      var data = getData(), g = e.target.closest ? e.target.closest("g[id]") : null;
      while (g && data && !(g.id in data.why)) g = g.parentElement ? g.parentElement.closest("g[id]") : null;
      picked = g && data ? g.id : null;
      document.getElementById("why").textContent = whyText();
    });
  }
  function forget() {  // a new graph, or Reset: no score, nothing spoiled, no node picked
    credit = {};
    spoiled = {};
    picked = null;
    document.getElementById("quiz-feedback").textContent = "";
  }
  return {show: show, wire: wire, forget: forget};
}
""".strip().replace("__NUMBER__", json.dumps(quizzing.NUMBER.pattern))

_PLACEHOLDER = re.compile(r"__(TITLE|HL|LEGEND|SVG|DATA|SHOW|LEARN|LEARN_CSS|LEARN_HTML)__")


def _json_for_script(obj: object) -> str:
    # safe inside <script>: no "</script>", no "<!--", no "&" entity games
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def walk_data(stepper: Stepper) -> tuple[graphviz.Digraph, dict[str, Any]]:
    """The picture a page lays out once (each grad drawn as the widest number it can print as, so
    that no value written in later overflows its box) and the data its script replays: per step
    the ids to highlight, every grad (``cells`` says where each is shown), the headline and words.

    The page of ``page`` and the playground (its own Graphviz) both show exactly these.
    """
    pic = stepper.picture
    scoped = {k: stepper.draw_kw[k] for k in ("collapse", "group", "compact") if k in stepper.draw_kw}
    # lay the picture out with the widest number a grad can print as, so that no
    # value the script writes in later overflows its box
    held = [v.grad for v in stepper.nodes]
    for v in stepper.nodes:
        v.grad = -1.234e-05
    try:
        g = draw(
            stepper.root,
            show_local_grads=True,
            show_contributions=False,
            max_nodes=stepper.max_nodes,
            parameters=stepper.parameters,
            **scoped,
        )
    finally:
        for v, grad in zip(stepper.nodes, held):
            v.grad = grad
    cells = pic.grad_cells()
    grads, steps, headlines = [], [], []
    for k, s in stepper.walk():
        grads.append([fmt(stepper.nodes[i].grad) for i, _, _ in cells])
        headlines.append(stepper.headline(k))
        if s is None:
            continue
        hot = [h for e in edge_steps_of(s) for h in pic.hot_ids(e)]
        steps.append({"text": stepper.explain(s), "context": stepper.context(s), "hot": list(dict.fromkeys(hot))})
    data = {
        "cells": [[element, k] for _, element, k in cells],
        "steps": steps,
        "grads": grads,
        "headlines": headlines,
        "start": stepper.explain(0),
        "hint": f"Press Next or the → key to take step 1; Play walks through all {len(stepper)} steps.",
        "method": stepper.context(None),
        "why": why_data(stepper, cells),
    }
    if stepper.quiz:
        data["quiz"] = quiz_data(stepper)
    return g, data


# a page carries the chain rule's sum of each node it draws up to this many edges in all (then none)
WHY_MAX_EDGES = 5000


def why_data(stepper: Stepper, cells: list[tuple[int, str, int]]) -> dict[str, Any]:
    """For each drawn node (by the id of the element that shows it alone): the chain rule's sum for its
    grad, each term with the page position at which it is added, and the total after it."""
    if len(stepper.edge_steps) > WHY_MAX_EDGES:
        return {}
    at: dict[int, int] = {}  # edge step number -> the page position that adds it (one box step adds many)
    for position, s in enumerate(stepper.steps, 1):
        for e in edge_steps_of(s):
            at[e.index] = position
    owners = Counter(element for _, element, _ in cells)
    names = names_of(stepper.nodes)  # as the Stepper names them: label, else n<i>
    into: dict[int, list[Any]] = {}  # node id -> the edge steps that add into its grad, in order
    for e in stepper.edge_steps:
        if e.kind == "edge":
            into.setdefault(id(e.parent), []).append(e)
    out = {}
    for i, element, _ in cells:
        if owners[element] != 1:
            continue  # a box's row shows several nodes' grads: no single sum to show
        node = stepper.nodes[i]
        mine = into.get(id(node), [])
        if node is stepper.root:  # the page shows the root's sum at step 0 and after the seed
            seed = stepper.edge_steps[:1]
            after, before = (sum_of(stepper.root, node, seed, k, names).head()[0] for k in (1, 0))
            out[element] = {"head": [], "terms": [[1, after, before]], "totals": [], "start": "", "root": True}
            continue
        rule = sum_of(stepper.root, node, mine, len(mine), names)
        out[element] = {
            "head": rule.head(),
            "terms": [[at[e.index], rule.term_line(k), rule.term_line(k, False)] for k, e in enumerate(mine)],
            "totals": [[at[e.index], repr(e.grad_after)] for e in mine],
            "start": repr(rule.start),
            "root": node is stepper.root,
        }
    return out


def quiz_data(stepper: Stepper) -> list[dict[str, Any]]:
    """Per step, what the page's quiz asks, the answers it takes (an interval, ``quiz.accepted``), the
    hint after a wrong one and the words after a right one."""
    mode = stepper.quiz or "contribution"
    names = names_of(stepper.nodes)  # as the Stepper names them: label, else n<i>
    out = []
    for s in stepper.edge_steps:
        want = quizzing.expected(s, mode)
        low, high = quizzing.accepted(want)
        out.append(
            {
                "question": quizzing.question(s, mode, names),
                "low": low,
                "high": high,
                "hint": quizzing.hint(s, mode, names),
                "right": f"Right: {want!r}. {stepper.explain(s)}",
            }
        )
    return out


def legend(stepper: Stepper) -> str:
    """The HTML legend under a walk-through's picture: the colours of the roles, the current step's
    frame, a collapsed scope's box when there is one, and what step 0 shows."""
    text = (
        " ".join(f'<span style="background:{colour}">{html.escape(role)}</span>' for role, colour in COLOURS.items())
        + f' <span style="border-color:{HIGHLIGHT};border-width:3px">current step</span>'
    )
    if stepper.picture.boxes:
        text += f' <span style="background:{BOX_COLOUR}">collapsed scope</span>'
    return text + f"<br>Step 0: {html.escape(stepper.start_words())}, not the grads an earlier backward pass left."


def page(stepper: Stepper, title: str | None = None) -> str:
    """The HTML text of a step-by-step page for ``stepper``: frame k is its step k (its position is kept).

    A Stepper with ``collapse`` (or ``group``, ``compact``) gives the same page over its collapsed
    picture: a step lights up the box holding its edge and the edge crossing into it.
    """
    g, data = walk_data(stepper)
    name = stepper.name(stepper.root)
    title = title or f"Backprop through {name}, {stepper.method} ({'V2' if stepper.method == 'push' else 'V1'})"
    parts = {
        "TITLE": html.escape(title),
        "HL": HIGHLIGHT,
        "LEGEND": legend(stepper),
        "SVG": svg_markup(g),
        "DATA": _json_for_script(data),
        "SHOW": SHOW_STEP,
        "LEARN": LEARN,
        "LEARN_CSS": LEARN_CSS,
        "LEARN_HTML": LEARN_HTML,
    }
    # one pass over the template: text that was put in is never searched again
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], _PAGE)


def page_bytes(stepper: Stepper, title: str | None = None) -> bytes:
    """``page(stepper, title)`` as UTF-8; a lone surrogate in a label becomes a ``\\udXXX`` escape."""
    return page(stepper, title).encode("utf-8", "backslashreplace")


def save_html(stepper: Stepper, path: str | os.PathLike[str], title: str | None = None) -> str:
    """Write ``page(stepper)`` to ``path``, whole or not at all; returns the path."""
    path = os.fspath(path)
    write_files([(path, page_bytes(stepper, title))])
    return path
