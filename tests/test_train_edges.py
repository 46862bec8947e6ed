"""fit, its steps and the optimizers at their edges: what reaches them only in odd cases.

Arguments of unusual types (fractions, numpy scalars in lists, a target per output), models
and data that are empty, optimizers whose parameters were changed after they were built, a
moment set by hand, numbers at the end of the float range; each in eager and compiled
mode where both can reach it, the error named and nothing changed.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import pytest

import autodiff
import nn
from autodiff import Value

BIG = sys.float_info.max


def _state(model):
    return [(p.data, p.grad) for p in model.parameters()]


# -- what fit is given -----------------------------------------------------------------------


def test_fit_refuses_a_model_without_parameters():
    class Constant:
        def __call__(self, x):
            return Value(1.0)

        def parameters(self):
            return []

    with pytest.raises(ValueError, match=r"^fit: model.parameters\(\) must be a non-empty list of Values$"):
        nn.fit(Constant(), [[1.0]], [1], progress=False)


def test_fit_refuses_samples_without_features():
    model = nn.MLP(1, [1], seed=0)
    before = _state(model)
    with pytest.raises(ValueError, match=r"^fit: X\[0\] has no features$"):
        nn.fit(model, [[], []], [1, -1], progress=False)
    assert _state(model) == before


@pytest.mark.parametrize("loss", ["hinge", "mse", "cross_entropy"])
def test_fit_refuses_a_list_target_for_a_named_loss(loss):
    model = nn.MLP(2, [2] if loss == "cross_entropy" else [1], seed=0)
    with pytest.raises(TypeError, match=f"^fit: y\\[1\\] is a list; loss '{loss}' needs one number per sample$"):
        nn.fit(model, [[0.0, 1.0], [1.0, 0.0]], [1, [1, 0]], loss=loss, progress=False)


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_gives_a_loss_of_ones_own_each_samples_list_of_targets(compiled):
    # two outputs per sample, two targets per sample: the loss sees them as given, in order
    X = [[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]]
    y = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    model = nn.MLP(2, [2], seed=4)
    for k, p in enumerate(model.parameters()):
        p.data = 0.1 * (k + 1) * (-1) ** k  # biases too: not 0

    def pair_mse(outs, targets):
        return autodiff.sum([(o - t) ** 2 for out, ts in zip(outs, targets) for o, t in zip(out, ts)]) * (1 / len(outs))

    neurons = [(n.w[0].data, n.w[1].data, n.b.data) for n in model.layers[0].neurons]
    expected = sum((b + w0 * a + w1 * c - t) ** 2 for (a, c), ts in zip(X, y) for (w0, w1, b), t in zip(neurons, ts))
    h = nn.fit(model, X, y, loss=pair_mse, epochs=1, compile=compiled, progress=False)
    assert h.loss == [pytest.approx(expected / 3, rel=1e-12)] and h.accuracy == [None]


def test_fit_reads_any_real_number_in_lists_as_the_float_it_equals():
    np = pytest.importorskip("numpy")
    X = [[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0], [0.0, 3.0]]
    y = [1, -1, -1, 1]
    odd_X = [[Fraction(1, 2), np.float32(-1.0)], [np.int64(2), 0.25], [-1.5, Fraction(1)], [np.float64(0.0), 3]]
    odd_y = [Fraction(1), np.int8(-1), -1.0, np.float32(1.0)]

    def run(X, y):
        model = nn.MLP(2, [3, 1], seed=0)
        h = nn.fit(model, X, y, epochs=3, progress=False)
        return h.loss, h.accuracy, [p.data for p in model.parameters()]

    assert run(odd_X, odd_y) == run(X, y)


# -- optimizers whose parameters were changed after they were built ----------------------------


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, lr=0.1), lambda ps: nn.Adam(ps)], ids=["SGD", "Adam"])
def test_a_step_after_params_were_changed_asks_for_a_new_optimizer_and_changes_nothing(make):
    ps = [Value(1.0, label="a"), Value(2.0, label="b")]
    opt = make(ps)
    opt.params.append(Value(3.0, label="c"))
    for p in opt.params:
        p.grad = 0.5
    state = {k: list(v) if isinstance(v, list) else v for k, v in vars(opt).items() if k != "params"}
    name = type(opt).__name__
    pattern = f"^{name}: has state for 2 parameters but holds 3; make a new optimizer after changing opt.params$"
    with pytest.raises(ValueError, match=pattern):
        opt.step()
    assert [p.data for p in opt.params] == [1.0, 2.0, 3.0]
    assert {k: list(v) if isinstance(v, list) else v for k, v in vars(opt).items() if k != "params"} == state


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_with_an_optimizer_holding_fewer_parameters_than_its_state_says_so(compiled):
    # compiled: the optimizer cannot be moved onto arrays, so its own step runs, and says it
    X, y = [[0.5, -1.0], [2.0, 0.25]], [1, -1]
    model = nn.MLP(2, [2, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)
    opt.params = opt.params[:2]
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="^SGD: has state for 9 parameters but holds 2; make a new optimizer"):
        nn.fit(model, X, y, optimizer=opt, epochs=1, compile=compiled, progress=False)
    assert [p.data for p in model.parameters()] == before


def test_an_optimizer_of_ones_own_must_say_how_it_steps():
    opt = nn.Optimizer()
    opt.params = [Value(1.0)]
    opt.check()  # no hyper-parameter: nothing to refuse
    with pytest.raises(NotImplementedError):
        opt.step()


def test_without_numpy_no_optimizer_runs_on_arrays(monkeypatch):
    pytest.importorskip("numpy")
    ps = [Value(1.0), Value(2.0)]
    opt = nn.SGD(ps, lr=0.1)
    assert nn.optim.arrays_for(opt, ps) is not None  # with numpy: on arrays
    monkeypatch.setitem(sys.modules, "numpy", None)
    assert nn.optim.arrays_for(opt, ps) is None


# -- Adam at the end of the float range ---------------------------------------------------------


def test_adam_refuses_a_weight_decay_that_overflows_the_gradient_and_changes_nothing():
    x = Value(1e308, label="x")
    opt = nn.Adam([x], weight_decay=1.0)
    x.grad = 1e308  # g + weight_decay * x = 2e308: inf
    with pytest.raises(
        FloatingPointError,
        match=r"^Adam: this step would make the decayed gradient of parameter 0 \('x'\) inf \(data 1e\+308, "
        r"grad 1e\+308, lr 0.001\); nothing was changed; lower the learning rate",
    ):
        opt.step()
    assert x.data == 1e308 and (opt.m, opt.s, opt.t) == ([0.0], [0.0], 0)


@pytest.mark.parametrize("moment, what", [("m", "the first moment"), ("s", "the second moment's root")])
@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_adam_refuses_a_non_finite_moment_set_by_hand_and_changes_nothing(moment, what, bad):
    x = Value(0.5, label="x")
    opt = nn.Adam([x])
    setattr(opt, moment, [bad])
    x.grad = 0.25
    before = repr((opt.m, opt.s, opt.t))
    pattern = f"^Adam: this step would make {what} of parameter 0 \\('x'\\) {bad!r}"
    with pytest.raises(FloatingPointError, match=pattern):
        opt.step()
    assert x.data == 0.5 and repr((opt.m, opt.s, opt.t)) == before


def test_adam_refuses_an_update_that_is_not_finite_even_halved_and_changes_nothing():
    # a first moment near the largest float, set by hand, and no second moment: m / (1 - b1) is 1.35e309
    x = Value(0.5, label="x")
    opt = nn.Adam([x])
    opt.m, opt.s = [1.5e308], [0.0]
    x.grad = 1.0
    with pytest.raises(FloatingPointError, match=r"^Adam: this step would make the update of parameter 0 \('x'\) inf"):
        opt.step()
    assert x.data == 0.5 and (opt.m, opt.s, opt.t) == ([1.5e308], [0.0], 0)


def test_compiled_fit_leaves_adams_largest_gradients_to_its_own_step_and_ends_as_eager():
    # two gradients of the largest float: at t = 2, sqrt(v / c2) overflows; on arrays that step is not finite,
    # and Adam.step (halving both sides of the ratio) takes it: the same numbers as eager
    pytest.importorskip("numpy")
    b2 = 0.999
    s1 = math.hypot(0.0, math.sqrt(1 - b2) * BIG)
    assert math.isinf(math.hypot(math.sqrt(b2) * s1, math.sqrt(1 - b2) * BIG) / math.sqrt(1 - b2**2))

    def run(compiled):
        model = nn.MLP(1, [1], seed=0)
        w, b = model.parameters()
        w.data = 0.0
        opt = nn.Adam(model.parameters(), lr=0.1, betas=(0.9, b2))
        w.grad, b.grad = BIG, 0.0
        opt.step()  # t = 1, by hand: w = -0.1, so that the hinge of y = +1 is active, d/dw = -x
        h = nn.fit(model, [[BIG]], [1], loss="hinge", optimizer=opt, epochs=1, compile=compiled, progress=False)
        return h.loss, [p.data for p in model.parameters()], opt.m, opt.s, opt.t

    eager = run(False)
    assert eager[4] == 2 and -0.1 < eager[1][0] < 0.0  # moved back towards 0 by less than lr
    assert run(True) == eager


# -- losses and gradients that overflow only over the batch -----------------------------------


class Mine(nn.SGD):
    """An SGD of one's own: compiled fit runs its own step (a subclass may step its own way)."""


