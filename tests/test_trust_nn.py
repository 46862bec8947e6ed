"""The promises of ``nn`` under hostile input: optimizers, fit, losses, save/load, seeding.

Each test is named after the promise it checks. Hostile inputs: NaN, inf, 1e200,
the subnormal 5e-324, numpy scalars and arrays, bools, strings, huge files.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.saving
from autodiff import Value

try:
    import numpy as np
except ImportError:  # numpy is optional; the tests that need it are skipped
    np = None

needs_numpy = pytest.mark.skipif(np is None, reason="numpy not installed")
NAN, INF = math.nan, math.inf


# -- optimizers -------------------------------------------------------------------


def _params(n=3, grads=(0.5, -0.25, 1.0)):
    ps = [Value(1.0 + i, label=f"w{i}") for i in range(n)]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def _snapshot(opt):
    # repr, so that a NaN put there by the test compares equal to itself
    state = {k: v for k, v in vars(opt).items() if k in ("velocity", "m", "s", "t")}
    return repr(([(p.data, p.grad) for p in opt.params], state))


OPTIMIZERS = {
    "sgd": lambda ps: nn.SGD(ps, lr=0.1),
    "sgd_momentum_wd": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    "adam": lambda ps: nn.Adam(ps, lr=0.01, weight_decay=0.01),
}


def _set(attr, value):
    def go(opt):
        setattr(opt, attr, value)

    return go


def _grad_of_last(g):
    def go(opt):
        opt.params[-1].grad = g

    return go


def _data_of_last(x):
    def go(opt):
        opt.params[-1].data = x

    return go


HOSTILE_STEPS = {
    "lr=nan": (_set("lr", NAN), ValueError, "lr must be a finite number > 0, got nan"),
    "lr=inf": (_set("lr", INF), ValueError, "lr must be a finite number > 0"),
    "lr=0": (_set("lr", 0.0), ValueError, "lr must be a finite number > 0"),
    "lr=-1": (_set("lr", -1.0), ValueError, "lr must be a finite number > 0"),
    "lr='0.1'": (_set("lr", "0.1"), TypeError, "lr must be a real number, got str"),
    "lr=True": (_set("lr", True), TypeError, "lr must be a real number, got bool"),
    "weight_decay=nan": (_set("weight_decay", NAN), ValueError, "weight_decay must be a finite number >= 0"),
    "grad=nan": (_grad_of_last(NAN), FloatingPointError, r"grad of parameter 2 \('w2'\) is nan"),
    "grad=-inf": (_grad_of_last(-INF), FloatingPointError, r"grad of parameter 2 \('w2'\) is -inf"),
    "grad='1'": (_grad_of_last("1"), TypeError, r"grad of parameter 2 \('w2'\) must be a real number, got str"),
    "grad=None": (_grad_of_last(None), TypeError, "must be a real number, got NoneType"),
    "overflow": (
        lambda opt: (_data_of_last(1e308)(opt), _grad_of_last(-1e308)(opt), _set("lr", 1e300)(opt)),
        FloatingPointError,
        r"would make the .* of parameter 2 \('w2'\) .*data 1e\+308, grad -1e\+308.*lower the learning rate",
    ),
}


@pytest.mark.parametrize("kind", OPTIMIZERS)
@pytest.mark.parametrize("case", HOSTILE_STEPS)
def test_failed_optimizer_step_changes_no_parameter_and_no_state(kind, case):
    opt = OPTIMIZERS[kind](_params())
    opt.step()  # a good step first, so that buffers, moments and t are not all zero
    for p, g in zip(opt.params, (0.3, -0.2, 0.1)):
        p.grad = g
    spoil, exc, pattern = HOSTILE_STEPS[case]
    spoil(opt)
    before = _snapshot(opt)
    with pytest.raises(exc, match=pattern):
        opt.step()
    assert _snapshot(opt) == before


@pytest.mark.parametrize(
    "case, fix",
    [
        ("grad=nan", "find where the non-finite gradient came from, and call zero_grad() before backward()"),
        ("overflow", "lower the learning rate or scale the inputs and targets"),
    ],
)
def test_failed_step_message_says_nothing_was_changed_and_the_fix(case, fix):
    opt = nn.SGD(_params(), lr=0.1)
    HOSTILE_STEPS[case][0](opt)
    with pytest.raises(FloatingPointError) as e:
        opt.step()
    assert "nothing was changed" in str(e.value) and "w2" in str(e.value) and str(e.value).endswith(fix)


@pytest.mark.parametrize(
    "attr, value, pattern",
    [
        ("momentum", 1.0, r"momentum must be a number in \[0, 1\), got 1.0"),
        ("momentum", NAN, "momentum must be a number in"),
        ("momentum", -0.1, "momentum must be a number in"),
    ],
)
def test_sgd_momentum_set_later_is_checked_at_step(attr, value, pattern):
    opt = nn.SGD(_params(), lr=0.1, momentum=0.5)
    setattr(opt, attr, value)
    before = _snapshot(opt)
    with pytest.raises(ValueError, match=pattern):
        opt.step()
    assert _snapshot(opt) == before


@pytest.mark.parametrize(
    "attr, value, exc, pattern",
    [
        ("eps", 0.0, ValueError, "eps must be a finite number > 0, got 0.0"),
        ("eps", NAN, ValueError, "eps must be a finite number > 0"),
        ("eps", -1e-8, ValueError, "eps must be a finite number > 0"),
        ("betas", (1.0, 0.999), ValueError, r"betas\[0\] must be a number in \[0, 1\)"),
        ("betas", (0.9, NAN), ValueError, r"betas\[1\] must be a number in \[0, 1\)"),
        ("betas", (0.9,), ValueError, "betas must be two numbers"),
        ("betas", "ab", ValueError, "betas must be two numbers"),
        ("betas", (0.9, "0.999"), TypeError, r"betas\[1\] must be a real number, got str"),
    ],
)
def test_adam_hyper_parameters_set_later_are_checked_at_step(attr, value, exc, pattern):
    opt = nn.Adam(_params(), lr=0.01)
    opt.step()
    setattr(opt, attr, value)
    before = _snapshot(opt)
    with pytest.raises(exc, match=pattern):
        opt.step()
    assert _snapshot(opt) == before


@pytest.mark.parametrize(
    "make, exc, pattern",
    [
        (lambda ps: nn.SGD(ps, lr=NAN), ValueError, "SGD: lr must be a finite number > 0, got nan"),
        (lambda ps: nn.SGD(ps, lr=INF), ValueError, "lr must be a finite number > 0"),
        (lambda ps: nn.SGD(ps, lr=0), ValueError, "lr must be a finite number > 0"),
        (lambda ps: nn.SGD(ps, lr=True), TypeError, "lr must be a real number, got bool"),
        (lambda ps: nn.SGD(ps, lr="0.1"), TypeError, "lr must be a real number, got str"),
        (lambda ps: nn.SGD(ps, lr=None), TypeError, "lr must be a real number, got NoneType"),
        (lambda ps: nn.SGD(ps, lr=0.1, momentum=1.0), ValueError, r"momentum must be a number in \[0, 1\)"),
        (lambda ps: nn.SGD(ps, lr=0.1, momentum=NAN), ValueError, "momentum must be a number in"),
        (lambda ps: nn.SGD(ps, lr=0.1, weight_decay=-1), ValueError, "weight_decay must be a finite number >= 0"),
        (lambda ps: nn.SGD(ps, lr=0.1, weight_decay=INF), ValueError, "weight_decay must be a finite number >= 0"),
        (lambda ps: nn.Adam(ps, eps=0.0), ValueError, "Adam: eps must be a finite number > 0, got 0.0"),
        (lambda ps: nn.Adam(ps, eps=INF), ValueError, "eps must be a finite number > 0"),
        (lambda ps: nn.Adam(ps, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be a number in \[0, 1\)"),
        (lambda ps: nn.Adam(ps, betas=(-0.1, 0.9)), ValueError, r"betas\[0\] must be a number in \[0, 1\)"),
        (lambda ps: nn.Adam(ps, betas=0.9), ValueError, "betas must be two numbers"),
        (lambda ps: nn.Adam(ps, weight_decay=NAN), ValueError, "weight_decay must be a finite number >= 0"),
        (lambda ps: nn.SGD(ps + ps[:1], lr=0.1), ValueError, r"parameter 3 \('w0'\) is the same Value as parameter 0"),
        (lambda ps: nn.SGD(nn.MLP(2, [1], seed=0), lr=0.1), TypeError, "pass model.parameters()"),
        (lambda ps: nn.SGD(ps[0], lr=0.1), TypeError, "pass model.parameters()"),
    ],
)
def test_optimizer_hyper_parameters_are_checked_at_construction(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make(_params())


@needs_numpy
def test_optimizers_accept_numpy_scalars_as_hyper_parameters_and_grads():
    a, b = _params(), _params()
    nn.SGD(a, lr=0.25, momentum=0.5).step()
    opt = nn.SGD(b, lr=np.float32(0.25), momentum=np.float64(0.5))
    for p in b:
        p.grad = np.float64(p.grad)
    opt.step()
    assert [p.data for p in b] == [p.data for p in a]
    assert all(type(p.data) is float for p in b)
    nn.Adam(_params(), lr=np.float64(0.01), betas=np.array([0.9, 0.999]), eps=np.float32(1e-8)).step()


@pytest.mark.parametrize("g", [1e200, -1e200, 1e308, -1.7976931348623157e308])
def test_adam_huge_gradient_still_moves_the_parameter_by_about_lr(g):
    p = Value(0.5, label="w")
    opt = nn.Adam([p], lr=0.01)
    for _ in range(3):
        p.grad = g
        before = p.data
        opt.step()
        assert math.isfinite(opt.m[0]) and math.isfinite(opt.s[0])
        # with a constant gradient Adam's step is lr * sign(g) (up to eps)
        assert before - p.data == pytest.approx(0.01 * math.copysign(1.0, g), rel=1e-9)
    assert opt.t == 3


@pytest.mark.parametrize("eps", [1e-8, 5e-324])
def test_adam_subnormal_gradient_gives_a_finite_tiny_step(eps):
    p = Value(0.5)
    opt = nn.Adam([p], lr=0.01, eps=eps)
    for g in (5e-324, 0.0, -5e-324):
        p.grad = g
        opt.step()
        # the exact step (below 1e-2) is far below half an ulp of 0.5 or a NaN from 0/0
        assert 0.5 - 0.01 <= p.data <= 0.5 and math.isfinite(opt.m[0]) and math.isfinite(opt.s[0])
    q = Value(5e-324)
    opt = nn.Adam([q], lr=5e-324)
    q.grad = 1.0
    opt.step()
    assert q.data == 0.0


def test_adam_equals_the_textbook_formula_on_ordinary_gradients():
    p = Value(1.0)
    opt = nn.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    x, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate([0.5, -0.3, 2.0, 1e-3, -7.0], start=1):
        p.grad = g
        opt.step()
        m = 0.8 * m + 0.2 * g
        v = 0.99 * v + 0.01 * g * g
        x -= 0.01 * (m / (1 - 0.8**t)) / (math.sqrt(v / (1 - 0.99**t)) + 1e-6)
        assert p.data == pytest.approx(x, rel=1e-13, abs=0.0)


HOSTILE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e200, -1e200, 1e308, -1e308, 5e-324, -5e-324, 0.0]),
)


@settings(derandomize=True, deadline=None, max_examples=150)
@given(
    kind=st.sampled_from(sorted(OPTIMIZERS)),
    data=st.lists(HOSTILE, min_size=1, max_size=4),
    grads=st.lists(HOSTILE, min_size=4, max_size=4),
    lr=st.sampled_from([1e-3, 0.1, 10.0, 1e300]),
)
def test_optimizer_step_is_all_or_nothing_and_never_leaves_a_non_finite_number(kind, data, grads, lr):
    ps = [Value(d) if math.isfinite(d) else Value(0.0) for d in data]
    opt = OPTIMIZERS[kind](ps)
    opt.lr = lr
    for p, g in zip(ps, grads):
        p.grad = g
    before = _snapshot(opt)
    try:
        opt.step()
    except (FloatingPointError, ValueError, TypeError):
        assert _snapshot(opt) == before
    else:
        assert all(math.isfinite(p.data) for p in ps)
        state = [x for k in ("velocity", "m", "s") for x in getattr(opt, k, [])]
        assert all(math.isfinite(x) for x in state)


def test_zero_grad_stays():
    ps = _params()
    nn.Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0, 0.0]


# -- seeding ----------------------------------------------------------------------


def test_seed_none_starts_from_exactly_micrograds_weights_after_random_seed():
    mg = pytest.importorskip("micrograd.nn")
    for k in (1337, 0, 42):
        random.seed(k)
        ours = nn.MLP(2, [16, 16, 1])
        after_ours = random.getstate()
        random.seed(k)
        theirs = mg.MLP(2, [16, 16, 1])
        assert random.getstate() == after_ours  # the same number of draws, too
        ps, qs = ours.parameters(), theirs.parameters()
        assert len(ps) == len(qs) == 337
        assert [p.data for p in ps] == [q.data for q in qs]  # exact, weight by weight, in parameters() order
    random.seed(7)
    n = nn.Neuron(3)
    random.seed(7)
    m = mg.Neuron(3)
    assert [p.data for p in n.parameters()] == [q.data for q in m.parameters()]


def test_seed_none_gives_two_neurons_different_weights():
    a, b = nn.Neuron(3), nn.Neuron(3)
    assert [w.data for w in a.w] != [w.data for w in b.w]


@pytest.mark.parametrize(
    "make",
    [
        lambda s: nn.MLP(2, [4, 1], seed=s),
        lambda s: nn.Layer(3, 2, seed=s),
        lambda s: nn.Neuron(5, seed=s),
        lambda s: nn.moons(20, seed=s),
        lambda s: nn.spirals(20, seed=s),
        lambda s: nn.blobs(20, seed=s),
        lambda s: nn.xor(20, seed=s),
    ],
)
def test_int_seed_is_private_and_leaves_the_global_random_state_untouched(make):
    random.seed(99)
    state = random.getstate()
    a = make(5)
    assert random.getstate() == state
    b = make(5)

    def numbers(x):
        if isinstance(x, nn.Module):
            return [p.data for p in x.parameters()]
        return x

    assert numbers(a) == numbers(b)
    assert numbers(make(6)) != numbers(a)
    if np is not None:
        assert numbers(make(np.int64(5))) == numbers(a)


def test_data_generators_default_to_seed_0_and_none_means_global_random():
    assert nn.moons(30) == nn.moons(30, seed=0)
    random.seed(3)
    a = nn.moons(30, seed=None)
    random.seed(3)
    assert nn.moons(30, seed=None) == a != nn.moons(30)


def test_fit_shuffles_with_seed_0_by_default():
    X, y = nn.moons(20, seed=1)
    y = [2 * t - 1 for t in y]

    def run(**kw):
        model = nn.MLP(2, [3, 1], seed=0)
        nn.fit(model, X, y, epochs=2, batch_size=4, progress=False, **kw)
        return [p.data for p in model.parameters()]

    state = random.getstate()
    assert run() == run(seed=0) != run(seed=1)
    assert random.getstate() == state


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda: nn.MLP(2, [3, 0]), r"nouts\[1\] must be a positive int, got 0"),
        (lambda: nn.MLP(2, [3, 1], activation="swish"), "activation must be one of"),
        (lambda: nn.MLP(2, [3, 1], activation=["relu", None]), "activation must be one of"),
        (lambda: nn.MLP(2, [3, 1], output_activation="softmax"), "activation must be one of"),
        (lambda: nn.MLP(2.0, [3, 1]), "nin must be a positive int, got 2.0"),
        (lambda: nn.MLP(True, [3, 1]), "nin must be a positive int, got True"),
        (lambda: nn.Layer(2, 3, name=5), "name must be a str, got int 5"),
        (lambda: nn.Neuron(2, name=None), "name must be a str"),
        (lambda: nn.Neuron("2"), "nin must be a positive int"),
        (lambda: nn.Neuron(2, seed=1.5), "seed must be None"),
        (lambda: nn.Neuron(2, seed=True), "seed must be None"),
    ],
)
def test_failed_construction_draws_no_random_number(make, pattern):
    state = random.getstate()
    with pytest.raises((TypeError, ValueError), match=pattern):
        make()
    assert random.getstate() == state


@needs_numpy
def test_constructors_accept_numpy_ints():
    a = nn.MLP(np.int64(2), np.array([3, 1]), seed=np.int64(4))
    assert a.config() == nn.MLP(2, [3, 1], seed=4).config()


# -- losses -----------------------------------------------------------------------


@needs_numpy
def test_cross_entropy_accepts_numpy_int_labels():
    z = [[0.5, 1.5, -0.3], [0.0, 0.0, 2.0]]
    want = nn.cross_entropy(z, [1, 2]).data
    assert nn.cross_entropy(z, [np.int64(1), np.int32(2)]).data == want
    assert nn.cross_entropy(np.array(z), np.array([1, 2])).data == want
    assert nn.cross_entropy(z[0], np.int64(1)).data == nn.cross_entropy(z[0], 1).data
    assert nn.cross_entropy(z[0], np.array(1)).data == nn.cross_entropy(z[0], 1).data
    with pytest.raises(TypeError, match="0-d array"):
        nn.mse(np.array(1.0), [1.0])


@pytest.mark.parametrize(
    "label, exc, pattern",
    [
        (True, TypeError, "label 0 must be an int class index in 0..2, got bool True"),
        (1.0, TypeError, "got float 1.0"),
        (1.5, TypeError, r"got float 1.5 \(it has a fractional part\)"),
        ("1", TypeError, "labels must be an int or a list of ints, got str"),
        (None, TypeError, "got NoneType None"),
        (3, ValueError, "label 0 must be an int class index in 0..2, got 3"),
        (-1, ValueError, "in 0..2, got -1"),
        pytest.param(10**400, ValueError, "in 0..2", id="10**400"),
    ],
)
def test_cross_entropy_refuses_bools_floats_strings_and_out_of_range_labels(label, exc, pattern):
    with pytest.raises(exc, match=pattern):
        nn.cross_entropy([0.1, 0.2, 0.3], label)
    if not isinstance(label, str):
        with pytest.raises(exc, match=pattern.replace("labels must be", "label 0 must be")):
            nn.cross_entropy([[0.1, 0.2, 0.3]], [label])


@needs_numpy
def test_cross_entropy_refuses_numpy_bool_and_float_labels():
    for label in (np.bool_(True), np.float64(1.0)):
        with pytest.raises(TypeError, match="must be an int class index"):
            nn.cross_entropy([[0.1, 0.2]], [label])


BINARY = [
    ("binary_cross_entropy", lambda y: nn.binary_cross_entropy([0.7], [y])),
    ("bce_with_logits", lambda y: nn.bce_with_logits([0.7], [y])),
    ("hinge", lambda y: nn.hinge([0.7], [y])),
    ("zero_one", lambda y: nn.zero_one([0.7], [y])),
]


@pytest.mark.parametrize("name, loss", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("label", ["1", True, False, None, [1]], ids=repr)
def test_binary_labels_refuse_strings_and_bools(name, loss, label):
    with pytest.raises(TypeError, match=f"{name}: label 0 must be a real number, got"):
        loss(label)


@pytest.mark.parametrize("name, loss", BINARY, ids=[b[0] for b in BINARY])
def test_binary_labels_refuse_nan_and_inf(name, loss):
    for label in (NAN, INF):
        with pytest.raises(ValueError, match=f"{name}: label 0 must be finite"):
            loss(label)


@needs_numpy
@pytest.mark.parametrize("name, loss", BINARY, ids=[b[0] for b in BINARY])
def test_binary_labels_accept_numpy_scalars(name, loss):
    want = loss(1)
    want = want if isinstance(want, float) else want.data
    for label in (np.int64(1), np.float64(1.0), np.float32(1.0)):
        got = loss(label)
        assert (got if isinstance(got, float) else got.data) == want


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: nn.mse([1.0], [NAN]), ValueError, "mse: target 0 must be finite, got nan"),
        (lambda: nn.mae([1.0, 2.0], [0.0, INF]), ValueError, "mae: target 1 must be finite"),
        (lambda: nn.mse([1.0], ["1"]), TypeError, "mse: target 0 must be a real number, got str"),
        (lambda: nn.mse([1.0], [True]), TypeError, "mse: target 0 must be a real number, got bool"),
        (lambda: nn.mse(["1"], [1.0]), TypeError, "mse: prediction 0 must be a real number, got str"),
        (lambda: nn.mse([NAN], [1.0]), ValueError, "mse: prediction 0 must be finite"),
        (lambda: nn.squared_error(1.0, NAN), ValueError, "squared_error: target must be finite"),
        (lambda: nn.half_squared_error([1.0], 1.0), TypeError, "half_squared_error: prediction must be a real"),
        (lambda: nn.binary_cross_entropy([NAN], [1]), ValueError, "probability 0 must be finite"),
        (lambda: nn.binary_cross_entropy(["0.5"], [1]), TypeError, "probability 0 must be a real number, got str"),
        (lambda: nn.bce_with_logits([INF], [1]), ValueError, "logit 0 must be finite"),
        (lambda: nn.hinge([NAN], [1]), ValueError, "score 0 must be finite"),
        (lambda: nn.zero_one(["0.5"], [1]), TypeError, "score 0 must be a real number"),
        (lambda: nn.softmax([1.0, NAN]), ValueError, "softmax: logits, score 1 must be finite"),
        (lambda: nn.log_softmax("ab"), TypeError, "log_softmax: logits must be a sequence"),
        (lambda: nn.log_softmax(3.0), TypeError, "log_softmax: logits must be a sequence"),
        (lambda: nn.log_softmax([]), ValueError, "logits has no scores"),
        (lambda: nn.cross_entropy([[0.1, NAN]], [0]), ValueError, "sample 0, score 1 must be finite"),
        (lambda: nn.cross_entropy([[]], [0]), ValueError, "sample 0 has no scores"),
        (lambda: nn.mse({1.0}.pop(), [1.0]), TypeError, "mse: expects sequences of predictions and targets"),
        (lambda: nn.mse([1.0], "1"), TypeError, "mse: targets must be a sequence"),
        (lambda: nn.l2_penalty([Value(1.0)], True), ValueError, "alpha must be a finite number >= 0, got True"),
        (lambda: nn.l2_penalty([Value(1.0)], NAN), ValueError, "alpha must be a finite number >= 0"),
        (lambda: nn.l2_penalty([Value(1.0)], "1"), ValueError, "alpha must be a finite number >= 0"),
        (lambda: nn.l2_penalty([1.0], 0.1), TypeError, "l2_penalty: parameter 0 must be a Value"),
        (lambda: nn.l2_penalty([], 0.1), ValueError, "l2_penalty: got no parameters"),
    ],
)
def test_every_loss_refuses_non_numbers_and_non_finite_numbers_by_name(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


@needs_numpy
def test_losses_accept_numpy_arrays_of_predictions_and_targets():
    f, t = [0.3, -1.2, 2.5], [1.0, -0.5, 2.0]
    assert nn.mse(np.array(f), np.array(t)).data == nn.mse(f, t).data
    assert nn.mae(np.array(f), np.array(t)).data == nn.mae(f, t).data
    assert nn.hinge(np.array(f), np.array([1, -1, 1])).data == nn.hinge(f, [1, -1, 1]).data
    assert [v.data for v in nn.softmax(np.array(f))] == [v.data for v in nn.softmax(f)]
    with pytest.raises(ValueError, match="needs at least one prediction"):
        nn.mse(np.array([]), np.array([]))
    assert nn.mse((x for x in f), iter(t)).data == nn.mse(f, t).data  # any iterable, read once


# -- fit --------------------------------------------------------------------------


def _model_state(model):
    return repr([(p.data, p.grad) for p in model.parameters()])


def _moons(n=40):
    X, y = nn.moons(n, 0.1, seed=2)
    return X, [2 * t - 1 for t in y]


@needs_numpy
@pytest.mark.parametrize("compiled", [False, True])
def test_fit_accepts_numpy_arrays_from_make_moons(compiled):
    X, y = nn.make_moons(n_samples=30, noise=0.1)
    y = y * 2 - 1

    def run(X, y):
        model = nn.MLP(2, [4, 1], seed=0)
        h = nn.fit(model, X, y, epochs=3, batch_size=8, progress=False, compile=compiled)
        return h.loss, h.accuracy, [p.data for p in model.parameters()]

    assert run(X, y) == run(X.tolist(), y.tolist())
    assert run(list(X), list(y)) == run(X.tolist(), y.tolist())  # a list of numpy rows and numpy scalars


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_fit_reports_a_non_finite_sample_by_index_and_feature_before_any_step(compiled, bad):
    X, y = _moons()
    X[27][1] = bad
    model = nn.MLP(2, [4, 1], seed=0)
    for p in model.parameters():
        p.grad = 0.25  # zero_grad would show
    before = _model_state(model)
    with pytest.raises(ValueError, match=rf"fit: X\[27\]\[1\] is {bad!r} \(sample 27, feature 1\)"):
        nn.fit(model, X, y, epochs=2, batch_size=4, progress=False, compile=compiled)
    assert _model_state(model) == before


@pytest.mark.parametrize(
    "loss, bad_label, exc, pattern",
    [
        ("hinge", 0, ValueError, r"y\[39\] \(loss 'hinge'\) must be -1 or \+1, got 0; map 0/1 labels"),
        ("hinge", "1", TypeError, r"y\[39\] must be a real number, got str"),
        ("hinge", True, TypeError, r"y\[39\] must be a real number, got bool"),
        ("hinge", NAN, ValueError, r"y\[39\] is nan"),
        ("bce_with_logits", 2, ValueError, r"y\[39\] \(loss 'bce_with_logits'\) must be in \[0, 1\]"),
        ("mse", INF, ValueError, r"y\[39\] is inf"),
        ("cross_entropy", 3, ValueError, r"y\[39\] \(loss 'cross_entropy'\) must be an int class index in 0..2"),
        ("cross_entropy", 1.0, TypeError, "must be an int class index in 0..2, got float 1.0"),
    ],
)
def test_fit_checks_every_label_for_the_loss_before_any_step(loss, bad_label, exc, pattern):
    X, y = _moons()
    if loss in ("bce_with_logits", "cross_entropy"):
        y = [(t + 1) // 2 for t in y]
    y[39] = bad_label  # the last sample: with batches, the old code stepped before meeting it
    model = nn.MLP(2, [4, 3 if loss == "cross_entropy" else 1], seed=0)
    for p in model.parameters():
        p.grad = 0.25
    before = _model_state(model)
    with pytest.raises(exc, match=pattern):
        nn.fit(model, X, y, loss=loss, epochs=2, batch_size=4, progress=False)
    assert _model_state(model) == before


def _other_model_sgd():
    return nn.SGD(nn.MLP(2, [1], seed=9).parameters(), lr=0.1)


def _nan_lr_sgd(model):
    opt = nn.SGD(model.parameters(), lr=0.1)
    opt.lr = NAN
    return opt


@pytest.mark.parametrize(
    "kw, exc, pattern",
    [
        ({"epochs": 0}, ValueError, "epochs must be an int >= 1, got 0"),
        ({"epochs": True}, ValueError, "epochs must be an int >= 1, got True"),
        ({"epochs": 2.0}, ValueError, "epochs must be an int >= 1, got 2.0"),
        ({"epochs": "3"}, ValueError, "epochs must be an int >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be None or an int >= 1"),
        ({"batch_size": True}, ValueError, "batch_size must be None or an int >= 1"),
        ({"l2": -1.0}, ValueError, "l2 must be a finite number >= 0"),
        ({"l2": NAN}, ValueError, "l2 must be a finite number >= 0"),
        ({"l2": True}, ValueError, "l2 must be a finite number >= 0"),
        ({"progress": "yes"}, TypeError, "progress must be True or False"),
        ({"compile": 1}, TypeError, "compile must be True or False"),
        ({"seed": "x"}, TypeError, "fit: seed must be None"),
        ({"loss": "nope"}, ValueError, "unknown loss 'nope'"),
        ({"loss": 3}, TypeError, "loss must be a name or a function"),
        ({"optimizer": "sgd"}, TypeError, "optimizer must be an nn.Optimizer"),
        ({"optimizer": "nan-lr"}, ValueError, "SGD: lr must be a finite number > 0, got nan"),
        ({"optimizer": "other"}, ValueError, "the optimizer holds none of the model's parameters"),
        ({"X": [[0.0, 1.0], [1.0]]}, ValueError, r"X\[1\] has 1 features but X\[0\] has 2"),
        ({"X": [0.0, 1.0]}, TypeError, r"X\[0\] must be a list of features, got float"),
        ({"X": [[0.0, "1"], [1.0, 1.0]]}, TypeError, r"X\[0\]\[1\] must be a real number, got str"),
        ({"X": [[0.0, True], [1.0, 1.0]]}, TypeError, r"X\[0\]\[1\] must be a real number, got bool"),
        ({"X": [[0.0, 0.0]] * 3}, ValueError, "3 samples in X but 2 targets in y"),
        ({"X": [], "y": []}, ValueError, "X is empty"),
        ({"X": "ab"}, TypeError, "X must be a list or an array, got str"),
        ({"y": 1}, TypeError, "y must be a list or an array, got int"),
        ({"X": [[0.0, 0.0, 0.0]] * 2}, ValueError, "expects 2 inputs, got 3"),
    ],
)
def test_fit_validates_every_argument_before_touching_the_model(kw, exc, pattern):
    model = nn.MLP(2, [3, 1], seed=0)
    for p in model.parameters():
        p.grad = 0.25
    before = _model_state(model)
    args = {"X": [[0.0, 1.0], [1.0, 0.0]], "y": [1, -1], "epochs": 2, "progress": False}
    args.update(kw)
    if args.get("optimizer") == "nan-lr":
        args["optimizer"] = _nan_lr_sgd(model)
    elif args.get("optimizer") == "other":
        args["optimizer"] = _other_model_sgd()
    with pytest.raises(exc, match=pattern):
        nn.fit(model, **args)
    assert _model_state(model) == before


def test_fit_accepts_an_optimizer_of_ones_own():
    class Halve(nn.Optimizer):
        def __init__(self, params):
            self.params = list(params)

        def step(self):
            for p in self.params:
                p.data *= 0.5

    model = nn.MLP(2, [1], seed=0)
    w0 = model.parameters()[0].data
    nn.fit(model, [[1.0, 2.0]], [1.0], optimizer=Halve(model.parameters()), epochs=2, progress=False)
    assert model.parameters()[0].data == w0 / 4


def test_fit_refuses_a_model_that_is_not_one():
    with pytest.raises(TypeError, match="model must be callable and have parameters"):
        nn.fit(lambda x: x[0], [[1.0]], [1.0], progress=False)


def test_fit_named_loss_needs_the_right_number_of_outputs():
    with pytest.raises(ValueError, match="loss 'hinge' needs one output per sample, but the model gives 3"):
        nn.fit(nn.MLP(2, [3], seed=0), [[0.0, 1.0]], [1], progress=False)
    with pytest.raises(ValueError, match="'cross_entropy' needs one score per class"):
        nn.fit(nn.MLP(2, [1], seed=0), [[0.0, 1.0]], [0], loss="cross_entropy", progress=False)


def test_fit_step_that_diverges_leaves_the_last_good_parameters():
    X, y = _moons(10)
    y = [t * 1e10 for t in y]
    # the same run an epoch (one full-batch step) at a time: the parameters after each good step
    model = nn.MLP(2, [4, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=1.0)
    good = [[p.data for p in model.parameters()]]
    with pytest.raises((FloatingPointError, OverflowError)) as one_at_a_time:
        for _ in range(20):
            nn.fit(model, X, y, loss="mse", optimizer=opt, epochs=1, progress=False)
            good.append([p.data for p in model.parameters()])
    assert len(good) >= 3  # a few steps succeed before the loss overflows
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(type(one_at_a_time.value), match=re.escape(str(one_at_a_time.value))):
        nn.fit(model, X, y, loss="mse", optimizer=nn.SGD(model.parameters(), lr=1.0), epochs=20, progress=False)
    assert [p.data for p in model.parameters()] == good[-1]


# -- save / load ------------------------------------------------------------------


def _saved(tmp_path, model=None):
    path = tmp_path / "m.json"
    nn.save(model or nn.MLP(2, [2, 1], seed=0), path)
    return path, json.loads(path.read_text())


def test_load_is_linear_in_the_number_of_parameters(tmp_path):
    model = nn.MLP(40, [1000, 1], seed=0)  # 42,001 parameters; the quadratic load took > 1 minute
    path = tmp_path / "big.json"
    start = time.perf_counter()
    nn.save(model, path)
    loaded = nn.load(path)
    assert time.perf_counter() - start < 10.0
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]


def test_load_checks_the_parameter_count_before_building_any_value(tmp_path, monkeypatch):
    path, doc = _saved(tmp_path)
    doc["config"] = {"nin": 1500, "nouts": [1500], "activation": ["linear"]}
    path.write_text(json.dumps(doc))
    assert path.stat().st_size < 600
    built = []
    monkeypatch.setattr(nn.saving, "_build", lambda *a: built.append(a))
    start = time.perf_counter()
    with pytest.raises(ValueError, match='"parameters" has 9 entries but the config declares a MLP with 2251500'):
        nn.load(path)
    assert time.perf_counter() - start < 0.5 and built == []


def test_load_refuses_an_absurd_architecture_up_front(tmp_path, monkeypatch):
    path, doc = _saved(tmp_path)
    doc["config"] = {"nin": 10**6, "nouts": [10**6, 10**6], "activation": ["relu", "linear"]}
    path.write_text(json.dumps(doc))
    monkeypatch.setattr(nn.saving, "_build", lambda *a: pytest.fail("built a model"))
    with pytest.raises(ValueError, match="config declares 2000002000000 parameters; nn.load reads at most 10000000"):
        nn.load(path)


def _replace(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


def _with(text, key, change):
    doc = json.loads(text)
    return json.dumps({**doc, key: change(doc[key])})


def _param(text, value):
    # the first parameter's value, written as raw JSON text
    new, n = re.subn(r'"L0\.N0\.w0": [^,\n]+', f'"L0.N0.w0": {value}', text, count=1)
    assert n == 1
    return new


HOSTILE_FILES = {
    "deep nesting": (lambda t: "[" * 100_000, "nests arrays or objects too deeply"),
    "deep objects": (lambda t: '{"a":' * 100_000, "nests arrays or objects too deeply"),
    "empty": (lambda t: "", "is not valid JSON"),
    "not utf-8": (lambda t: "\udcff", "is not UTF-8 text"),
    "top-level list": (lambda t: "[1, 2]", "top level is not an object"),
    "class list": (lambda t: _replace(t, '"class": "MLP"', '"class": ["MLP"]'), "\"class\" is \\['MLP'\\]"),
    "class null": (lambda t: _replace(t, '"class": "MLP"', '"class": null'), '"class" is None'),
    "version true": (lambda t: _replace(t, '"version": 1', '"version": true'), '"version" is True'),
    "version 1.0": (lambda t: _replace(t, '"version": 1', '"version": 1.0'), '"version" is 1.0'),
    "version str": (lambda t: _replace(t, '"version": 1', '"version": "1"'), "\"version\" is '1'"),
    "version 10**400": (lambda t: _replace(t, '"version": 1', f'"version": {10**400}'), "integer of 401 digits"),
    "format": (lambda t: _replace(t, '"stepgrad.nn"', '"other"'), "not a stepgrad model file"),
    "unknown top key": (lambda t: _replace(t, '"version": 1', '"version": 1, "x": 0'), "unknown key 'x'"),
    "duplicate key": (lambda t: _replace(t, '"version": 1', '"version": 1, "version": 1'), "'version' appears twice"),
    "duplicate parameter": (
        lambda t: _replace(t, '"L0.N0.w1":', '"L0.N0.w0": 0.5, "L0.N0.w1":'),
        "key 'L0.N0.w0' appears twice in one object",
    ),
    "activation null": (lambda t: _replace(t, '"linear"', "null"), r'"config" activation\[1\] must be one of'),
    "activation short": (
        lambda t: _replace(t, '"relu",', ""),
        '"config" activation must be a list of 2 names',
    ),
    "nin 10**400": (lambda t: _replace(t, '"nin": 2', f'"nin": {10**400}'), "nin must be an int >= 1, got an integer"),
    "nin 5000 digits": (lambda t: _replace(t, '"nin": 2', '"nin": ' + "9" * 5000), "integer of 5000 digits"),
    "nin 1e400": (lambda t: _replace(t, '"nin": 2', '"nin": 1e400'), "nin must be an int >= 1, got inf"),
    "nin true": (lambda t: _replace(t, '"nin": 2', '"nin": true'), "nin must be an int >= 1, got True"),
    "nin 2.0": (lambda t: _replace(t, '"nin": 2', '"nin": 2.0'), "nin must be an int >= 1, got 2.0"),
    "nin -1": (lambda t: _replace(t, '"nin": 2', '"nin": -1'), "nin must be an int >= 1, got -1"),
    "nouts empty": (lambda t: _replace(t, '"nouts": [\n   2,\n   1\n  ]', '"nouts": []'), "nouts must be a non-empty"),
    "nouts zero": (lambda t: _replace(t, '"nouts": [\n   2,', '"nouts": [\n   0,'), r"nouts\[0\] must be an int >= 1"),
    "config unknown key": (lambda t: _replace(t, '"nin": 2', '"nin": 2, "seed": 1'), "unknown key 'seed'"),
    "config list": (lambda t: _with(t, "config", lambda c: [c]), '"config" must be an object, got \\[{'),
    "parameter NaN": (lambda t: _param(t, "NaN"), "'L0.N0.w0' must be a finite number, got NaN"),
    "parameter Infinity": (lambda t: _param(t, "-Infinity"), "'L0.N0.w0' must be a finite number, got -Infinity"),
    "parameter 1e400": (lambda t: _param(t, "1e400"), "'L0.N0.w0' must be a finite number, got inf"),
    "parameter 5000 digits": (lambda t: _param(t, "1" * 5000), "'L0.N0.w0' must be a finite number, got an integer"),
    "parameter true": (lambda t: _param(t, "true"), "'L0.N0.w0' must be a finite number, got True"),
    "parameter null": (lambda t: _param(t, "null"), "'L0.N0.w0' must be a finite number, got None"),
    "parameter list": (lambda t: _param(t, "[1]"), r"'L0.N0.w0' must be a finite number, got \[1\]"),
    "parameters list": (lambda t: _with(t, "parameters", list), '"parameters" must be an object of name: number'),
    "format missing": (lambda t: _with(t, "format", lambda f: None), '"format" is None'),
    "activation str": (lambda t: _with(t, "config", lambda c: {**c, "activation": "relu"}), "list of 2 names"),
    "nouts str": (lambda t: _with(t, "config", lambda c: {**c, "nouts": "21"}), "nouts must be a non-empty list"),
}


@pytest.mark.parametrize("case", HOSTILE_FILES)
def test_load_refuses_every_malformed_file_with_a_value_error_naming_the_key(tmp_path, case):
    mutate, pattern = HOSTILE_FILES[case]
    path, _ = _saved(tmp_path)
    text = path.read_text()
    bad = mutate(text)
    if case == "not utf-8":
        path.write_bytes(b'{"format": "\xff\xfe"}')
    else:
        path.write_text(bad)
    with pytest.raises(ValueError, match=pattern):
        nn.load(path)


def test_load_refuses_a_file_larger_than_its_limit_before_parsing(tmp_path, monkeypatch):
    path, _ = _saved(tmp_path)
    monkeypatch.setattr(nn.saving, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(nn.saving.json, "loads", lambda *a, **kw: pytest.fail("parsed"))
    with pytest.raises(ValueError, match="bytes; nn.load reads at most 100"):
        nn.load(path)


def test_load_refuses_a_non_string_name(tmp_path):
    path, doc = _saved(tmp_path, nn.Layer(2, 1, seed=0, name="L3"))
    doc["config"]["name"] = 7
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match='"config" name must be a string, got 7'):
        nn.load(path)


@pytest.mark.parametrize("name", ["a/b", "L0/N0", ""])
@pytest.mark.parametrize("model", [nn.Layer(2, 1, seed=0, name="L3"), nn.Neuron(2, seed=0, name="N3")], ids=repr)
def test_load_refuses_a_name_that_cannot_name_a_scope_by_its_key_before_building(tmp_path, monkeypatch, model, name):
    # the constructor refused these, with its own message, after the key checks had passed
    path, doc = _saved(tmp_path, model)
    doc["config"]["name"] = name
    path.write_text(json.dumps(doc))
    monkeypatch.setattr(nn.saving, "_build", lambda *a: pytest.fail("built a model"))
    pattern = f"^load: {re.escape(str(path))}: \"config\" name must be a non-empty string without '/'"
    with pytest.raises(ValueError, match=pattern + f".*, got {re.escape(repr(name))}$"):
        nn.load(path)


def test_load_refuses_a_path_that_is_not_one():
    with pytest.raises(TypeError, match="path must be a str or a path-like object, got int"):
        nn.load(3)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_save_refuses_non_finite_parameters_and_writes_nothing(tmp_path, bad):
    model = nn.MLP(2, [2, 1], seed=0)
    path = tmp_path / "m.json"
    nn.save(model, path)
    original = path.read_bytes()
    model.layers[1].neurons[0].b.data = bad
    with pytest.raises(ValueError, match=f"save: parameter 'L1.N0.b' is {bad!r}; nothing was written"):
        nn.save(model, path)
    assert path.read_bytes() == original and os.listdir(tmp_path) == ["m.json"]
    with pytest.raises(ValueError, match="nothing was written"):
        nn.save(model, tmp_path / "new.json")
    assert os.listdir(tmp_path) == ["m.json"]


@pytest.mark.parametrize("where", ["fsync", "replace", "chmod"])
def test_save_failing_mid_write_leaves_the_original_file_untouched(tmp_path, monkeypatch, where):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [2, 1], seed=0), path)
    original = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nn.saving.os, where, boom)
    with pytest.raises(OSError, match="No space left"):
        nn.save(nn.MLP(2, [2, 1], seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["m.json"]  # no temporary file left behind
    assert nn.load(path).parameters()[0].data == nn.MLP(2, [2, 1], seed=0).parameters()[0].data


def test_save_failing_halfway_through_the_write_leaves_the_original_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [2, 1], seed=0), path)
    original = path.read_bytes()

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, text):
            self.f.write(text[: len(text) // 2])
            self.f.flush()
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(nn.saving, "open", lambda *a, **kw: HalfWriter(open(*a, **kw)), raising=False)
    with pytest.raises(OSError, match="No space left"):
        nn.save(nn.MLP(2, [2, 1], seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == original and os.listdir(tmp_path) == ["m.json"]


def test_save_refuses_bad_paths_before_writing(tmp_path):
    model = nn.Neuron(2, seed=0)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        nn.save(model, tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        nn.save(model, tmp_path / "nodir" / "m.json")
    with pytest.raises(TypeError, match="path must be a str"):
        nn.save(model, 3)
    assert os.listdir(tmp_path) == []


class BytesPath:
    """A path-like object whose ``__fspath__`` gives bytes (os.fspath allows it; open would take it)."""

    def __fspath__(self):
        return b"m.json"


def test_save_and_load_refuse_a_path_like_object_that_gives_bytes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match=r"^save: path must be a str or a path-like object, got bytes b'm.json'$"):
        nn.save(nn.Neuron(2, seed=0), BytesPath())
    assert os.listdir(tmp_path) == []
    nn.save(nn.Neuron(2, seed=0), "m.json")
    with pytest.raises(TypeError, match=r"^load: path must be a str or a path-like object, got bytes b'm.json'$"):
        nn.load(BytesPath())


def test_save_refuses_a_model_larger_than_load_reads_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(nn.saving, "MAX_PARAMETERS", 8)
    nn.save(nn.MLP(2, [2], seed=0), tmp_path / "six.json")  # 6 parameters: at the limit or under, saved
    with pytest.raises(ValueError, match=r"^save: the model has 9 parameters; nn.load reads at most 8$"):
        nn.save(nn.MLP(2, [2, 1], seed=0), tmp_path / "nine.json")
    assert os.listdir(tmp_path) == ["six.json"]


def test_save_writes_a_real_number_that_is_not_a_float_as_the_float_it_equals(tmp_path):
    fractions = pytest.importorskip("fractions")
    model = nn.MLP(2, [2, 1], seed=0)
    ps = model.parameters()
    ps[0].data, ps[1].data, ps[2].data = 3, fractions.Fraction(1, 3), -(2**60)
    if np is not None:
        ps[3].data = np.float32(0.1)
    nn.save(model, tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json").parameters()
    assert [type(p.data) for p in loaded] == [float] * len(ps)
    assert [p.data for p in loaded] == [float(p.data) for p in ps]


@pytest.mark.parametrize("bad", ["0.5", True, None, 1j, [1.0]], ids=repr)
def test_save_refuses_a_parameter_that_is_not_a_number_naming_it(tmp_path, bad):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [2, 1], seed=0), path)
    original = path.read_bytes()
    model = nn.MLP(2, [2, 1], seed=1)
    model.layers[0].neurons[1].w[0].data = bad
    what = f"{type(bad).__name__} {re.escape(repr(bad))}"
    pattern = f"^save: parameter 'L0.N1.w0' is {what}, not a number; nothing written$"
    with pytest.raises(TypeError, match=pattern):
        nn.save(model, path)
    assert path.read_bytes() == original and os.listdir(tmp_path) == ["m.json"]


@pytest.mark.parametrize("letter", ["m", "é"])
def test_save_to_the_longest_file_name_the_system_allows(tmp_path, letter):
    # the temporary file is named after the target: a name of NAME_MAX bytes left it no room (File name too long)
    longest = os.pathconf(tmp_path, "PC_NAME_MAX")  # in bytes
    name = letter * ((longest - 5) // len(letter.encode())) + ".json"
    model = nn.MLP(2, [2, 1], seed=0)
    nn.save(model, tmp_path / name)
    nn.save(model, tmp_path / name)  # and over it
    assert os.listdir(tmp_path) == [name]
    assert [p.data for p in nn.load(tmp_path / name).parameters()] == [p.data for p in model.parameters()]


def test_save_never_deletes_a_file_it_did_not_create(tmp_path, monkeypatch):
    # another process's temporary file of the same (random) name: "x" refuses to open it, and it must survive
    path = tmp_path / "m.json"
    theirs = tmp_path / ".m.json.000000000000.tmp"
    theirs.write_text("someone else's")
    monkeypatch.setattr(nn.saving.secrets, "token_hex", lambda n: "0" * (2 * n))
    with pytest.raises(FileExistsError):
        nn.save(nn.MLP(2, [2, 1], seed=0), path)
    assert theirs.read_text() == "someone else's" and sorted(os.listdir(tmp_path)) == [theirs.name]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero (a file whose size says 0)")
def test_load_stops_reading_a_device_at_its_limit(monkeypatch):
    # a pipe or a device reports size 0; the read itself stops one byte past the limit
    monkeypatch.setattr(nn.saving, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ValueError, match=r"^load: /dev/zero is larger than 1000 bytes; nn.load reads at most that"):
        nn.load("/dev/zero")


def test_save_keeps_structural_names_when_labels_were_changed(tmp_path):
    model = nn.MLP(2, [2, 1], seed=0)
    for p in model.parameters():
        p.label = "same"  # labels are for drawing; the file keys stay L0.N0.w0, ...
    path = tmp_path / "m.json"
    nn.save(model, path)
    assert [p.data for p in nn.load(path).parameters()] == [p.data for p in model.parameters()]


def test_save_refuses_a_model_changed_by_hand(tmp_path):
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].w.append(Value(0.5))
    with pytest.raises(ValueError, match="no longer match its config"):
        nn.save(model, tmp_path / "m.json")
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match="no longer match its config"):
        nn.save(model, tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def test_saved_file_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old")
    os.chmod(path, 0o640)
    nn.save(nn.Neuron(2, seed=0), path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert nn.load(path).config() == nn.Neuron(2, seed=0).config()
