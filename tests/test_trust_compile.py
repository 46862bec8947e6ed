"""Compiled mode is eager mode's equal, errors included (issue 11, "Compiled mode is not eager mode")."""

from __future__ import annotations

import itertools
import math
import re
import sys
import threading
import warnings
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import TraceError, Value
from autodiff import value as value_module
from autodiff.compile import _Traced

NAN, INF = math.nan, math.inf
# how a compiled lambda of this file is named in its error messages
LAMBDA = r"lambda at test_trust_compile\.py:\d+"


def outcome(run):
    """("ok", numbers...) or ("err", exception class): what a run gives back."""
    try:
        return ("ok",) + run()
    except (ArithmeticError, ValueError, TypeError) as e:
        return ("err", type(e))


def eager_run(f, xs, params=(), pvals=(), seeds=None):
    # eager mode as a user runs it: fresh Values, f, backward from the output (seeds: from one
    # root over the outputs whose local derivatives are the seeds, as compiled code defines them)
    def run():
        leaves = [Value(x) for x in xs]
        for p, v in zip(params, pvals):
            p.data, p.grad = Value(v).data, 0.0
        out = f(*leaves)
        outs = [out] if isinstance(out, Value) else list(out)
        if seeds is None and isinstance(out, Value):
            out.backward()
        else:
            ss = tuple(seeds[: len(outs)]) if seeds is not None else (1.0,) * len(outs)
            value_module._node(0.0, "sum", tuple(outs), ss).backward()
        return tuple(o.data for o in outs), tuple(v.grad for v in leaves), tuple(p.grad for p in params)

    return outcome(run)


def compiled_run(c, xs, pvals=None, seeds=None):
    def run():
        value, backward = c.vjp(*xs, params=pvals)
        seed = seeds[: c.n_outputs] if seeds is not None else [1.0] * c.n_outputs
        into = [0.5] * len(c.params)
        try:
            backward(seed, into)
        except FloatingPointError:
            assert into == [0.5] * len(c.params), "a backward that raised changed into"
            raise
        param_grads = [0.0] * len(c.params)
        input_grads = backward(seed, param_grads)
        values = (value,) if c.scalar else value
        numbers = values + input_grads + tuple(param_grads)
        assert all(math.isfinite(v) for v in numbers), f"a non-finite number handed back: {numbers}"
        return tuple(values), input_grads, tuple(param_grads)

    return outcome(run)


# -- 1. same outcome as eager, for every input -------------------------------------------


def test_overflowing_value_raises_overflowerror_as_eager():
    c = autodiff.compile(lambda x: x * x, [1.0])
    with pytest.raises(OverflowError, match=LAMBDA + r" at node v\d+ \(\*\): \*: result is inf"):
        c(1e200)
    with pytest.raises(OverflowError):
        c.forward(1e200)
    assert eager_run(lambda x: x * x, [1e200]) == ("err", OverflowError)
    assert c(3.0).value == 9.0  # and the tape still works


@pytest.mark.parametrize("bad", [NAN, INF, -INF, 10**400])
def test_non_finite_input_or_parameter_raises_valueerror_as_eager(bad):
    w = Value(0.5, label="w")
    c = autodiff.compile(lambda x: (x * 3.0).relu() + w, [1.0], [w])  # relu would hide a NaN input
    with pytest.raises(ValueError, match=r"input 0 \(x0\) must be finite|input 0 \(x0\) is too large"):
        c(bad)
    with pytest.raises(ValueError, match=r"parameter 0 \('w'\)"):
        c(1.0, params=[bad])
    with pytest.raises(ValueError):
        Value(bad)  # what eager does with it


def test_relu_cannot_hide_a_nan_input():
    c = autodiff.compile(lambda x: (x * 3.0).relu() + 1.0, [1.0])
    with pytest.raises(ValueError, match="must be finite, got nan"):
        c(NAN)


