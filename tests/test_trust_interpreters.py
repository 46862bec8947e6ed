"""The interpreters of the one definitions, tried as an adversary would (each test failed before):
a walk started inside a walk, an interrupt during the non-finite search, numpy arrays and
scalars given to the elementary functions and to user primitives, the sign of zero in the
create_graph pass, and the messages of the rules."""

from __future__ import annotations

import math
import threading

import pytest

import autodiff
from autodiff import Value, eager, fused, graph, rules, steps

np = pytest.importorskip("numpy")


def test_a_walk_inside_a_walk_of_one_thread_raises_instead_of_waiting_for_itself(monkeypatch):
    # a garbage-collector callback, a finalizer or a signal handler that walks a graph while this
    # thread walks one waited forever on the walk's lock
    inner: list[str] = []
    real = graph._walk

    def walk(root, token, order):
        try:
            autodiff.topological_order(root)
        except RuntimeError as e:
            inner.append(str(e))
        real(root, token, order)

    monkeypatch.setattr(graph, "_walk", walk)
    x = Value(1.0, label="x")
    y = (x * 2.0).tanh()
    done: list[list[Value]] = []
    t = threading.Thread(target=lambda: done.append(autodiff.topological_order(y)), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "the inner walk waited for the outer one"
    assert done and done[0][-1] is y
    assert inner and "inside another walk" in inner[0]
    monkeypatch.undo()
    assert autodiff.topological_order(y)[-1] is y  # and the next walk works


def test_an_interrupt_during_the_non_finite_search_puts_every_grad_back(monkeypatch):
    def interrupted(step):
        raise KeyboardInterrupt

    monkeypatch.setattr(steps, "_non_finite", interrupted)
    x = Value(0.0, label="x")
    y = x.sqrt() * 2.0 + 1.0
    nodes = autodiff.topological_order(y)
    for i, v in enumerate(nodes):
        v.grad = float(i)
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    assert [v.grad for v in nodes] == [float(i) for i in range(len(nodes))]


@pytest.mark.parametrize(
    "f, xs, error, message",
    [
        (autodiff.log, [1.0, -1.0], ValueError, r"log: element 1: log: input must be > 0, got -1\.0"),
        (autodiff.exp, [1.0, 1000.0], OverflowError, r"exp: element 1: exp: exp\(1000\.0\) overflows"),
        (autodiff.sqrt, [-4.0], ValueError, r"sqrt: element 0: sqrt: input must be >= 0"),
        (autodiff.relu, [math.nan], ValueError, r"relu: element 0: relu: input must be finite, got nan"),
        (autodiff.tanh, [1.0, math.inf], ValueError, r"tanh: element 1: tanh: input must be finite, got inf"),
    ],
)
def test_an_array_outside_an_ops_domain_gets_eagers_error_naming_the_element(f, xs, error, message):
    # it was the internal rules.Failed with the message unformatted, or a silent 0.0 for relu(nan)
    with pytest.raises(error, match=message):
        f(np.array(xs))


def test_an_object_array_goes_element_by_element_through_the_float_rule():
    # not a numeric dtype: no numpy shortcut; each element checked as eager checks a number
    assert autodiff.exp(np.array([1, 2.5], dtype=object)).tolist() == [math.exp(1), math.exp(2.5)]
    empty = autodiff.exp(np.array([], dtype=object))
    assert empty.dtype == float and empty.shape == (0,)
    with pytest.raises(TypeError, match=r"^exp: element 1: exp: input must be a real number \(int or float\), got str"):
        autodiff.exp(np.array([1.0, "a"], dtype=object))


def test_numpy_scalars_and_0d_arrays_are_numbers_to_the_rules():
    assert autodiff.exp(np.array(2.0)) == math.exp(2.0)
    assert rules.exp(np.float64(2.0)) == np.exp(2.0)
    assert autodiff.exp(np.float64(2.0)) == math.exp(2.0)
    with pytest.raises(TypeError, match=r"^log: expects a number, a Value or a numpy array, got NoneType None"):
        autodiff.log(None)


def test_a_user_primitive_on_arrays_is_checked_as_on_floats(registry):
    @autodiff.primitive("square_arrays")
    def sq(x):
        return x * x, (2.0 * x,)

    assert sq(np.array([1.0, 2.0])).tolist() == [1.0, 4.0]
    with pytest.raises(OverflowError, match=r"square_arrays: element 1: square_arrays: result is inf"):
        sq(np.array([1.0, 1e200]))  # it returned array([1., inf])

    @autodiff.primitive("softplus_arrays")
    def softplus(x):
        return autodiff.log(1.0 + autodiff.exp(x)), (autodiff.sigmoid(x),)

    with pytest.raises(OverflowError, match=r"element 1: exp: exp\(1000\.0\) overflows"):  # autodiff.exp inside
        softplus(np.array([0.3, 1000.0]))


@pytest.fixture
def registry():
    names = set(autodiff.primitives.REGISTERED)
    yield
    for name in set(autodiff.primitives.REGISTERED) - names:
        del autodiff.primitives.REGISTERED[name]


def test_create_graph_keeps_a_held_minus_zero_as_push_does():
    def run(create_graph):
        x, c = Value(-0.0), Value(0.5)
        c.grad = -0.0
        (x * c).backward(create_graph=create_graph)
        g = c.grad.data if create_graph else c.grad
        return math.copysign(1.0, g)

    assert run(False) == run(True) == -1.0


def test_the_plain_logsumexp_of_one_float():
    assert eager.float_rule(fused.logsumexp)(2.0) == (2.0, (1.0,))


def test_power_messages_name_the_base_and_the_exponent():
    with pytest.raises(ZeroDivisionError, match=r"\*\*: -0\.0 \*\* -1\.0 is a division by zero.*\(node 'x'\)"):
        Value(-0.0, label="x") ** -1
    with pytest.raises(ValueError, match=r"^\*\*: the exponent must be finite, got int"):
        Value(2.0) ** (10**400)
    with pytest.raises(TypeError, match=r"^\*\*: the exponent must be a real number"):
        Value(2.0) ** True
    with pytest.raises(OverflowError, match=r"overflows a float; keep \|base\| \*\* exponent within the float"):
        Value(5e-324) ** -1
