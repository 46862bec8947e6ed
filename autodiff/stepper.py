"""Step through a backward pass, one edge at a time, forwards and back.

Built on ``backprop.backward_steps``: the steps are recorded once, then replayed
by setting each receiving node's grad to the value the step left in it, so
``back()`` restores grads exactly and the final grads are exactly ``backward()``'s.

One numbering everywhere, ``Stepper.headline``: "Step k of N" means k of the N
steps are applied; the seed is step 1 and step 0 is the graph before the walk.
``Step.index``, ``transcript()``, the command line's ``--steps``, ``repr``, the
notebook widget and the HTML page all count this way.

One model, any number of views: each widget displayed for a Stepper is redrawn
whenever the Stepper moves, whatever moved it (a button, the slider, or
``step()`` called in another cell). The Stepper holds its views by weak
reference, so a closed widget is freed.
"""

from __future__ import annotations

import html
import weakref
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from .backprop import METHODS, Step, backward_steps
from .graph import topological_order
from .value import Value
from .viz import GraphvizError, GraphvizNotFound, draw, svg_markup, text

if TYPE_CHECKING:
    import graphviz


def _num(x: float) -> str:
    r = repr(x)
    return r if len(r) <= 10 else f"{x:.6g}"


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

    Making a Stepper changes no grad: step 0 is the graph as you had it. The walk
    starts on step 1 (the seed), from every grad at 0 with ``fresh=True`` (the
    default), or, with ``fresh=False``, from interior grads at 0 and the leaves'
    grads as they were, to show leaves accumulating across passes. ``restore()``,
    or leaving a ``with Stepper(...) as s:`` block, puts back the grads held
    before. ``method`` is "push" (V2) or "pull" (V1).

    In Jupyter it shows the graph with the current node and edge in red and the
    grads so far; with ipywidgets installed, Prev / Next / Run / Reset buttons and
    a slider. Every view follows the Stepper, whatever moves it.
    """

    def __init__(
        self,
        root: Value,
        method: str = "push",
        fresh: bool = True,
        max_nodes: int = 500,
        parameters: Any = None,
        **draw_kw: Any,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Stepper: root must be a Value, got {type(root).__name__}")
        if type(method) is not str or method not in METHODS:
            raise ValueError(f"Stepper: method must be 'push' or 'pull', got {method!r}")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"Stepper: max_nodes must be an int >= 1, got {max_nodes!r}")
        if not isinstance(fresh, bool):
            raise TypeError(f"Stepper: fresh must be True or False, got {fresh!r}")
        self.root = root
        self.method = method
        self.fresh = fresh
        self.max_nodes = max_nodes
        self.parameters = list(parameters) if parameters is not None else None
        self.draw_kw = draw_kw
        self.nodes = topological_order(root)
        self._names = {id(v): (v.label or f"n{i}") for i, v in enumerate(self.nodes)}
        self._held = [v.grad for v in self.nodes]  # step 0, and what restore() puts back
        # record the pass once, from the grads the walk starts from, then put the user's grads back
        self._restore([0.0] * len(self.nodes) if fresh else self._held)
        self.steps: list[Step] = []
        try:
            for s in backward_steps(root, method):
                self.steps.append(s)
                if s.kind == "seed":
                    self._seeded = [v.grad for v in self.nodes]  # step 1
            self._final = [v.grad for v in self.nodes]  # step N
        finally:
            self._restore(self._held)
        self.position = 0  # number of steps applied
        self._views: list[weakref.ref[_WidgetView]] = []  # widgets, held weakly: a closed one is freed
        self._displays: deque[Any] = deque(maxlen=20)  # plain HTML displays (no ipywidgets): a display id each

    # -- moving ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def current(self) -> Step | None:
        """The step applied last (None at step 0)."""
        return self.steps[self.position - 1] if self.position else None

    @property
    def done(self) -> bool:
        return self.position == len(self.steps)

    def step(self) -> Step | None:
        """Apply the next step and return it; None when every step is applied."""
        if self.done:
            return None
        s = self._forward()
        self._changed()
        return s

    def back(self) -> Step | None:
        """Undo the last step; returns the step now current (None at step 0)."""
        if not self.position:
            return None
        self._backward()
        self._changed()
        return self.current

    def run(self) -> None:
        """Apply every remaining step: the grads are then exactly ``backward()``'s (from the walk's start)."""
        self._restore(self._final)
        self.position = len(self.steps)
        self._changed()

    def reset(self) -> None:
        """Back to step 0: every grad as it was when the Stepper was made."""
        self._restore(self._held)
        self.position = 0
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
            self._changed()

    def __enter__(self) -> Stepper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def _forward(self) -> Step:
        s = self.steps[self.position]
        if s.kind == "seed":
            self._restore(self._seeded)
        else:
            cast(Value, s.parent).grad = s.grad_after  # an edge step has a parent
        self.position += 1
        return s

    def _backward(self) -> None:
        s = self.steps[self.position - 1]
        if s.kind == "seed":
            self._restore(self._held)
        else:
            cast(Value, s.parent).grad = s.grad_before  # an edge step has a parent
        self.position -= 1

    def _jump(self, position: int) -> None:
        # move without telling the views (they are told once, by the public method)
        while self.position > position:
            self._backward()
        while self.position < position:
            self._forward()

    def _walk(self) -> Iterator[tuple[int, Step | None]]:
        """(k, step k) for k = 0..N with the graph at step k; then back where it was. No view is told."""
        start = self.position
        self._jump(0)
        try:
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

    def explain(self, step: Step | int | None = None) -> str:
        """One line in plain words for ``step``, a Step or its number k (default: now; step 0 says what 1 does)."""
        if isinstance(step, int) and not isinstance(step, bool):
            if not 0 <= step <= len(self.steps):
                raise ValueError(f"Stepper.explain: step must be in 0..{len(self.steps)}, got {step}")
            step = self.steps[step - 1] if step else None
        elif step is None:
            step = self.current
        elif not isinstance(step, Step):
            raise TypeError(f"Stepper.explain: step must be a Step, a step number or None, got {step!r}")
        s = step
        r = self.name(self.root)
        if s is None:
            start = "every other grad from 0" if self.fresh else "interior grads from 0, leaves keeping theirs"
            return f"No step applied yet: step 1 seeds {r}.grad = 1 and starts {start}; {len(self.steps)} steps in all."
        c = self.name(s.node)
        if s.kind == "seed":
            seed = f"seed: {c}.grad = 1 (∂{c}/∂{c} = 1)" if s.grad_after == 1.0 else f"seed: {c}.grad += 1"
            if self.fresh:
                return f"{seed}; every other grad starts from 0"
            return f"{seed}; interior grads start from 0, leaves keep their grads and accumulate"
        p = self.name(cast(Value, s.parent))  # an edge step has a parent
        return (
            f"{p}.grad += (∂{c}/∂{p} = {_num(s.local)}) × {c}.grad ({_num(s.node_grad)}) "
            f"= {_num(s.contribution)} → {p}.grad = {_num(s.grad_after)}"
        )

    def context(self, step: Step | None = None) -> str:
        """Where the step sits in the algorithm: which node is being visited and why."""
        s = step if step is not None else self.current
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
        """The graph now, with the current step's nodes and edge highlighted."""
        hl = [self.current] if self.current is not None else []
        kw = {"show_local_grads": True, **self.draw_kw}
        return draw(self.root, highlight=hl, max_nodes=self.max_nodes, parameters=self.parameters, **kw)

    def svg(self) -> str:
        """The current picture as SVG markup, ready to inline in HTML (needs ``dot``)."""
        return svg_markup(self.draw())

    def save_html(self, path: str, title: str | None = None) -> str:
        """Write one self-contained HTML page that clicks through every step (needs ``dot``).

        The page needs no network and no kernel: send it to a student. Returns the path.
        """
        from .share import save_html

        return save_html(self, path, title)

    def _repr_html_(self) -> str:
        head = (
            f"<div><b class='autodiff-counter'>{self.headline()}</b> &middot; {html.escape(self.context())}</div>"
            f"<pre class='autodiff-explain' style='margin:4px 0;white-space:pre-wrap'>"
            f"{html.escape(self.explain())}</pre>"
        )
        try:
            picture = self.svg()
        except (GraphvizNotFound, GraphvizError) as e:
            picture = f"<p><i>{html.escape(str(e))}</i></p>"
        except ValueError as e:  # too many nodes to draw
            picture = f"<p><i>{text(str(e))}</i></p>"
        return f"<div class='autodiff-stepper' data-step='{self.position}'>{head}{picture}</div>"

    # -- views -------------------------------------------------------------------

    def widget(self) -> Any:  # an ipywidgets.VBox (ipywidgets is optional and untyped)
        """Prev / Next / Run / Reset buttons, a step slider and the picture (needs ipywidgets).

        Each call makes one more view; every view follows the Stepper, whatever moves it.
        """
        view = _WidgetView(self, self._repr_html_())
        self._views.append(weakref.ref(view))
        return view.box

    def _changed(self) -> None:
        # tell every live view; the picture is drawn once for all of them
        views = [v for v in (ref() for ref in self._views) if v is not None]
        self._views = [weakref.ref(v) for v in views]
        if not views and not self._displays:
            return
        page = self._repr_html_()
        for v in views:
            v.show(page)
        if self._displays:
            from IPython.display import HTML

            for handle in self._displays:
                handle.update(HTML(page))

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        try:
            display(self.widget())
        except ImportError:  # no ipywidgets: a plain picture, updated in place by the display id
            handle = display(HTML(self._repr_html_()), display_id=True)
            if handle is not None:
                self._displays.append(handle)

    def __repr__(self) -> str:
        return f"Stepper({self.name(self.root)}, method={self.method!r}): {self.headline()}"


class _WidgetView:
    """One displayed widget of a Stepper: buttons, slider and picture, redrawn when the Stepper moves."""

    def __init__(self, stepper: Stepper, page: str) -> None:
        import ipywidgets as w

        self.stepper = stepper
        self.picture = w.HTML(page)
        self.slider = w.IntSlider(value=stepper.position, min=0, max=len(stepper), description="step")
        moves = {"Prev": stepper.back, "Next": stepper.step, "Run": stepper.run, "Reset": stepper.reset}
        buttons = []
        for label, move in moves.items():
            b = w.Button(description=label)
            b.add_class(f"autodiff-{label.lower()}")
            b.on_click(lambda _, move=move: move())
            buttons.append(b)
        self.slider.observe(self._slid, names="value")
        self.box = w.VBox([w.HBox([*buttons, self.slider]), self.picture])
        self.box.add_class("autodiff-stepper-widget")

    def _slid(self, change: dict[str, Any]) -> None:
        self.stepper.goto(change["new"])  # a no-op when show() set it to where the Stepper is

    def show(self, page: str) -> None:
        self.slider.value = self.stepper.position
        self.picture.value = page
