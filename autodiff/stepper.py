"""Step through a backward pass, one edge at a time, forwards and back.

Built on ``steps.backward_steps``: the steps are recorded once, then replayed
by setting each receiving node's grad to the value the step left in it, so
``back()`` restores grads exactly and the final grads are exactly ``backward()``'s.

One numbering everywhere, ``Stepper.headline``: "Step k of N" means k of the N
steps are applied; the seed is step 1 and step 0 is the graph before the walk.
Every picture of step 0 (the widget, ``draw()``, the HTML page) shows each grad as
step 1 starts it (``start_grads``), not what an earlier ``backward()`` left in it,
so that going from step 0 to step 1 changes only what the seed changes.
``Step.index``, ``transcript()``, the command line's ``--steps``, ``repr``, the
notebook widget and the HTML page all count this way.

Scopes: ``Stepper(root, collapse=2)`` draws the picture collapsed (see ``draw``),
each step lighting up the box that holds the edge applied and the edge crossing
into it, and every step's text starts with the scope path of the node it visits
(``MLP/L1/N0: L1.N0.w2.grad += ...``). ``granularity="scope"`` (or ``by_scope()``)
makes one step of each run of edges inside one box ("backprop through MLP/L1 (545
edges)"), so a network's backward pass is walked layer by layer; the seed stays
step 1 and each edge outside every box stays a step of its own (``scope_steps``).

One model, any number of views: each widget displayed for a Stepper is redrawn
whenever the Stepper moves, whatever moved it (a button, the slider, or
``step()`` called in another cell). The Stepper holds its views by weak
reference, so a closed widget is freed (the views are in ``stepper_views``).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from . import quiz as quizzing
from . import share
from .backprop import METHODS
from .dot_program import svg_markup
from .graph import topological_order
from .picture import Picture, plan
from .scope_steps import AnyStep, ScopeStep, by_box, edge_steps_of
from .scopes import scope_name
from .stepper_views import Views, step_html
from .steps import Step, backward_steps
from .value import Value
from .viz import draw
from .why import ChainRule, names_of, sum_of, walk_latex

if TYPE_CHECKING:
    import graphviz

__all__ = ["DRAW_OPTIONS", "GRANULARITIES", "SHOWN_INPUTS", "AnyStep", "ScopeStep", "Stepper"]


def _num(x: float) -> str:
    r = repr(x)
    return r if len(r) <= 10 else f"{x:.6g}"


GRANULARITIES = ("edge", "scope")
# a scope step's text lists this many of the inputs whose grads it changed, then says how many more
SHOWN_INPUTS = 6
# the options of draw() a Stepper takes and passes on (highlight, max_nodes and parameters it sets itself)
DRAW_OPTIONS = tuple(
    p for p in inspect.signature(draw).parameters if p not in ("root", "highlight", "max_nodes", "parameters")
)


class Stepper:
    """A backward pass of ``root`` that a learner walks one step at a time.

    >>> from autodiff import Value
    >>> b = Value(2.0, label="b")
    >>> c = b * 3.0
    >>> c.label = "c"
    >>> s = Stepper(c)
    >>> s.step().kind
    'seed'
    >>> _ = s.step()
    >>> s
    Stepper(c, method='push'): Step 2 of 3
    >>> print(s.explain())
    b.grad += (∂c/∂b = 3.0) × c.grad (1.0) = 3.0 → b.grad = 3.0

    ``step()`` applies the next step and returns it (None at the end), ``back()``
    undoes the last one, ``run()`` applies all that remain, ``goto(k)`` leaves
    exactly k steps applied, ``reset()`` goes back to step 0.

    Making a Stepper changes no grad: at step 0 the nodes hold the grads you had. The
    walk starts on step 1 (the seed), from every grad at 0 with ``fresh=True`` (the
    default), or, with ``fresh=False``, from interior grads at 0 and the leaves'
    grads as they were, to show leaves accumulating across passes; step 0's picture
    shows the grads as the walk starts them (``start_grads``). ``restore()``,
    or leaving a ``with Stepper(...) as s:`` block, puts back the grads held
    before. ``method`` is "push" (V2) or "pull" (V1). Any other keyword is one of
    ``draw``'s options (``DRAW_OPTIONS``: ``collapse``, ``group``, ``rankdir`` ...),
    used for every picture; an unknown one is a TypeError naming it.

    In Jupyter it shows the graph with the current node and edge in red and the
    grads so far; with ipywidgets installed, Prev / Next / Run / Reset buttons and
    a slider. Every view follows the Stepper, whatever moves it.
    """

    feedback: str
    """In a quiz, what the last answer got: right (with the step explained), or a hint; '' before any."""

    root: Value
    """The output whose backward pass is walked."""

    method: str
    """"push" (V2: each node pushes into its parents) or "pull" (V1: each node pulls from its children)."""

    fresh: bool
    """True: every grad starts from 0; False: the leaves keep their grads and add to them."""

    max_nodes: int
    """The most nodes a picture draws; a larger graph is a ``ValueError`` saying what to pass."""

    parameters: list[Value] | None
    """The Values drawn as parameters (orange), or None: labelled leaves named as ``nn`` names them."""

    draw_kw: dict[str, Any]
    """The ``draw`` options used for every picture (``collapse``, ``group``, ``rankdir`` ...)."""

    granularity: str
    """"edge" (a step per edge) or "scope" (a step per collapsed box: ``by_scope()``)."""

    picture: Picture
    """Where each node is drawn (its box, when collapsed)."""

    nodes: list[Value]
    """The graph's nodes in topological order (the root last)."""

    edge_steps: list[Step]
    """The backward pass, one ``Step`` per edge (the seed first), recorded when the Stepper was made."""

    steps: list[AnyStep]
    """The steps walked: ``edge_steps``, or one per box with ``granularity='scope'``."""

    position: int
    """How many steps are applied (0: none; ``len(s)``: all)."""

    def __init__(
        self,
        root: Value,
        method: str = "push",
        fresh: bool = True,
        max_nodes: int = 500,
        parameters: Any = None,
        granularity: str = "edge",
        quiz: bool | str = False,
        **draw_kw: Any,
    ) -> None:
        _check_arguments(root, method, fresh, max_nodes, granularity, draw_kw)
        self._quiz = quizzing.quiz_mode(quiz)
        if self._quiz and granularity != "edge":
            raise ValueError("Stepper: quiz asks one question per edge; use granularity='edge' (the default)")
        self.root = root
        self.method = method
        self.fresh = fresh
        self.max_nodes = max_nodes
        self.parameters = list(parameters) if parameters is not None else None
        self.draw_kw = draw_kw
        self.granularity = granularity
        # where each node is drawn (checks collapse, group and compact before any grad is touched)
        self.picture: Picture = plan(
            root,
            self.parameters,
            collapse=draw_kw.get("collapse"),
            compact=draw_kw.get("compact", False),
            group=draw_kw.get("group", False),
        )
        self.nodes = topological_order(root)
        self._names = names_of(self.nodes)
        self._held = [v.grad for v in self.nodes]  # step 0, and what restore() puts back
        self.edge_steps = self._record()
        self.steps: list[AnyStep] = (
            list(self.edge_steps) if granularity == "edge" else by_box(self.picture, self.edge_steps)
        )
        self.position = 0  # number of steps applied
        self._views = Views()  # the widgets and displays that follow this Stepper
        self._credit: dict[int, bool] = {}  # quiz: step number -> answered right (True) or revealed
        self._spoiled: set[int] = set()  # quiz: steps revealed or answered wrong; no first-try credit until reset()
        self.feedback = ""  # quiz: what the last answer got (right, or the hint)

    def _record(self) -> list[Step]:
        # record the pass once, from the grads the walk starts from, then put the user's grads back
        self._restore([0.0] * len(self.nodes) if self.fresh else self._held)
        edge_steps: list[Step] = []
        try:
            for s in backward_steps(self.root, self.method):
                edge_steps.append(s)
                if s.kind == "seed":
                    self._seeded = [v.grad for v in self.nodes]  # step 1
                    # step 0 as the views show it: step 1 less the seed (an interior root at 0, a leaf
                    # root with the grad the seed added to)
                    root_start = 0.0 if self.root.parents else s.grad_before
                    self.start_grads = [root_start if v is self.root else g for v, g in zip(self.nodes, self._seeded)]
            self._final = [v.grad for v in self.nodes]  # step N
        finally:
            self._restore(self._held)
        return edge_steps

    # -- moving ------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of steps, the seed included."""
        return len(self.steps)

    @property
    def current(self) -> AnyStep | None:
        """The step applied last (None at step 0)."""
        return self.steps[self.position - 1] if self.position else None

    @property
    def done(self) -> bool:
        """True when every step is applied."""
        return self.position == len(self.steps)

    def step(self) -> AnyStep | None:
        """Apply the next step and return it; None when every step is applied."""
        if self.done:
            return None
        s = self._forward()
        self._changed()
        return s

    def back(self) -> AnyStep | None:
        """Undo the last step; returns the step now current (None at step 0)."""
        if not self.position:
            return None
        self._backward()
        self.feedback = ""
        self._changed()
        return self.current

    def run(self) -> None:
        """Apply every remaining step: the grads are then exactly ``backward()``'s (from the walk's start)."""
        self._restore(self._final)
        self.position = len(self.steps)
        self.feedback = ""
        self._changed()

    def reset(self) -> None:
        """Back to step 0: every grad as it was when the Stepper was made (a quiz starts again)."""
        self._restore(self._held)
        self.position = 0
        self._spoiled.clear()
        self.feedback = ""
        self._changed()

    def restore(self) -> None:
        """Put back the grads held before the Stepper was made (the same as ``reset()``: step 0)."""
        self.reset()

    def goto(self, position: int) -> None:
        """Have exactly the first ``position`` steps applied ("Step position of N")."""
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= len(self.steps):
            raise ValueError(f"Stepper.goto: position must be an int in 0..{len(self.steps)}, got {position!r}")
        if position != self.position:
            self._jump(position)
            self.feedback = ""
            self._changed()

    def __enter__(self) -> Stepper:
        """``with Stepper(f) as s:`` ... puts back your grads on the way out (``restore()``)."""
        return self

    def __exit__(self, *exc: object) -> None:
        """``restore()``: every grad back to what it was when the Stepper was made."""
        self.restore()

    def _forward(self) -> AnyStep:
        s = self.steps[self.position]
        for e in edge_steps_of(s):
            if e.kind == "seed":
                self._restore(self._seeded)
            else:
                cast(Value, e.parent).grad = e.grad_after  # an edge step has a parent
        self.position += 1
        return s

    def _backward(self) -> None:
        s = self.steps[self.position - 1]
        for e in reversed(edge_steps_of(s)):
            if e.kind == "seed":
                self._restore(self._held)
            else:
                cast(Value, e.parent).grad = e.grad_before  # an edge step has a parent
        self.position -= 1

    def by_scope(self, collapse: Any = None) -> Stepper:
        """A new Stepper over the same backward pass with one step per box (``granularity="scope"``).

        ``collapse`` says which scopes are boxes (default: this Stepper's). Its step 0 is this
        Stepper's step 0; this Stepper does not move.
        """
        kw = dict(self.draw_kw)
        if collapse is not None:
            kw["collapse"] = collapse
        start = self.position
        self._jump(0)
        try:
            return Stepper(
                self.root,
                self.method,
                self.fresh,
                self.max_nodes,
                self.parameters,
                granularity="scope",
                **kw,
            )
        finally:
            self._jump(start)

    def _jump(self, position: int) -> None:
        # move without telling the views (they are told once, by the public method)
        while self.position > position:
            self._backward()
        while self.position < position:
            self._forward()

    @contextmanager
    def shown(self) -> Iterator[None]:
        """Inside the block the grads are as every view shows them now: at step 0 ``start_grads``
        (what step 1 starts from, not what an earlier pass left), else as they are."""
        if self.position:
            yield
            return
        held = [v.grad for v in self.nodes]
        self._restore(self.start_grads)
        try:
            yield
        finally:
            self._restore(held)

    def walk(self) -> Iterator[tuple[int, AnyStep | None]]:
        """``(k, step k)`` for k = 0..N, each with the grads as the views show them at step k (step 0:
        ``None``, the grads ``start_grads``); then back where it was. No view is told: the HTML page
        is made this way."""
        start = self.position
        self._jump(0)
        try:
            with self.shown():
                yield 0, None
            for k in range(1, len(self.steps) + 1):
                yield k, self._forward()
        finally:
            self._jump(start)

    def _restore(self, grads: list[float]) -> None:
        for v, g in zip(self.nodes, grads):
            v.grad = g

    # -- words -------------------------------------------------------------------

    def headline(self, k: int | None = None) -> str:
        """``"Step k of N"`` (default: now): k of the N steps applied; the seed is step 1, step 0 the start."""
        return f"Step {self.position if k is None else k} of {len(self.steps)}"

    def name(self, v: Value) -> str:
        """A node's label, or ``n<i>`` (its index in topological order, as in the picture)."""
        return self._names[id(v)]

    def explain(self, step: AnyStep | int | None = None) -> str:
        """One line in plain words for ``step``, a Step or its number k (default: now; step 0 says what 1 does)."""
        if isinstance(step, int) and not isinstance(step, bool):
            if not 0 <= step <= len(self.steps):
                raise ValueError(f"Stepper.explain: step must be in 0..{len(self.steps)}, got {step}")
            step = self.steps[step - 1] if step else None
        elif step is None:
            step = self.current
        elif not isinstance(step, (Step, ScopeStep)):
            raise TypeError(f"Stepper.explain: step must be a Step, a step number or None, got {step!r}")
        if isinstance(step, ScopeStep):
            return self._explain_scope(step) if step.kind == "scope" else self.explain(step.steps[0])
        s = step
        r = self.name(self.root)
        if s is None:
            n = len(self.steps)
            return f"No step applied yet: {self.start_words()}; step 1 seeds {r}.grad = 1; {n} steps in all."
        c = self.name(s.node)
        if s.kind == "seed":
            seed = f"seed: {c}.grad = 1 (∂{c}/∂{c} = 1)" if s.grad_after == 1.0 else f"seed: {c}.grad += 1"
            if self.fresh:
                return f"{seed}; every other grad starts from 0"
            return f"{seed}; interior grads start from 0, leaves keep their grads and accumulate"
        p = self.name(cast(Value, s.parent))  # an edge step has a parent
        where = f"{scope_name(s.node.scope)}: " if s.node.scope else ""
        return (
            f"{where}{p}.grad += (∂{c}/∂{p} = {_num(s.local)}) × {c}.grad ({_num(s.node_grad)}) "
            f"= {_num(s.contribution)} → {p}.grad = {_num(s.grad_after)}"
        )

    def start_words(self) -> str:
        """What step 0 shows (``start_grads``), in words for step 0's text and the HTML page."""
        if self.fresh:
            return "every grad shows 0, where this pass starts it"
        return "interior grads show 0, where this pass starts them; leaves show the grads they hold and add to"

    def _explain_scope(self, group: ScopeStep) -> str:
        # what a run of edges through one box did to the grads of the values entering it
        pic = self.picture
        inputs: dict[int, Step] = {}  # parent index -> its last step in the run
        params: set[int] = set()
        for s in group.steps:
            p = pic.index[id(s.parent)]
            if pic.where[p] == group.box:
                continue
            if pic.is_param[p]:
                params.add(p)
            else:
                inputs[p] = s
        short = group.scope.rpartition("/")[2]
        head = f"backprop through {group.scope} ({len(group.steps)} edge{'s' if len(group.steps) != 1 else ''})"
        if inputs:
            shown = [f"{self.name(s.parent)} = {_num(s.grad_after)}" for s in list(inputs.values())[:SHOWN_INPUTS]]  # type: ignore[arg-type]
            more = f", … ({len(inputs)} in all)" if len(inputs) > SHOWN_INPUTS else ""
            head += f": {short}'s inputs' grads are now {', '.join(shown)}{more}"
        else:
            head += f": no input of {short} gets a grad from it"
        if params:
            head += f"; {len(params)} of its params got their grads"
        return head

    def context(self, step: AnyStep | None = None) -> str:
        """Where the step sits in the algorithm: which node is being visited and why."""
        s = step if step is not None else self.current
        if isinstance(s, ScopeStep):
            if s.kind != "scope":
                return self.context(s.steps[0])
            if self.method == "push":
                return f"push (V2): visiting the nodes inside {s.scope}, in reverse topological order"
            return f"pull (V1): the terms of the edges inside {s.scope}, in reverse topological order"
        if s is None or s.kind == "seed":
            return (
                "push (V2): nodes visited in reverse topological order"
                if self.method == "push"
                else ("pull (V1): each node sums over its children, in reverse topological order")
            )
        c, p = self.name(s.node), self.name(cast(Value, s.parent))
        if self.method == "push":
            return f"push (V2): visiting {c} ({s.node.op}), adding into its parent #{s.slot + 1}, {p}"
        return f"pull (V1): computing {p}.grad, term from its child {c} ({s.node.op})"

    def transcript(self) -> str:
        """Every step's explanation, one per line, each after its ``headline``."""
        width = len(self.headline(len(self.steps)))
        return "\n".join(f"{self.headline(s.index):<{width}}  {self.explain(s)}" for s in self.steps)

    # -- pictures ----------------------------------------------------------------

    def draw(self) -> graphviz.Digraph:
        """The graph now, with the current step's nodes and edge highlighted (at step 0, each grad
        as step 1 starts it: ``start_grads``)."""
        s = self.current
        hl = [] if s is None else list(edge_steps_of(s))
        kw = {"show_local_grads": True, **self.draw_kw}
        with self.shown():
            return draw(self.root, highlight=hl, max_nodes=self.max_nodes, parameters=self.parameters, **kw)

    def svg(self) -> str:
        """The current picture as SVG markup, ready to inline in HTML (needs ``dot``)."""
        return svg_markup(self.draw())

    def save_html(self, path: str, title: str | None = None) -> str:
        """Write one self-contained HTML page that clicks through every step (needs ``dot``).

        The page needs no network and no kernel: send it to a student. Returns the path.
        """
        return share.save_html(self, path, title)

    def _repr_html_(self) -> str:
        return step_html(self)

    # -- quiz and why ------------------------------------------------------------

    @property
    def quiz(self) -> str | None:
        """ "contribution" (``quiz=True``: each step asks what it adds), "local" (its local derivative), or None
        (no quiz); fixed when the Stepper is made."""
        return self._quiz

    def question(self) -> str | None:
        """What the learner is asked before the next step (None with no quiz, or when all are applied)."""
        if not self.quiz or self.done:
            return None
        return quizzing.question(cast(Step, self.steps[self.position]), self.quiz, self._names)

    def answer(self, x: float | str) -> bool:
        """Check a prediction of the next step's number: right applies the step and returns True; wrong
        applies nothing, returns False and leaves a hint in ``feedback`` (the rule and its numbers)."""
        if not self.quiz:
            raise ValueError("Stepper.answer: this Stepper asks nothing; make it with Stepper(root, quiz=True)")
        if self.done:
            raise ValueError(f"Stepper.answer: every step is applied ({self.headline()}); reset() to start again")
        given = quizzing.read_answer(x)
        s = cast(Step, self.steps[self.position])
        want = quizzing.expected(s, self.quiz)
        k = self.position + 1
        if not quizzing.is_right(given, want):
            self._spoiled.add(k)
            self.feedback = f"Not quite ({given!r}). {quizzing.hint(s, self.quiz, self._names)}"
            self._views.redraw(self)
            return False
        self._credit[k] = k not in self._spoiled
        self.feedback = f"Right: {want!r}. {self.explain(s)}"
        self.step()
        return True

    def reveal(self) -> AnyStep | None:
        """Apply the next step without credit (as ``step()`` does in a quiz)."""
        return self.step()

    @property
    def score(self) -> tuple[int, int]:
        """(right, asked): steps applied so far, and those of them answered right at the first try."""
        return sum(self._credit.values()), len(self._credit)

    def why(self, node: Value) -> ChainRule:
        """The chain rule's sum for ``node``'s grad at this step: the terms added so far, and those to come."""
        if not isinstance(node, Value) or id(node) not in self._names:
            raise ValueError(f"Stepper.why: {node!r:.80} is not a node of this Stepper's graph")
        applied = sum(len(edge_steps_of(s)) for s in self.steps[: self.position])
        return sum_of(self.root, node, self.edge_steps, applied, self._names)

    def to_latex(self, document: bool = False) -> str:
        """The whole backward walk as a derivation for a handout: one line per step, in LaTeX without
        packages, in adjoint notation (``\\bar{x} \\mathrel{+}= \\frac{\\partial n}{\\partial x} \\cdot \\bar{n}``,
        where ``\\bar{v}`` is d(root)/d(v)); ``document=True`` wraps it in a document that plain
        ``pdflatex`` compiles."""
        return walk_latex(self.root, self.edge_steps, self._names, document)

    # -- views -------------------------------------------------------------------

    def widget(self) -> Any:  # an ipywidgets.VBox (ipywidgets is optional and untyped)
        """Prev / Next / Run / Reset buttons, a step slider and the picture (needs ipywidgets).

        Each call makes one more view; every view follows the Stepper, whatever moves it.
        """
        return self._views.widget(self)

    def _changed(self) -> None:
        # keep the quiz's score in step with the position, then tell every live view (drawn once for all)
        for k in [k for k in self._credit if k > self.position]:
            del self._credit[k]
        for k in range(1, self.position + 1):
            if k not in self._credit:  # applied without a right answer: revealed
                self._credit[k] = False
                self._spoiled.add(k)
        self._views.redraw(self)

    def _ipython_display_(self) -> None:
        self._views.display(self)

    def __repr__(self) -> str:
        """``Stepper(f, method='push'): Step 2 of 6``."""
        return f"Stepper({self.name(self.root)}, method={self.method!r}): {self.headline()}"


