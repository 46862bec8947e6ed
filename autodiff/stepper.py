"""Step through a backward pass, one edge at a time, forwards and back.

Built on ``backprop.backward_steps``: the steps are recorded once, then replayed
by setting each receiving node's grad to the value the step left in it, so
``back()`` restores grads exactly and the final grads are exactly ``backward()``'s.
"""

from __future__ import annotations

import html
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
    >>> print(s.explain())
    b.grad += (∂c/∂b = 3.0) × c.grad (1.0) = 3.0 → b.grad = 3.0

    ``step()`` applies the next step and returns it (None at the end), ``back()``
    undoes the last one, ``run()`` applies all that remain, ``reset()`` goes back
    to the grads the graph had when the Stepper was made, ``goto(i)`` to just
    after step i. With ``fresh=True`` (the default) every grad of the graph is
    set to 0 first; ``fresh=False`` keeps them, to show leaves accumulating
    across passes. ``method`` is "push" (V2) or "pull" (V1). In Jupyter it shows
    the graph with the current node and edge in red and the grads so far; with
    ipywidgets installed, Prev / Next / Run / Reset buttons and a slider.
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
        self.max_nodes = max_nodes
        self.parameters = list(parameters) if parameters is not None else None
        self.draw_kw = draw_kw
        self.nodes = topological_order(root)
        held = [v.grad for v in self.nodes]
        if fresh:
            for v in self.nodes:
                v.grad = 0.0
        self._names = {id(v): (v.label or f"n{i}") for i, v in enumerate(self.nodes)}
        self._initial = [v.grad for v in self.nodes]
        try:
            self.steps: list[Step] = list(backward_steps(root, method))
        except BaseException:  # e.g. a non-finite gradient: leave every grad as the user had it
            self._restore(held)
            raise
        self._final = [v.grad for v in self.nodes]
        self.position = 0  # number of steps applied
        self._restore(self._initial)

    # -- moving ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def current(self) -> Step | None:
        """The step applied last (None before the first)."""
        return self.steps[self.position - 1] if self.position else None

    @property
    def done(self) -> bool:
        return self.position == len(self.steps)

    def step(self) -> Step | None:
        """Apply the next step and return it; None when every step is applied."""
        if self.done:
            return None
        s = self.steps[self.position]
        if s.kind == "seed":
            for v in self.nodes:
                if v.parents:
                    v.grad = 0.0
            self.root.grad = s.grad_after
        elif s.parent is not None:  # an edge step
            s.parent.grad = s.grad_after
        self.position += 1
        return s

    def back(self) -> Step | None:
        """Undo the last step; returns the step now current (None at the start)."""
        if not self.position:
            return None
        s = self.steps[self.position - 1]
        if s.kind == "seed":
            self._restore(self._initial)
        elif s.parent is not None:  # an edge step
            s.parent.grad = s.grad_before
        self.position -= 1
        return self.current

    def run(self) -> None:
        """Apply every remaining step: the grads are then exactly ``backward()``'s."""
        self._restore(self._final)
        self.position = len(self.steps)

    def reset(self) -> None:
        """Back to the grads the graph had before the first step."""
        self._restore(self._initial)
        self.position = 0

    def goto(self, position: int) -> None:
        """Have exactly the first ``position`` steps applied."""
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= len(self.steps):
            raise ValueError(f"Stepper.goto: position must be an int in 0..{len(self.steps)}, got {position!r}")
        while self.position > position:
            self.back()
        while self.position < position:
            self.step()

    def _restore(self, grads: list[float]) -> None:
        for v, g in zip(self.nodes, grads):
            v.grad = g

    # -- words -------------------------------------------------------------------

    def name(self, v: Value) -> str:
        """A node's label, or ``n<i>`` (its index in topological order, as in the picture)."""
        return self._names[id(v)]

    def explain(self, step: Step | None = None) -> str:
        """One line in plain words for ``step`` (default: the current one)."""
        s = step if step is not None else self.current
        if s is None:
            return f"Before backprop ({self.method}): {len(self.steps)} steps to go. Call step()."
        c = self.name(s.node)
        if s.kind == "seed":
            return f"seed: {c}.grad = 1 (∂{c}/∂{c} = 1); every interior grad starts from 0"
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
        """Every step's explanation, numbered, one per line."""
        return "\n".join(f"{s.index:>4}  {self.explain(s)}" for s in self.steps)

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
            f"<div><b>Step {self.position}/{len(self.steps)}</b> &middot; {html.escape(self.context())}</div>"
            f"<pre style='margin:4px 0'>{html.escape(self.explain())}</pre>"
        )
        try:
            picture = self.svg()
        except (GraphvizNotFound, GraphvizError) as e:
            picture = f"<p><i>{html.escape(str(e))}</i></p>"
        except ValueError as e:  # too many nodes to draw
            picture = f"<p><i>{text(str(e))}</i></p>"
        return f"<div class='autodiff-stepper'>{head}{picture}</div>"

    def widget(self) -> Any:
        """Prev / Next / Run / Reset buttons and a step slider (needs ipywidgets)."""
        import ipywidgets as w

        view = w.HTML(self._repr_html_())
        slider = w.IntSlider(value=self.position, min=0, max=len(self.steps), description="step")
        buttons = {name: w.Button(description=name) for name in ("Prev", "Next", "Run", "Reset")}

        def show(position: int) -> None:
            self.goto(position)
            slider.value = self.position
            view.value = self._repr_html_()

        buttons["Prev"].on_click(lambda _: show(max(self.position - 1, 0)))
        buttons["Next"].on_click(lambda _: show(min(self.position + 1, len(self.steps))))
        buttons["Run"].on_click(lambda _: show(len(self.steps)))
        buttons["Reset"].on_click(lambda _: show(0))
        slider.observe(lambda change: show(change["new"]), names="value")
        return w.VBox([w.HBox(list(buttons.values()) + [slider]), view])

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        try:
            display(self.widget())
        except ImportError:
            display(HTML(self._repr_html_()))

    def __repr__(self) -> str:
        return f"Stepper({self.name(self.root)}, method={self.method!r}, step {self.position}/{len(self.steps)})"