@pytest.mark.parametrize(
    "compiled, optimizer, error, message",
    [
        (False, nn.SGD, OverflowError, "^sum: result is inf"),
        (True, nn.SGD, FloatingPointError, "^fit: the loss is no longer finite; lower the learning rate$"),
        (True, Mine, FloatingPointError, "^fit: the loss is no longer finite; lower the learning rate$"),
    ],
    ids=["eager", "compiled", "compiled, an optimizer of ones own"],
)
def test_a_loss_that_overflows_only_summed_over_the_batch_raises_and_changes_nothing(
    compiled, optimizer, error, message
):
    if compiled:
        pytest.importorskip("numpy")
    model = nn.MLP(1, [1], seed=0)
    model.parameters()[0].data = 1.0
    before = [p.data for p in model.parameters()]
    # each sample's hinge loss is 1 + 1e308, finite; their sum is not
    with pytest.raises(error, match=message):
        opt = optimizer(model.parameters(), lr=0.1)
        nn.fit(model, [[1e308], [1e308]], [-1, -1], optimizer=opt, compile=compiled, progress=False)
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("compiled", [False, True])
def test_a_gradient_that_overflows_only_summed_over_the_batch_is_not_blamed_on_a_sample(compiled):
    if compiled:
        pytest.importorskip("numpy")
    model = nn.MLP(1, [1], seed=0)
    for p in model.parameters():
        p.data = 0.0
    # d(mse)/dw = (f - y) x per sample of two: 1.2e308 and 1.3e308, each finite; the sum is inf
    X, y = [[1e300], [1e300]], [-1.2e8, -1.3e8]
    with pytest.raises(FloatingPointError) as raised:
        nn.fit(model, X, y, loss="mse", epochs=1, compile=compiled, progress=False)
    text = str(raised.value)
    assert "'L0.N0.w0'" in text and "inf" in text and "sample" not in text.replace("each sample's", "")
    assert _state(model) == [(0.0, 0.0), (0.0, 0.0)]