@pytest.mark.parametrize(
    "f, xs",
    [
        (lambda a, b: a / b, [1.0, 1e-200]),  # d(a/b)/db = -a/b**2 overflows
        (lambda x: x.log().relu(), [5e-324]),  # inf * 0
        (lambda x: (x.tanh() * 1e308 - 1e308) * 1e10, [40.0]),  # every value finite, a grad is not
        (lambda x: x.sqrt() + 1.0, [0.0]),  # an infinite local derivative
    ],
)
def test_non_finite_gradient_raises_floatingpointerror_as_eager(f, xs):
    c = autodiff.compile(f, xs)  # the forward is fine there: tracing is too
    with pytest.raises(FloatingPointError, match="^" + LAMBDA + r": backward \(push\): gradient is"):
        c(*xs)
    assert eager_run(f, xs) == ("err", FloatingPointError)
    assert c.forward(*xs) == f(*[Value(x) for x in xs]).data  # the forward alone is fine, as in eager


def test_forward_alone_succeeds_where_only_the_gradient_is_not_finite():
    c = autodiff.compile(lambda a, b: a / b, [1.0, 1.0])
    assert c.forward(1.0, 1e-200) == 1.0 / 1e-200


@pytest.mark.parametrize(
    "f, x, exc, message",
    [
        (lambda x: (x - 1.0).log(), 0.5, ValueError, "log: input must be > 0"),
        (lambda x: (x - 1.0).sqrt(), 0.5, ValueError, "sqrt: input must be >= 0"),
        (lambda x: 1.0 / (x - 1.0), 1.0, ZeroDivisionError, "division by zero"),
        (lambda x: (x - 1.0) ** -1, 1.0, ZeroDivisionError, r"0.0 \*\* -1"),
        (lambda x: x**0.5, -4.0, ValueError, "negative base"),
        (lambda x: x ** (x * 1.0), -2.0, ValueError, "base must be > 0"),
        (lambda x: (x * 2.0).exp(), 400.0, OverflowError, r"exp: exp\(800.0\) overflows"),
        (lambda x: x**3.0, 1e150, OverflowError, "overflows a float"),
    ],
)
def test_domain_errors_are_eagers_own(f, x, exc, message):
    c = autodiff.compile(f, [2.0])
    with pytest.raises(exc, match=message) as got:
        c(x)
    with pytest.raises(exc) as want:
        f(Value(x, label="x0"))
    assert str(want.value) in str(got.value)  # eager's message, after the compiled function and node


def test_replay_raises_the_error_eager_meets_first():
    def log_first(x):
        a = x.log()  # eager fails here for x < 0 ...
        b = x * x  # ... before this overflows
        return b + a

    def square_first(x):
        b = x * x
        a = x.log()
        return b + a

    for f, exc in ((log_first, ValueError), (square_first, OverflowError)):
        c = autodiff.compile(f, [2.0])
        assert eager_run(f, [-1e200]) == ("err", exc)
        with pytest.raises(exc):
            c(-1e200)


def test_failed_compiled_backward_adds_nothing_into():
    w = Value(1.0, label="w")
    c = autodiff.compile(lambda b: w / b, [1.0], [w])
    value, backward = c.vjp(1e-200)  # a finite value, 1e200; d/db = -w/b**2 is not finite
    assert value == 1e200
    into = [5.0]
    with pytest.raises(FloatingPointError, match="parent 'x0'"):
        backward(1.0, into)
    assert into == [5.0]
    _, backward = c.vjp(2.0)
    assert backward(1.0, into) == (-0.25,) and into == [5.5]


def test_fit_compiled_refuses_a_nan_sample_before_any_step():
    X, y = [[0.1, 0.2], [0.3, NAN], [0.5, 0.6]], [1, -1, 1]
    model = nn.MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"X\[1\]\[1\] is nan \(sample 1, feature 1\)"):
        nn.fit(model, X, y, loss="hinge", epochs=1, progress=False, compile=True)
    assert [p.data for p in model.parameters()] == before


def test_a_false_alarm_returns_the_fast_result():
    # the norm of 1.5e308 and 1.5e308 overflows, though both are finite: eager decides, and passes
    c = autodiff.compile(lambda x, y: [x * 1.0, y * 1.0], [1.0, 1.0])
    r = c(1.5e308, 1.5e308)
    assert r.value == (1.5e308, 1.5e308) and r.input_grads == (1.0, 1.0)
    w, u = Value(0.5), Value(0.5)
    d = autodiff.compile(lambda x: [x * w, x * u], [1.0], [w, u])
    _, backward = d.vjp(1.0)
    into = [0.0, 0.0]
    assert backward([1e308, 1e308], into) == (1e308,)  # grads too large for the bound, yet finite
    assert into == [1e308, 1e308]


