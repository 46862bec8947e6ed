"""fit, History, progress, compiled against eager, and JSON save/load."""

from __future__ import annotations

import json
import sys
import warnings

import pytest

import nn


def moons_pm1(n=60):
    X, y = nn.moons(n, 0.1, seed=3)
    return X, [2 * t - 1 for t in y]


def test_fit_moons_reaches_high_accuracy():
    X, y = moons_pm1(100)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    h = nn.fit(
        model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=60, l2=1e-4, progress=False
    )
    assert len(h.loss) == len(h.accuracy) == 60
    assert h.loss[-1] < h.loss[0] / 3
    assert h.accuracy[-1] >= 0.95
    assert "epoch   60/60" in h.summary()


def test_fit_is_deterministic_with_minibatches():
    X, y = moons_pm1()

    def run():
        model = nn.MLP(2, [4, 1], seed=1)
        h = nn.fit(model, X, y, epochs=3, batch_size=16, progress=False, seed=9)
        return h.loss, [p.data for p in model.parameters()]

    assert run() == run()


def test_fit_cross_entropy_on_spirals_accuracy_is_argmax():
    X, y = nn.spirals(60, classes=3, seed=0)
    model = nn.MLP(2, [16, 3], activation="tanh", seed=0)
    h = nn.fit(
        model, X, y, loss="cross_entropy", optimizer=nn.Adam(model.parameters(), lr=0.05), epochs=40, progress=False
    )
    assert h.loss[-1] < h.loss[0]
    assert h.accuracy[-1] > 0.6


def test_fit_custom_loss_and_regression_has_no_accuracy():
    X = [[x / 10] for x in range(-10, 11)]
    y = [2 * x[0] + 0.5 for x in X]
    model = nn.MLP(1, [1], seed=0)
    h = nn.fit(
        model,
        X,
        y,
        loss=lambda outs, ts: nn.mse(outs, ts),
        optimizer=nn.SGD(model.parameters(), lr=0.3),
        epochs=80,
        progress=False,
    )
    assert h.accuracy[-1] is None and h.loss[-1] < 1e-4
    w, b = (p.data for p in model.parameters())
    assert (w, b) == (pytest.approx(2.0, abs=1e-2), pytest.approx(0.5, abs=1e-2))


def test_progress_bar_goes_to_stderr_only_when_asked(capsys, monkeypatch):
    X, y = moons_pm1(10)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # as in a terminal
    nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")
    nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, epochs=2, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "fit" in err and "2/2" in err


def test_progress_bar_in_a_browser_starts_no_monitor_thread(monkeypatch):
    # Pyodide (sys.platform "emscripten") cannot start a thread: tqdm's monitor would warn
    # "tqdm:disabling monitor support ... can't start new thread" on every first bar
    import threading

    from tqdm.auto import tqdm

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setattr(threading.Thread, "start", no_thread)
    monkeypatch.setattr(tqdm, "monitor_interval", 10)  # tqdm's default, whatever ran before
    monkeypatch.setattr(tqdm, "monitor", None)
    X, y = moons_pm1(10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, epochs=2, progress=True)


@pytest.mark.parametrize(
    "kw, pattern",
    [
        ({"loss": "nope"}, "unknown loss 'nope'"),
        ({"epochs": 0}, "epochs must be an int >= 1"),
        ({"batch_size": 0}, "batch_size must be None or an int >= 1"),
        ({"loss": 3}, "loss must be a name or a function"),
    ],
)
def test_fit_bad_arguments(kw, pattern):
    X, y = moons_pm1(10)
    with pytest.raises((ValueError, TypeError), match=pattern):
        nn.fit(nn.MLP(2, [2, 1]), X, y, progress=False, **kw)


def test_fit_length_mismatch():
    with pytest.raises(ValueError, match="2 samples in X but 1 targets"):
        nn.fit(nn.MLP(2, [1]), [[0.0, 0.0], [1.0, 1.0]], [1], progress=False)


def test_fit_diverging_loss_raises():
    X, y = moons_pm1(10)
    model = nn.MLP(2, [8, 1], seed=0)
    with pytest.raises((FloatingPointError, OverflowError)):
        nn.fit(
            model,
            X,
            [t * 1e150 for t in y],
            loss="mse",
            optimizer=nn.SGD(model.parameters(), lr=1e10),
            epochs=50,
            progress=False,
        )


def _close(a, b, tol=1e-12):
    return len(a) == len(b) and all(abs(u - v) <= tol * max(1.0, abs(v)) for u, v in zip(a, b))


