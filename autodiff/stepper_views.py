"""A Stepper's views in Jupyter: its HTML (headline, explanation, picture), the ipywidgets
widget (Prev / Next / Run / Reset, a slider, the picture) and, without ipywidgets, a plain
HTML display updated in place. Every view is redrawn when the Stepper moves, whatever moved it.
"""

from __future__ import annotations

import html
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

from .dot_program import GraphvizError, GraphvizNotFound
from .labels import text

if TYPE_CHECKING:
    from .stepper import Stepper


def step_html(stepper: Stepper) -> str:
    """The Stepper now as HTML: its headline, where the step sits, its explanation, and the picture
    (or, when there is none, why: no ``dot``, ``dot`` failed, too many nodes)."""
    head = (
        f"<div><b class='autodiff-counter'>{stepper.headline()}</b> &middot; {html.escape(stepper.context())}</div>"
        f"<pre class='autodiff-explain' style='margin:4px 0;white-space:pre-wrap'>"
        f"{html.escape(stepper.explain())}</pre>"
    )
    head += quiz_html(stepper)
    try:
        picture = stepper.svg()
    except (GraphvizNotFound, GraphvizError) as e:
        picture = f"<p><i>{html.escape(str(e))}</i></p>"
    except ValueError as e:  # too many nodes to draw
        picture = f"<p><i>{text(str(e))}</i></p>"
    return f"<div class='autodiff-stepper' data-step='{stepper.position}'>{head}{picture}</div>"


def quiz_html(stepper: Stepper) -> str:
    """A quiz's question, score and feedback as HTML ("" when the Stepper asks nothing)."""
    if not stepper.quiz:
        return ""
    right, asked = stepper.score
    question = stepper.question() or "Every step is applied: reset to try again."
    return (
        f"<div class='autodiff-quiz'><b class='autodiff-question'>{html.escape(question)}</b> "
        f"<span class='autodiff-score'>right at the first try: {right} of {asked}</span>"
        f"<div class='autodiff-feedback' style='white-space:pre-wrap'>{html.escape(stepper.feedback)}</div></div>"
    )


class Views:
    """The views displayed for one Stepper: its widgets, held weakly (a closed one is freed), and
    its last 20 plain HTML displays (by display id); ``redraw`` draws the picture once for all."""

    def __init__(self) -> None:
        self.widgets: list[weakref.ref[WidgetView]] = []
        self.displays: deque[Any] = deque(maxlen=20)

    def __len__(self) -> int:
        """How many widgets were alive at the last redraw (or made since)."""
        return len(self.widgets)

    def widget(self, stepper: Stepper) -> Any:  # an ipywidgets.VBox (ipywidgets is optional and untyped)
        """One more widget for ``stepper``, following it from now on (needs ipywidgets)."""
        view = WidgetView(stepper, step_html(stepper))
        self.widgets.append(weakref.ref(view))
        return view.box

    def display(self, stepper: Stepper) -> None:
        """Show ``stepper`` in Jupyter: a widget, or without ipywidgets the HTML, updated in place."""
        from IPython.display import HTML, display

        try:
            display(self.widget(stepper))
        except ImportError:  # no ipywidgets: a plain picture, updated in place by the display id
            handle = display(HTML(step_html(stepper)), display_id=True)
            if handle is not None:
                self.displays.append(handle)

    def redraw(self, stepper: Stepper) -> None:
        """Show ``stepper`` as it is now in every live view; forget the widgets that were closed."""
        views = [v for v in (ref() for ref in self.widgets) if v is not None]
        self.widgets = [weakref.ref(v) for v in views]
        if not views and not self.displays:
            return
        page = step_html(stepper)
        for v in views:
            v.show(page)
        if self.displays:
            from IPython.display import HTML

            for handle in self.displays:
                handle.update(HTML(page))


class WidgetView:
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
        rows = [w.HBox([*buttons, self.slider])]
        if stepper.quiz:
            rows.append(self._quiz_row(w))
        self.box = w.VBox([*rows, self.picture])
        self.box.add_class("autodiff-stepper-widget")

    def _quiz_row(self, w: Any) -> Any:
        # an answer box (Enter checks it), Check and Reveal; the question, score and feedback are in the page
        self.answer = w.Text(placeholder="your number, then Enter", continuous_update=False)
        self.answer.add_class("autodiff-answer")
        self.answer.observe(lambda _: self._check(), names="value")
        check, reveal = w.Button(description="Check"), w.Button(description="Reveal")
        check.add_class("autodiff-check")
        reveal.add_class("autodiff-reveal")
        check.on_click(lambda _: self._check())
        reveal.on_click(lambda _: self.stepper.reveal())
        return w.HBox([self.answer, check, reveal])

    def _check(self) -> None:
        given = self.answer.value.strip()
        if not given:
            return
        self.answer.value = ""  # fires this observer again, with nothing to check
        try:
            self.stepper.answer(given)  # redraws every view, right or wrong
        except (ValueError, TypeError) as e:  # not a number, or every step applied: said in the page
            self.stepper.feedback = str(e)
            self.show(step_html(self.stepper))

    def _slid(self, change: dict[str, Any]) -> None:
        self.stepper.goto(change["new"])  # a no-op when show() set it to where the Stepper is

    def show(self, page: str) -> None:
        """Show ``page`` (the Stepper's HTML now) and move the slider to the Stepper's position."""
        self.slider.value = self.stepper.position
        self.picture.value = page