def test_a_parameter_grad_that_overflows_is_caught_without_looking_at_each():
    # every value and interior grad is finite; d/dw = x * 1e200 is not: the bound catches it
    w = Value(1.0, label="w")
    c = autodiff.compile(lambda x: x * w, [1.0], [w])
    _, backward = c.vjp(1e200, params=(1e100,))
    into = [2.0]
    with pytest.raises(FloatingPointError, match="parent 'w'"):
        backward(1e200, into)
    assert into == [2.0]
    assert eager_run(lambda x: x * w, [1e200], [w], [1e100], seeds=[1e200]) == ("err", FloatingPointError)


def test_a_running_sum_in_into_that_would_overflow_is_refused_and_into_is_unchanged():
    # issue 21: vjp's backward added into into unchecked (1.7e308 + 1e307 gave inf, silently)
    w, u = Value(2.0, label="w"), Value(3.0)
    c = autodiff.compile(lambda x: x * w + x * u, [1.0], [w, u])
    for x in (1e295, 1e307):  # grads within the bound (the fast path), too large for it (eager decides)
        _, backward = c.vjp(x)
        into = [1.0, 1.7976931348623157e308]  # w's slot is added to first, u's (unlabelled: index 1) overflows
        with pytest.raises(
            FloatingPointError,
            match="^" + LAMBDA + rf": the gradient of parameter 1 {re.escape(repr(x))} "
            r"added to 1\.7976931348623157e\+308 "
            r"\(into\[1\]\) is inf "
            r"\(the gradient itself is finite\); .*scale the loss down, or apply and zero into more often\. "
            r"into is unchanged\.$",
        ):
            backward(1.0, into)
        assert into == [1.0, 1.7976931348623157e308]
        into = [-1.7976931348623157e308, 0.0]
        with pytest.raises(FloatingPointError, match=rf"parameter 'w' {re.escape(repr(-x))} added to -1.79.* is -inf"):
            backward(-1.0, into)
        assert into == [-1.7976931348623157e308, 0.0]
    _, backward = c.vjp(2.0)
    into = [1e308, 1e308]  # finite numbers whose sum overflows: nothing wrong, the result stands
    assert backward(1.0, into) == (5.0,) and into == [1e308 + 2.0, 1e308 + 2.0]
    into = [0, 1]  # ints are numbers
    assert backward(1.0, into) == (5.0,) and into == [2.0, 3.0] and list(map(type, into)) == [float, float]


def test_into_is_unchanged_when_the_generated_code_raises_midway():
    # numpy floats are floats; their overflow warns, and a warning made an error stops the
    # generated code after it added into into[0]: into[0] is put back
    np = pytest.importorskip("numpy")
    w, u = Value(2.0, label="w"), Value(3.0)
    c = autodiff.compile(lambda x: x * w + x * u, [1.0], [w, u])
    _, backward = c.vjp(1e295)
    into = [1.0, np.float64(1.7976931348623157e308)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="overflow"):
            backward(1.0, into)
    assert into == [1.0, 1.7976931348623157e308]


EXTREME = [0.0, -0.0, 5e-324, -1e-310, 1e-10, -0.5, 1.0, 3.0, -40.0, 700.0, 1e100, -1e150, 1e300]


@pytest.mark.parametrize("op", sorted(k for k, op in autodiff.OPS.items() if op.bounded))
def test_the_bounded_ops_local_derivatives_are_bounded_by_their_values(op):
    # the backward check's bound (Compiled.vjp) rests on this: |local| <= max(1, |value|, |parents|)
    arity = {"+": 2, "-": 2, "*": 2, "sum": 3, "dot": 5}.get(op, 1)
    for point in itertools.product(EXTREME, repeat=min(arity, 2)):
        xs = (list(point) * 3)[:arity]
        try:
            value, locs = autodiff.eager.apply(op, xs)
        except OverflowError:  # no value, no local derivative: only past exp's range (|x| > 709)
            assert max(abs(x) for x in xs) > 709.0, (op, xs)
            continue
        bound = max([1.0, abs(value)] + [abs(x) for x in xs])
        assert all(abs(d) <= bound for d in locs), (op, xs, locs)


