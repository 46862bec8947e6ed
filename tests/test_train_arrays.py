"""fit(compile=True) with numpy: the parameters and the optimizer's state live in arrays (nn.optim.Arrays).

The array steps are the per-Value optimizers' steps, number for number; the Values are
written back when fit returns, when it raises (as the last finished step left them) and
before a LiveLoss looks.
"""

from __future__ import annotations

import random
import re

import pytest

import nn
from autodiff import Value
from nn.optim import arrays_for

np = pytest.importorskip("numpy")

OPTIMIZERS = {
    "sgd": lambda ps: nn.SGD(ps, lr=0.1),
    "sgd momentum": lambda ps: nn.SGD(ps, lr=0.05, momentum=0.9),
    "sgd momentum, weight decay": lambda ps: nn.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.01),
    "sgd weight decay": lambda ps: nn.SGD(ps, lr=0.05, weight_decay=0.1),
    "adam": lambda ps: nn.Adam(ps, lr=0.01),
    "adam, weight decay": lambda ps: nn.Adam(ps, lr=0.02, betas=(0.8, 0.99), weight_decay=0.05),
}


def _values(rng, n):
    return [Value(rng.uniform(-2.0, 2.0), label=f"p{i}") for i in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_array_steps_equal_the_value_steps_over_50_steps(name, seed):
    rng = random.Random(seed)
    n = rng.randrange(5, 40)
    ours, theirs = _values(rng, n), _values(random.Random(seed), n)
    ours = [Value(p.data, label=p.label) for p in theirs]
    make = OPTIMIZERS[name]
    opt, ref = make(ours), make(theirs)
    arrays = arrays_for(opt, ours)
    assert arrays is not None
    for _ in range(50):
        grads = [rng.gauss(0.0, 1.0) * 10.0 ** rng.randint(-3, 2) for _ in range(n)]
        for p, g in zip(theirs, grads):
            p.grad = g
        ref.step()
        arrays.step(np.array(grads))
        want = [p.data for p in theirs]
        if name.startswith("sgd"):
            assert arrays.p.tolist() == want  # the same operations in the same order: the same bits
        else:
            assert arrays.p.tolist() == pytest.approx(want, rel=1e-12, abs=1e-15)  # numpy's hypot is not math's
    arrays.write_back()
    assert [p.data for p in ours] == arrays.p.tolist() and [p.grad for p in ours] == [p.grad for p in theirs]
    if name.startswith("sgd"):
        assert opt.velocity == ref.velocity
    else:
        assert opt.t == ref.t == 50
        assert opt.m == pytest.approx(ref.m, rel=1e-12) and opt.s == pytest.approx(ref.s, rel=1e-12)


def test_an_optimizer_of_some_parameters_leaves_the_others_and_adds_up_their_grads_as_eager():
    # the optimizer holds every other parameter, in reverse: the rest are frozen, and nothing zeroes their grads
    X, y = nn.moons(30, 0.1, seed=4)
    y = [2 * t - 1 for t in y]
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [8, 1], seed=3)
        params = model.parameters()
        opt = nn.SGD(params[::-2], lr=0.1, momentum=0.5)
        nn.fit(model, X, y, optimizer=opt, epochs=4, batch_size=10, l2=1e-3, compile=compiled, progress=False)
        runs.append(([p.data for p in params], [p.grad for p in params], opt.velocity))
    (data, grads, vel), (data2, grads2, vel2) = runs
    assert data2 == pytest.approx(data, rel=1e-12, abs=1e-14)
    assert grads2 == pytest.approx(grads, rel=1e-9, abs=1e-12)  # frozen ones: 12 steps' grads summed
    assert vel2 == pytest.approx(vel, rel=1e-9, abs=1e-12)
    assert data2[-2] == nn.MLP(2, [8, 1], seed=3).parameters()[-2].data  # frozen


class _OwnAdam(nn.Adam):
    """Adam under another name: fit runs its per-Value step (a subclass may step its own way)."""


def test_fit_runs_no_per_value_step_and_writes_the_values_back(monkeypatch):
    X, y = nn.moons(20, 0.1, seed=5)
    y = [2 * t - 1 for t in y]
    by_values = nn.MLP(2, [4, 1], seed=1)
    nn.fit(by_values, X, y, optimizer=_OwnAdam(by_values.parameters(), lr=0.05), epochs=3, compile=True, progress=False)

    def refused(self):
        raise AssertionError("a per-Value step ran")

    monkeypatch.setattr(nn.Adam, "step", refused)
    model = nn.MLP(2, [4, 1], seed=1)
    opt = nn.Adam(model.parameters(), lr=0.05)
    nn.fit(model, X, y, optimizer=opt, epochs=3, compile=True, progress=False)
    assert opt.t == 3
    want = [p.data for p in by_values.parameters()]
    assert [p.data for p in model.parameters()] == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_a_subclass_of_an_optimizer_keeps_its_own_step():
    class Halving(nn.SGD):
        def step(self):
            for p in self.params:
                p.grad /= 2.0
            super().step()

    model = nn.MLP(2, [3, 1], seed=0)
    assert arrays_for(Halving(model.parameters(), lr=0.1), model.parameters()) is None
    assert arrays_for(nn.SGD(model.parameters() + [Value(1.0)], lr=0.1), model.parameters()) is None
    assert arrays_for(nn.SGD(model.parameters(), lr=0.1), model.parameters()) is not None


