"""Training you can watch: fit's progress bar where a person is watching, History.plot,
plot_decision_boundary, and the live loss curve of fit(live=True)."""

from __future__ import annotations

import sys
import types

import pytest

import nn
from nn.plot import LiveLoss

PNG = b"\x89PNG\r\n\x1a\n"


def moons_pm1(n=20):
    X, y = nn.moons(n, noise=0.1, seed=0)
    return X, [2 * t - 1 for t in y]


def train(**kw):
    X, y = moons_pm1()
    model = nn.MLP(2, [4, 1], seed=0)
    return nn.fit(model, X, y, epochs=kw.pop("epochs", 3), optimizer=nn.SGD(model.parameters(), lr=0.1), **kw)


@pytest.fixture
def matplotlib():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    return mpl


# -- the progress bar ------------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch):
    """Pretend stderr is a terminal (or not); CI unset."""
    monkeypatch.delenv("CI", raising=False)

    def set_tty(tty: bool) -> None:
        monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)

    return set_tty


def test_default_progress_shows_a_bar_in_a_terminal(terminal, capsys):
    terminal(True)
    train()
    err = capsys.readouterr().err
    assert "fit" in err and "3/3" in err and "100%" in err


def test_default_progress_is_silent_in_a_pipe(terminal, capsys):
    terminal(False)
    train()
    assert capsys.readouterr() == ("", "")


def test_default_progress_is_silent_under_ci_even_on_a_terminal(terminal, capsys, monkeypatch):
    terminal(True)
    monkeypatch.setenv("CI", "true")
    train()
    assert capsys.readouterr() == ("", "")


def test_progress_true_forces_a_bar_into_a_pipe_and_false_silences_a_terminal(terminal, capsys):
    terminal(False)
    train(progress=True)
    assert "3/3" in capsys.readouterr().err
    terminal(True)
    train(progress=False)
    assert capsys.readouterr() == ("", "")


def test_default_progress_shows_a_bar_in_a_notebook(terminal, capsys, monkeypatch):
    # a Jupyter kernel's shell, as IPython reports it; stderr there is no terminal
    class ZMQInteractiveShell:
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = ZMQInteractiveShell
    monkeypatch.setitem(sys.modules, "IPython", fake)
    terminal(False)
    assert nn.train._in_notebook()
    train()
    assert "3/3" in capsys.readouterr().err  # tqdm.auto was imported outside Jupyter: its text bar


def test_a_plain_ipython_shell_is_not_a_notebook(monkeypatch):
    class TerminalInteractiveShell:
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = TerminalInteractiveShell
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert not nn.train._in_notebook()


@pytest.mark.parametrize("progress", ["yes", 1, 0.0])
def test_progress_must_be_none_or_a_bool(progress):
    with pytest.raises(TypeError, match=r"progress must be True or False \(or None: a bar where someone watches\)"):
        train(progress=progress)


# -- History.plot and plot_decision_boundary -------------------------------------------


def test_history_plot_returns_a_figure_of_loss_and_accuracy(matplotlib):
    h = train(epochs=5, progress=False)
    fig = h.plot()
    assert isinstance(fig, matplotlib.figure.Figure)
    loss_ax, acc_ax = fig.axes
    (loss_line,) = loss_ax.get_lines()
    (acc_line,) = acc_ax.get_lines()
    assert list(loss_line.get_ydata()) == h.loss and list(acc_line.get_ydata()) == h.accuracy
    assert list(loss_line.get_xdata()) == [1, 2, 3, 4, 5]
    assert loss_ax.get_xlabel() == "epoch" and "last loss" in loss_ax.get_title()


def test_history_plot_without_accuracy_has_one_axis_and_draws_into_a_given_ax(matplotlib):
    import matplotlib.pyplot as plt

    h = nn.History(loss=[1.0, 0.5, 0.25], accuracy=[None, None, None])
    fig, ax = plt.subplots()
    try:
        assert h.plot(ax=ax) is fig and len(fig.axes) == 1
        assert list(ax.get_lines()[0].get_ydata()) == [1.0, 0.5, 0.25]
    finally:
        plt.close(fig)


def test_empty_history_cannot_be_plotted(matplotlib):
    with pytest.raises(ValueError, match="no epoch recorded"):
        nn.History().plot()


def test_decision_boundary_of_a_binary_model(matplotlib):
    X, y = moons_pm1(40)
    model = nn.MLP(2, [8, 1], seed=0)
    nn.fit(model, X, y, epochs=30, optimizer=nn.SGD(model.parameters(), lr=0.1), progress=False)
    fig = nn.plot_decision_boundary(model, X, y, resolution=12)
    assert isinstance(fig, matplotlib.figure.Figure)
    accuracy = sum((model(x).data > 0) == (t > 0) for x, t in zip(X, y)) / len(X)
    assert fig.axes[0].get_title() == f"decision boundary, accuracy {accuracy:.1%}"
    assert len(fig.axes[0].collections) >= 2  # the filled regions and the samples
    assert fig.axes[0].get_xlabel().startswith("x[0]") and fig.axes[0].get_ylabel().startswith("x[1]")


def test_decision_boundary_of_a_multiclass_model(matplotlib):
    X, y = nn.blobs(30, centers=3, std=0.5, seed=1)
    model = nn.MLP(2, [6, 3], activation="tanh", seed=0)
    fig = nn.plot_decision_boundary(model, X, y, resolution=10)
    scores = [[v.data for v in model(x)] for x in X]
    accuracy = sum(s.index(max(s)) == t for s, t in zip(scores, y)) / len(y)
    assert fig.axes[0].get_title().endswith(f"{accuracy:.1%}")