# -- 2. a branch on an input's or a parameter's value cannot freeze silently ----------------


def test_branch_on_a_parameters_value_is_refused():
    w = Value(1.0)
    with pytest.raises(TraceError, match=r"f read \.data of a traced value"):
        autodiff.compile(lambda x: x * w if w.data > 0 else x * 0.0, [2.0], params=[w])
    assert type(w) is Value and w.data == 1.0  # the parameter is itself again
    assert type(w * 2.0) is Value


def test_traced_values_reveal_nothing():
    w = Value(1.25, label="w")
    seen = []

    def f(x):
        h = x * w
        for v in (x, w, h):
            seen.append((repr(v), str(v), f"{v}", format(v, "")))
            for read in (lambda v=v: v.data, lambda v=v: v.local_grads):
                with pytest.raises(TraceError):
                    read()
            for reveal in (lambda v=v: float(v), lambda v=v: v > 0, lambda v=v: v <= 1.0, lambda v=v: format(v, ".3f")):
                with pytest.raises(TypeError):
                    reveal()
        return h

    autodiff.compile(f, [2.5], [w])
    text = " ".join(s for row in seen for s in row)
    assert "<traced>" in text and "2.5" not in text and "1.25" not in text and "3.125" not in text
    assert repr(w) == "Value(data=1.25, grad=0.0, label='w')"  # after the trace, readable again


def test_a_trace_that_fails_restores_the_parameters():
    w = Value(1.0)

    def f(x):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        autodiff.compile(f, [1.0], [w])
    assert type(w) is Value and value_module._node is value_module.make_node


# -- 3. only the rules table's names and float literals reach the source ---------------------


@pytest.mark.parametrize(
    "op, message",
    [
        ("exp if __import__('os').system('touch {marker}') else rule_exp", "not in the rules table"),
        ("__import__('os').system('touch {marker}')", "not in the rules table"),
        ("**2) + __import__('os').system('touch {marker}'", "exponent is not a number"),
        ("**nan", "exponent is not finite"),
        ("**inf", "exponent is not finite"),
        ("+", "has 1 parents"),
        (None, "not in the rules table"),
    ],
)
def test_hostile_op_is_refused_before_any_code_runs(tmp_path, op, message):
    marker = tmp_path / "ran"

    def f(x):
        y = x.exp()
        y.op = op.format(marker=marker) if isinstance(op, str) else op
        return y

    with pytest.raises(ValueError, match=message):
        autodiff.compile(f, [1.0])
    assert not marker.exists()


def test_only_table_names_and_float_literals_reach_the_source():
    np = pytest.importorskip("numpy")

    def f(x):
        k, m, n = Value(1.0), Value(1.0), Value(1.0)
        k.data, m.data, n.data = Fraction(1, 3), np.float32(0.25), np.float64(-2.0)  # set by a user
        return x * k + m * x + n

    c = autodiff.compile(f, [1.0])
    assert "Fraction" not in c.source and "float32" not in c.source
    assert repr(float(Fraction(1, 3))) in c.source and "(-2.0)" in c.source
    assert c(2.0).value == 2.0 * float(Fraction(1, 3)) + 0.25 * 2.0 - 2.0


def test_a_non_finite_constant_is_refused():
    def f(x):
        k = Value(1.0)
        y = x * k
        k.data = NAN  # after use: the trace holds a NaN constant
        return y

    with pytest.raises(ValueError, match="constant of node v\\d+ must be finite"):
        autodiff.compile(f, [1.0])


# -- 4. wide n-ary nodes -------------------------------------------------------------------


def _eager_wide(f, xs):
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, tuple(v.grad for v in leaves)


WIDE = 5000  # terms: far more than the parser's recursion limit allows in one expression


