"""One definition per primitive, every mode its interpreter: each agrees with the float rule.

For every op of ``ops.OPS`` and points across its domain (kinks, 0, large, negative,
subnormal), the definition is run by each interpreter and compared with eager's float rule
(``rules.RULES``):

- Values (``backward(create_graph=True)``): value and derivatives bit for bit;
- generated source (``autodiff.source``, what compile inlines): bit for bit;
- numpy arrays (``Compiled.batch``): bit for bit but for numpy's own exp, log and tanh (a few ulps);
- compiled code and batches of whole graphs, against eager (``test_trust_fuzz`` goes further).
"""

from __future__ import annotations

import math
import re
import struct

import pytest

import autodiff
from autodiff import Value, ops, rules, source

np = pytest.importorskip("numpy")

EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-300, 5e-324, -5e-324, 700.0, -750.0, 1e150, -1e150]


def points(op: str) -> list[tuple[float, ...]]:
    arity = ops.OPS[op].arity
    if op == "**n":
        return [(x,) for x in EDGE]
    if arity == (1, 1):
        return [(x,) for x in EDGE]
    if arity == (2, 2):
        return [(a, b) for a in EDGE[::2] for b in EDGE[1::2]] + [(2.0, 0.0), (0.0, 2.0), (1e16, -1e16)]
    return [(1.0, 2.0, 3.0), (1e16, -1e16, 1.0), (-0.0, 0.0, 5e-324), (700.0, -700.0, 1.5, 2.5, 0.0)]


EXPONENTS = [2.0, 3.0, -1.0, 0.5, 0.0, 1.0, -2.0, 1.5]
CASES = [
    (op, pt, n)
    for op in ops.OPS
    for pt in points(op)
    for n in (EXPONENTS if op == "**n" else [None])
    if not (op == "dot" and len(pt) < 2)
]


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same(a: float, b: float) -> bool:
    return bits(float(a)) == bits(float(b)) or (a != a and b != b)


def eager(op, pt, n):
    args = pt + ((n,) if n is not None else ())
    return rules.RULES[op](*args)


def ids(case):
    op, pt, n = case
    return f"{op}{'' if n is None else n}{pt}"


@pytest.mark.parametrize("case", CASES, ids=[ids(c) for c in CASES])
def test_every_interpreter_agrees_with_the_float_rule(case):
    op, pt, n = case
    try:
        value, local = eager(op, pt, n)
    except (ArithmeticError, ValueError) as e:  # outside the domain: eager's own error, with its message
        assert str(e)
        return
    define = ops.OPS[op].define
    extra = (n,) if n is not None else ()
    # generated source: the same numbers where it is inlined
    code = source.definition(define, [f"x{i}" for i in range(len(pt))], extra)
    if not code.risky:
        env = dict(source.NAMESPACE, fail=lambda k, args: code.checks[k].exception(args))
        env.update({f"x{i}": x for i, x in enumerate(pt)})
        run = "\n".join(code.lines + [f"result = ({code.value}, ({''.join(t + ', ' for t in code.local)}))"])
        exec(run, env)  # the engine's own generated text over the rules' definitions
        sv, sd = env["result"]
        assert same(sv, value) and all(same(a, b) for a, b in zip(sd, local)), (run, sv, sd)
    # numpy arrays: elementwise, the same numbers but for numpy's transcendental functions
    xs = [np.array([x, x]) for x in pt]
    with np.errstate(all="ignore"):  # as Compiled.batch runs it: an inf is found afterwards
        av, ad = define(*xs, *extra)
    loose = op in ("exp", "log", "tanh", "sigmoid", "logsumexp", "**", "**n", "sqrt")  # numpy's own functions
    for got, want in [(av, value)] + list(zip(ad, local)):
        arr = np.broadcast_to(np.asarray(got, dtype=float), (2,))
        if loose and math.isfinite(want):
            assert arr.tolist() == pytest.approx([want, want], rel=4e-16 * 8, abs=1e-300)
        else:
            assert all(same(g, want) for g in arr.tolist()), (arr, want)


@pytest.mark.parametrize("case", CASES, ids=[ids(c) for c in CASES])
def test_derivatives_as_values_are_the_float_rules_numbers_bit_for_bit(case):
    op, pt, n = case
    try:
        _, local = eager(op, pt, n)
    except (ArithmeticError, ValueError):
        return
    if not all(math.isfinite(d) for d in local):
        return  # backward refuses these before building anything (test_higher_order)
    leaves = tuple(Value(x) for x in pt)
    node = autodiff.value.apply(op if n is None else f"**{n!r}", leaves, n)
    for d, want in zip(autodiff.second_order.local_values(node), local):
        assert same(d.data if isinstance(d, Value) else d, want)