def _check_arguments(
    root: object, method: object, fresh: object, max_nodes: object, granularity: object, draw_kw: dict[str, Any]
) -> None:
    # every argument of Stepper(...) checked before anything is recorded; a misspelt option is an error
    if not isinstance(root, Value):
        raise TypeError(f"Stepper: root must be a Value, got {type(root).__name__}")
    unknown = [k for k in draw_kw if k not in DRAW_OPTIONS]
    if unknown:
        valid = ("method", "fresh", "max_nodes", "parameters", "granularity", "quiz", *DRAW_OPTIONS)
        close = difflib.get_close_matches(unknown[0], valid, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(
            f"Stepper: unknown keyword argument {', '.join(map(repr, unknown))}{hint}; "
            f"it takes root and {', '.join(valid)}"
        )
    if type(method) is not str or method not in METHODS:
        raise ValueError(f"Stepper: method must be 'push' or 'pull', got {method!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"Stepper: max_nodes must be an int >= 1, got {max_nodes!r}")
    if not isinstance(fresh, bool):
        raise TypeError(f"Stepper: fresh must be True or False, got {fresh!r}")
    if type(granularity) is not str or granularity not in GRANULARITIES:
        raise ValueError(f"Stepper: granularity must be 'edge' or 'scope', got {granularity!r:.80}")
    if granularity == "scope" and draw_kw.get("collapse") is None:
        raise ValueError(
            "Stepper: granularity='scope' makes one step per box of a collapsed picture; "
            "say which scopes are boxes, e.g. collapse=2 (an MLP's layers)"
        )