@pytest.mark.parametrize(
    "f, n_inputs",
    [
        (lambda *xs: autodiff.sum(xs), WIDE),
        (lambda *xs: autodiff.dot(xs[:WIDE], xs[WIDE:]), 2 * WIDE),
        (lambda *xs: autodiff.dot(xs[:WIDE], xs[WIDE:-1], xs[-1]), 2 * WIDE + 1),
        (lambda *xs: autodiff.logsumexp(xs), WIDE),
    ],
    ids=["sum", "dot", "dot_bias", "logsumexp"],
)
def test_wide_nodes_compile_bit_for_bit(f, n_inputs):
    xs = [math.sin(i) * 10.0 ** (i % 7 - 3) for i in range(n_inputs)]  # magnitudes that make the order matter
    c = autodiff.compile(f, [1.0] * n_inputs)
    r = c(*xs)
    value, grads = _eager_wide(f, xs)
    assert r.value == value and r.input_grads == grads


# -- 5. constants as outputs ---------------------------------------------------------------


def test_a_constant_output_gives_its_value_and_zero_grads():
    r = autodiff.compile(lambda x: Value(3.0), [1.0])(2.0)
    assert r.value == 3.0 and r.input_grads == (0.0,)
    r = autodiff.compile(lambda x: [x * 2.0, Value(3.0), Value(-1.5)], [1.0])(2.0)
    assert r.value == (4.0, 3.0, -1.5) and r.input_grads == (2.0,)


# -- 6. tracing state is per thread; nothing outlives a trace --------------------------------


def test_tracing_state_is_per_thread_and_nothing_outlives_a_trace():
    w = Value(0.5, label="w")  # shared by both tracing threads and the eager one
    stop = threading.Event()
    errors: list[BaseException] = []

    def tracer():
        try:
            for _ in range(150):
                c = autodiff.compile(lambda x: (x * w).tanh() + x, [0.3], [w])
                assert c(0.3).value == math.tanh(0.3 * 0.5) + 0.3
                with pytest.raises(TraceError):
                    autodiff.compile(lambda x: x * w if w.data else x, [0.3], [w])
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    def eager():
        try:
            while not stop.is_set():
                a = Value(1.5)
                b = a * w + a  # w may be traced by another thread right now
                assert type(b) is Value and b.data == 2.25 and w.data == 0.5
                b.backward()
                assert a.grad == 1.5
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # interleave the threads as much as possible
    try:
        threads = [threading.Thread(target=tracer), threading.Thread(target=tracer)]
        watcher = threading.Thread(target=eager)
        watcher.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        watcher.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[0]
    assert value_module._node is value_module.make_node  # eager's own node maker is back
    assert type(w) is Value and type(Value(2.0) * 3.0) is Value
    assert (Value(2.0) * 3.0).data == 6.0


def test_traced_nodes_left_over_are_readable_after_the_trace():
    kept = []
    autodiff.compile(lambda x: kept.append(x * 2.0) or kept[0], [1.5])
    assert type(kept[0]) is _Traced and kept[0].data == 3.0  # reading it no longer matters


# -- 7. bad arguments name the argument ----------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: autodiff.compile(lambda x: x, [1.0], name=123), TypeError, "name must be a str.*int 123"),
        (lambda: autodiff.compile(lambda x: x * 2.0, [1.0])("abc"), TypeError, r"input 0 \(x0\).*got str 'abc'"),
        (lambda: autodiff.compile(lambda x, y: x * y, [1.0, 1.0])(1.0, True), TypeError, r"input 1 \(x1\).*bool"),
        (lambda: autodiff.compile(lambda x: x * 2.0, [1.0])(1.0, seed=["1"]), TypeError, "seed 0"),
        (lambda: autodiff.compile(lambda x: x * 2.0, [1.0])(1.0, seed=[NAN]), ValueError, "seed 0 must be finite"),
        (lambda: autodiff.compile(lambda x: x, ["x"]), TypeError, r"example_inputs\[0\]"),
        (lambda: autodiff.compile(lambda x: x, [NAN]), ValueError, r"example_inputs\[0\] must be finite"),
        (lambda: autodiff.compile(lambda x: x * 2.0, [1.0])(1.0, 2.0), TypeError, "takes 1 inputs, got 2"),
        (lambda: autodiff.compile(3.0, [1.0]), TypeError, "f must be a function"),
    ],
)
def test_bad_arguments_name_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_params_given_twice_or_not_plain_are_refused():
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"params\[1\] is params\[0\]"):
        autodiff.compile(lambda x: x * w, [1.0], [w, w])
    w2 = Value(1.0)
    c = autodiff.compile(lambda x: x * w2, [1.0], [w2])
    with pytest.raises(TypeError, match=r"parameter 0.*got str"):
        c(1.0, params=["1.0"])
    with pytest.raises(TypeError, match="params must be a sequence"):
        c(1.0, params=1.0)
    assert c(2.0, params=[3]).value == 6.0  # ints are numbers, as Value(3) is
    _, backward = c.vjp(2.0)
    with pytest.raises(TypeError, match="into must be a list of 1 floats"):
        backward(1.0, (0.0,))