@pytest.mark.parametrize(
    "X, y, kw, message",
    [
        ([], [], {}, "X must be a non-empty list of 2-D points"),
        ([[0.0, 1.0, 2.0]], [1], {}, "X must be a non-empty list of 2-D points"),
        ([[0.0, float("nan")]], [1], {}, "every coordinate of X must be a finite number"),
        ([[0.0, 1.0]], [1, -1], {}, "1 points in X but 2 labels in y"),
        ([[0.0, 1.0]], [2], {}, "labels must be 0/1 or -1/\\+1 for a model with one output, got 2"),
        ([[0.0, 1.0]], [1], {"resolution": 1}, "resolution must be an int in 2..1000, got 1"),
    ],
)
def test_decision_boundary_refuses_bad_input(matplotlib, X, y, kw, message):
    with pytest.raises(ValueError, match=message):
        nn.plot_decision_boundary(nn.MLP(2, [1], seed=0), X, y, **kw)


def test_without_matplotlib_the_error_names_the_notebooks_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(
        ImportError,
        match=r"History.plot needs matplotlib: pip install matplotlib \(in a clone of stepgrad, "
        r"pip install \"\.\[notebooks\]\"",
    ):
        nn.History(loss=[1.0], accuracy=[None]).plot()
    with pytest.raises(ImportError, match=r"plot_decision_boundary needs matplotlib.*notebooks extra"):
        nn.plot_decision_boundary(nn.MLP(2, [1], seed=0), [[0.0, 1.0]], [1])
    with pytest.raises(ImportError, match=r"fit\(live=True\) needs matplotlib"):
        LiveLoss()


# -- the live loss curve -----------------------------------------------------------------


def test_live_loss_redraws_in_place_and_always_shows_the_last_epoch(matplotlib):
    pictures = []
    live = LiveLoss(show=pictures.append, interval=0.0, budget=1.0)
    h = train(epochs=6, progress=False, live=live)
    assert len(pictures) == live.redraws == 6 and all(p.startswith(PNG) for p in pictures)
    assert live.ax.get_title() == f"epoch 6/6, loss {h.loss[-1]:.4g}"
    assert list(live.line.get_ydata()) == h.loss


def test_live_loss_redraws_at_most_every_interval(matplotlib):
    pictures = []
    live = LiveLoss(show=pictures.append, interval=3600.0)
    train(epochs=5, progress=False, live=live)
    assert len(pictures) == 1  # only the final picture: no epoch came an hour after the last redraw


def test_live_loss_keeps_drawing_within_its_time_budget(matplotlib):
    live = LiveLoss(show=lambda png: None, interval=0.0, budget=0.05)
    train(epochs=40, progress=False, live=live)
    assert 1 <= live.redraws < 40
    elapsed = live._last - live._start
    assert live.drawing <= 0.05 * elapsed + live.drawing / live.redraws * 2  # the budget, give or take two pictures


def fake_display(monkeypatch):
    """IPython's display replaced by one that records what it shows (and each update of its handle)."""
    import IPython.display

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", obj.data[:8]))

    def display(obj, display_id=False):
        shown.append(("display", obj.data[:8]))
        assert display_id is True
        return Handle()

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


def test_live_loss_in_jupyter_uses_one_display_and_updates_it(matplotlib, monkeypatch):
    shown = fake_display(monkeypatch)
    live = LiveLoss(interval=0.0, budget=1.0)
    train(epochs=3, progress=False, live=live)
    assert shown == [("display", PNG), ("update", PNG), ("update", PNG)]


def test_live_true_outside_jupyter_warns_and_trains(matplotlib):
    with pytest.warns(UserWarning, match=r"live=True draws the loss curve only in Jupyter"):
        h = train(epochs=2, progress=False, live=True)
    assert len(h.loss) == 2


@pytest.mark.parametrize("live", ["yes", 1, None])
def test_live_must_be_a_bool_or_a_live_loss(live):
    with pytest.raises(TypeError, match="live must be True, False or an nn.plot.LiveLoss"):
        train(live=live)


@pytest.mark.parametrize("interval", [-0.1, float("nan"), float("inf"), "1", None], ids=repr)
def test_live_loss_refuses_an_interval_that_is_not_a_finite_number_of_seconds(interval):
    with pytest.raises(ValueError, match=r"LiveLoss: interval must be a finite number of seconds >= 0, got "):
        LiveLoss(show=lambda png: None, interval=interval)


@pytest.mark.parametrize("budget", [0, -0.5, 1.5, float("nan"), "0.1"], ids=repr)
def test_live_loss_refuses_a_budget_outside_0_to_1(budget):
    with pytest.raises(ValueError, match=r"LiveLoss: budget must be a fraction in \(0, 1\], got "):
        LiveLoss(show=lambda png: None, budget=budget)


def test_live_true_in_jupyter_shows_the_curve_in_one_display_without_a_warning(matplotlib, monkeypatch):
    import warnings

    import IPython
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")  # now, not at the first figure: pyplot would hook into the fake shell below

    class ZMQInteractiveShell:  # a Jupyter kernel's shell, as IPython reports it
        pass

    monkeypatch.setattr(IPython, "get_ipython", ZMQInteractiveShell)
    shown = fake_display(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = train(epochs=3, progress=False, live=True)
    # the default LiveLoss redraws at most every 0.5 s: three quick epochs, then the last one always drawn
    assert len(h.loss) == 3 and shown[0] == ("display", PNG) and all(s == ("update", PNG) for s in shown[1:])