def test_compiled_inline_and_called_ops_equal_eager_on_edge_points():
    for op in ops.OPS:
        for pt in points(op)[:6]:
            if op == "**n":
                f = lambda a: a**3.0  # noqa: E731
            elif op == "sum":
                f = lambda *xs: autodiff.sum(list(xs))  # noqa: E731
            elif op == "logsumexp":
                f = lambda *xs: autodiff.logsumexp(list(xs))  # noqa: E731
            elif op == "dot":
                f = lambda *xs: autodiff.dot(xs[:1], xs[1:2], xs[2])  # noqa: E731
                pt = pt[:3]
            else:
                f = {
                    "+": lambda a, b: a + b,
                    "-": lambda a, b: a - b,
                    "*": lambda a, b: a * b,
                    "/": lambda a, b: a / b,
                    "**": lambda a, b: a**b,
                }.get(op) or (lambda a, op=op: getattr(a, {"neg": "__neg__", "abs": "__abs__"}.get(op, op))())
            leaves = [Value(x) for x in pt]
            try:
                y = f(*leaves)
                y.backward()
            except (ArithmeticError, ValueError) as e:
                with pytest.raises(type(e)):
                    autodiff.compile(f, list(pt))(*pt)
                continue
            r = autodiff.compile(f, list(pt))(*pt)
            assert same(r.value, y.data), (op, pt)
            assert all(same(a, v.grad) for a, v in zip(r.input_grads, leaves)), (op, pt)


@pytest.mark.parametrize("case", CASES, ids=[ids(c) for c in CASES])
def test_eager_rules_specialised_for_floats_are_the_definitions(case):
    # rules.RULES holds each definition written out for floats (autodiff.eager); the definition
    # itself, run through the float words, gives the same numbers bit for bit, or the same error
    op, pt, n = case
    args = pt + ((n,) if n is not None else ())
    plain = autodiff.eager.float_rule(ops.OPS[op].define)
    try:
        want = plain(*args)
    except (ArithmeticError, ValueError) as e:
        with pytest.raises(type(e), match=re.escape(str(e))):
            rules.RULES[op](*args)
        return
    value, local = rules.RULES[op](*args)
    assert same(value, want[0]) and len(local) == len(want[1]), (value, want)
    assert all(same(a, b) for a, b in zip(local, want[1])), (local, want)


def test_eager_rules_are_generated_and_show_their_source():
    assert autodiff.RULES["relu"] is not autodiff.eager.float_rule(rules.relu)
    text = autodiff.eager.source_of("relu")
    assert text.startswith("def rule_relu(x0):") and " if " in text and "where" not in text
    (Value(1.5) ** 7).backward()  # a new exponent is specialised when first met
    assert "x0 ** 7.0" in autodiff.eager.source_of("**7.0")
    with pytest.raises(KeyError, match="no specialised rule"):
        autodiff.eager.source_of("**0.123456")
    assert set(autodiff.KINKS) == {"relu", "abs"}


def test_batched_dot_is_the_rules_sum_to_rounding_and_one_sample_at_a_time_is_the_rule_exactly():
    # w = [1e16, -1e16], b = 1: the rule adds b + 1e16 (= 1e16) then -1e16, giving 0.0. A batch's layer is one
    # matrix product and then the bias: 1.0, within 1e-12 of the terms (1e16) as promised; a sample at a time
    # (compile's scalar code) adds in the rule's order.
    w = [Value(1e16), Value(-1e16)]
    b = Value(1.0)
    f = lambda x0, x1: autodiff.dot(w, [x0, x1], b)  # noqa: E731
    c = autodiff.compile(f, [1.0, 1.0], params=w + [b])
    assert f(Value(1.0), Value(1.0)).data == 0.0
    assert c(1.0, 1.0).value == 0.0
    got = c.batch([[1.0, 1.0], [1.0, 1.0]]).value.tolist()
    assert all(abs(g - 0.0) <= 1e-12 * 2e16 for g in got)
    assert c.batch([[1.0, 2.0], [3.0, 0.5]]).value.tolist() == [1e16 - 2e16 + 1.0, 3e16 - 0.5e16 + 1.0]


def test_batched_abs_of_minus_zero_is_zero_as_the_rule():
    c = autodiff.compile(lambda x: abs(x), [1.0])
    out = c.batch([[-0.0]]).value.tolist()
    assert bits(out[0]) == bits(abs(Value(-0.0)).data) == bits(0.0)