@pytest.mark.parametrize(
    "bad, exc, pattern",
    [
        ("a", TypeError, r"must be a real number \(int or float\), got str 'a'"),
        (True, TypeError, r"must be a real number \(int or float\), got bool True"),
        (None, TypeError, r"must be a real number \(int or float\), got NoneType None"),
        (NAN, ValueError, r"must be finite, got nan"),
        (-INF, ValueError, r"must be finite, got -inf"),
        (10**400, ValueError, r"must be finite, got 1000000"),
    ],
    ids=["str", "bool", "None", "nan", "-inf", "huge int"],
)
def test_into_holding_anything_but_finite_numbers_is_refused_naming_the_element(bad, exc, pattern):
    # issue 21: into = ["a"] gave Python's "can only concatenate str (not "float") to str"; [True]
    # and [nan] were added to silently
    np = pytest.importorskip("numpy")
    w, u = Value(2.0, label="w"), Value(3.0, label="u")
    c = autodiff.compile(lambda x: x * w + x * u, [1.0], [w, u])
    rows = np.array([[1.0], [2.0]])
    backwards = {
        "vjp": lambda into: c.vjp(1.0)[1](1.0, into),
        "batch_vjp": lambda into: c.batch_vjp(rows)[1](np.ones(2), into),
        # the sample-at-a-time path batch_vjp takes when a value or grad of the batch is not finite
        "one by one": lambda into: c._one_by_one(np, rows, (2.0, 3.0))[1](np.ones(2), into),
    }
    for name, backward in backwards.items():
        if name == "vjp" and bad is True:
            continue  # the scalar backward checks into by adding to it: a bool is a number there (True + g)
        into = [0.5, bad]
        with pytest.raises(
            exc,
            match="^" + LAMBDA + rf": into\[1\], the gradient of parameter 1 \('u'\), {pattern}.*; "
            r"into holds the parameter gradients summed so far: start it as \[0\.0\] \* 2",
        ):
            backward(into)
        assert into == [0.5, bad], name  # nothing added, not even into[0]
        into = [0, 1]
        backward(into)
        assert into == [0 + (1.0 if name == "vjp" else 3.0), 1 + (1.0 if name == "vjp" else 3.0)], name


# -- the differential property test: random graphs from every rule, hostile inputs ------------

HOSTILE = [0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-310, 1e300, -1e300, 1e200, -1e200, 1e154, NAN, INF, -INF]
HOSTILE += [0.5, -1.5, 2.0, 3.0, 1e10, -1e-10, 700.0, 710.0, -745.0]
EXPONENTS = [2.0, 3.0, 0.5, -1.0, 1.5, 0.0, -2.0, 1e10, -0.5]
CONSTANTS = [0.0, 1.0, -2.0, 0.5, 1e-300, 1e300, 3.0]
SEEDS = [1.0, -2.0, 0.0, 1e-300, 3e150, 1e200, -1e250]
OPS = sorted(autodiff.RULES)  # every rule: "+ - * / neg **n ** exp log sqrt tanh sigmoid relu abs sum dot logsumexp"

instruction = st.tuples(
    st.sampled_from(OPS),
    st.lists(st.integers(0, 50), min_size=1, max_size=4),
    st.sampled_from(EXPONENTS),
    st.sampled_from(CONSTANTS),
)
programs = st.lists(instruction, min_size=1, max_size=7)
number = st.one_of(st.sampled_from(HOSTILE), st.floats(), st.floats(-4.0, 4.0))