def _diverging(make_model, make_opt, epochs, **kw):
    # the parameters after each finished fit of one epoch, until one fails; then the same training as one
    # fit: its error, its model and its optimizer
    X, y = nn.moons(20, 0.1, seed=6)
    y = [2 * t - 1 for t in y]
    model = make_model()
    opt = make_opt(model.parameters())
    seen = [[p.data for p in model.parameters()]]
    for _ in range(epochs):
        try:
            nn.fit(model, X, y, optimizer=opt, epochs=1, compile=True, progress=False, **kw)
        except (FloatingPointError, OverflowError):
            break
        seen.append([p.data for p in model.parameters()])
    whole = make_model()
    whole_opt = make_opt(whole.parameters())
    with pytest.raises((FloatingPointError, OverflowError)) as raised:
        nn.fit(whole, X, y, optimizer=whole_opt, epochs=epochs, compile=True, progress=False, **kw)
    return seen, raised.value, whole, whole_opt, opt


@pytest.mark.parametrize(
    "make_model, make_opt, kw, says",
    [
        # weights near 1e300 after a step, then weight decay makes the update -inf: the optimizer's own step says so
        (
            lambda: nn.MLP(2, [1], seed=2),
            lambda ps: nn.SGD(ps, lr=1.0, weight_decay=1e300),
            {},
            r"^SGD: this step would make the momentum buffer of parameter \d+ \(.*\) -?inf",
        ),
        # weights near 1e307 after a step, then a value of the next forward pass overflows: eager's error, named
        (
            lambda: nn.MLP(2, [8, 1], seed=2),
            lambda ps: nn.SGD(ps, lr=1e154, momentum=0.5),
            {"loss": "mse"},
            r"^fit: sample \d+ \(X\[\d+\]\): mlp at node v\d+ .* overflows a float",
        ),
        # the L2 term grows until the loss is not finite: raised before that step changes anything
        (
            lambda: nn.MLP(2, [8, 1], seed=2),
            lambda ps: nn.SGD(ps, lr=3.0, momentum=0.9),
            {"l2": 1e150},
            r"^fit: the loss is no longer finite",
        ),
    ],
    ids=["the update overflows", "a value overflows", "the loss overflows"],
)
def test_an_error_mid_fit_leaves_every_parameter_as_before_that_step(make_model, make_opt, kw, says):
    seen, raised, whole, whole_opt, opt = _diverging(make_model, make_opt, 30, **kw)
    assert len(seen) >= 2, "the error must come after a finished step"
    assert re.search(says, str(raised))
    assert [p.data for p in whole.parameters()] == seen[-1]  # to the bit: the last finished step's
    assert whole_opt.velocity == opt.velocity


def test_a_live_loss_sees_the_parameters_of_each_epoch():
    pytest.importorskip("matplotlib")
    from nn.plot import LiveLoss

    X, y = nn.moons(20, 0.1, seed=7)
    y = [2 * t - 1 for t in y]
    model = nn.MLP(2, [4, 1], seed=4)
    shown = []
    live = LiveLoss(show=lambda png: shown.append([p.data for p in model.parameters()]), interval=0.0, budget=1.0)
    nn.fit(model, X, y, epochs=4, compile=True, progress=False, live=live)
    assert len(shown) == 4  # each epoch (the last is not drawn twice)
    assert shown[3] == [p.data for p in model.parameters()]
    for k in (1, 3):
        again = nn.MLP(2, [4, 1], seed=4)
        nn.fit(again, X, y, epochs=k, compile=True, progress=False)
        assert shown[k - 1] == [p.data for p in again.parameters()]
    assert shown[0] != shown[3]


@pytest.mark.parametrize(
    "l2, w0, says",
    [
        (
            1e308,
            0.9,
            r"fit: the L2 term's gradient overflows: 2 \* l2 \* p with l2 = 1e\+308 and parameter 0 "
            r"\('L0.N0.w0'\) = 0.9 is inf; lower l2 \(nothing was changed\)",
        ),
        (1.0, 1e200, r"fit: the loss is no longer finite"),  # the penalty overflows, its gradient (2e200) not
    ],
)
def test_an_l2_term_that_overflows_is_said_and_changes_nothing(l2, w0, says):
    import warnings

    m = nn.MLP(1, [1], seed=0)
    m.parameters()[0].data = w0
    before = [(p.data, p.grad) for p in m.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning on the way
        with pytest.raises(FloatingPointError, match=says):
            nn.fit(m, [[1.0], [2.0]], [1, -1], epochs=1, compile=True, l2=l2, progress=False)
    assert [(p.data, p.grad) for p in m.parameters()] == before