def _one_step(start, X, y, loss, lr, compiled):
    # one fit step (one epoch of one batch) from the parameters `start`: the batch's loss and each parameter's grad
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    for p, x in zip(model.parameters(), start):
        p.data = x
    opt = nn.SGD(model.parameters(), lr=lr, momentum=0.9)
    h = nn.fit(model, X, y, loss=loss, optimizer=opt, epochs=1, l2=1e-4, compile=compiled, progress=False)
    return h.loss, [p.grad for p in model.parameters()]


@pytest.mark.parametrize("loss, lr", [("hinge", 0.1), ("mse", 0.02)])  # mse on these targets: the loss from Values
@pytest.mark.parametrize("numpy", [True, False], ids=["batched", "a sample at a time"])
def test_a_compiled_step_is_an_eager_step_to_1e_12_along_a_chaotic_run(monkeypatch, numpy, loss, lr):
    # tanh, momentum and batch_size=1 amplify last-bit differences (numpy's tanh and exp are not math's):
    # with hinge, compiled and eager runs of 15 epochs end O(1) apart; the promise is per step, checked each epoch
    if not numpy:
        monkeypatch.setitem(sys.modules, "numpy", None)
    X, y = moons_pm1(40)
    if loss == "mse":
        y = [0.5 * t + 0.01 * i for i, t in enumerate(y)]
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    opt = nn.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(15):
        start = [p.data for p in model.parameters()]
        (eager_loss, eager_grads), (loss_, grads) = (_one_step(start, X, y, loss, lr, c) for c in (False, True))
        assert _close(loss_, eager_loss) and _close(grads, eager_grads)
        nn.fit(model, X, y, loss=loss, optimizer=opt, epochs=1, batch_size=1, progress=False)  # on along the run


def test_fit_promises_compiled_equals_eager_per_step_not_over_a_run():
    doc = " ".join(nn.fit.__doc__.split())
    assert "over a training run" not in doc
    assert "one step from the same parameters" in doc and "1e-12" in doc


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MLP(3, [4, 2], activation="tanh", seed=4),
        lambda: nn.Layer(2, 3, activation="sigmoid", seed=1, name="L7"),
        lambda: nn.Neuron(5, activation="linear", seed=2),
    ],
)
def test_save_load_round_trip(tmp_path, make):
    model = make()
    for p in model.parameters():
        p.data += 0.125  # not what a fresh seed gives
    path = tmp_path / "model.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert [(n, p.data) for n, p in loaded.named_parameters()] == [(n, p.data) for n, p in model.named_parameters()]
    x = [0.1 * i - 0.2 for i in range(model.config()["nin"])]
    a, b = model(x), loaded(x)
    a, b = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
    assert [v.data for v in a] == [v.data for v in b]
    assert json.loads(path.read_text())["format"] == "stepgrad.nn"


def _write(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def _good(tmp_path):
    path = tmp_path / "good.json"
    nn.save(nn.MLP(2, [2, 1], seed=0), path)
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda d: "{not json", "is not valid JSON"),
        (lambda d: json.dumps([1, 2]), "is not a stepgrad model file"),
        (lambda d: json.dumps({**d, "version": 99}), '"version" is 99; this stepgrad reads the integer 1'),
        (lambda d: json.dumps({**d, "class": "Evil"}), "\"class\" is 'Evil'; known: MLP, Layer, Neuron"),
        (lambda d: json.dumps({**d, "config": {**d["config"], "nouts": [3, 1]}}), "has 9 entries but .* with 13"),
        (lambda d: json.dumps({**d, "config": {"nin": 2}}), "\"config\" is missing 'nouts'"),
        (lambda d: json.dumps({**d, "parameters": {**d["parameters"], "L0.N0.w0": "1"}}), "must be a finite number"),
        (lambda d: json.dumps({**d, "parameters": {**d["parameters"], "L9.N0.b": 1.0}}), "has 10 entries but"),
        (
            lambda d: json.dumps(
                {**d, "parameters": {("L9" if k == "L1.N0.b" else k): v for k, v in d["parameters"].items()}}
            ),
            "missing \\['L1.N0.b'\\], unexpected \\['L9'\\]",
        ),
    ],
)
def test_load_rejects_malformed_files(tmp_path, mutate, pattern):
    path = _write(tmp_path, mutate(_good(tmp_path)))
    with pytest.raises(ValueError, match=pattern):
        nn.load(path)


def test_save_rejects_unknown_modules(tmp_path):
    class Mine(nn.Module):
        pass

    with pytest.raises(TypeError, match="can save MLP, Layer, Neuron, got Mine"):
        nn.save(Mine(), tmp_path / "m.json")