def _apply(op, a, n, c):
    if op in ("+", "-", "*", "/", "**"):
        b = a[1] if len(a) > 1 else c  # a number: a constant leaf
        if op == "+":
            return a[0] + b
        if op == "-":
            return a[0] - b
        if op == "*":
            return a[0] * b
        if op == "/":
            return a[0] / b
        return a[0] ** (b if isinstance(b, Value) else Value(b))
    if op == "**n":
        return a[0] ** n
    if op == "neg":
        return -a[0]
    if op == "abs":
        return abs(a[0])
    if op in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu"):
        return getattr(a[0], op)()
    if op == "sum":
        return autodiff.sum(a)
    if op == "logsumexp":
        return autodiff.logsumexp(a + [c])
    if op == "dot":
        return autodiff.dot(a, a[1:] + a[:1], c if len(a) % 2 else None)
    raise AssertionError(f"the property test does not build {op!r}: add it")


def build(program, leaves):
    """Run a program on leaves; its outputs are the nodes no later node uses (so none is dead)."""
    vals = list(leaves)
    used = set()
    for op, idx, n, c in program:
        takes = {"+": 2, "-": 2, "*": 2, "/": 2, "**": 2, "sum": 4, "dot": 4, "logsumexp": 4}.get(op, 1)
        picks = [i % len(vals) for i in idx[:takes]]
        used.update(picks)
        vals.append(_apply(op, [vals[i] for i in picks], n, c))
    outs = [v for i, v in enumerate(vals) if i >= len(leaves) and i not in used]
    return outs[0] if len(outs) == 1 else outs


def test_the_property_test_builds_every_rule():
    x = Value(0.7)
    built = {op: _apply(op, [x, x], 2.0, 0.5).op for op in OPS}
    assert built == {op: "**2" if op == "**n" else op for op in OPS}  # each op's own node ("**n" as **2)


@settings(derandomize=True, deadline=None, max_examples=300)
@given(
    programs,
    st.integers(1, 2),
    st.integers(0, 2),
    st.lists(st.sampled_from([0.3, 0.7, 1.3, 2.0]), min_size=4, max_size=4),
    st.lists(st.lists(number, min_size=4, max_size=4), min_size=3, max_size=3),
    st.one_of(st.none(), st.lists(st.sampled_from(SEEDS), min_size=8, max_size=8)),
)
def test_compiled_equals_eager_on_random_graphs_and_hostile_inputs(program, n_in, n_par, trace_at, calls, seeds):
    params = [Value(t) for t in trace_at[n_in : n_in + n_par]]

    def f(*xs):
        return build(program, list(xs) + params)

    traced = outcome(lambda: (autodiff.compile(f, trace_at[:n_in], params),))
    if traced[0] == "err":  # tracing is an eager run: it fails as eager fails at that point
        assert eager_run(f, trace_at[:n_in], params, trace_at[n_in : n_in + n_par]) == traced
        return
    c = traced[1]
    for point in calls:
        xs, pvals = point[:n_in], point[n_in : n_in + n_par]
        got = compiled_run(c, xs, pvals, seeds)
        want = eager_run(f, xs, params, pvals, seeds)
        assert got == want, (program, xs, pvals, seeds)
        # forward alone: eager's forward outcome (backward errors do not count)
        fwd = outcome(lambda xs=xs, pvals=pvals: _forward_only(c, xs, pvals))
        want_fwd = outcome(lambda xs=xs, pvals=pvals: _eager_forward(f, xs, params, pvals))
        assert fwd == want_fwd, (program, xs, pvals)


def _forward_only(c, xs, pvals):
    out = c.forward(*xs, params=pvals)
    return (out,) if c.scalar else tuple(out)


def _eager_forward(f, xs, params, pvals):
    leaves = [Value(x) for x in xs]
    for p, v in zip(params, pvals):
        p.data = Value(v).data
    out = f(*leaves)
    return (out.data,) if isinstance(out, Value) else tuple(o.data for o in out)
