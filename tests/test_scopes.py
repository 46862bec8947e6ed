"""Scopes: every node records the scope blocks it was made in; nn modules open theirs; compile ignores them."""

from __future__ import annotations

import threading

import pytest

import autodiff
import nn
from autodiff import Value, current_scope, scope
from autodiff.scopes import ScopePath, scope_name


def test_nodes_made_in_a_scope_record_its_path_and_leaves_outside_record_none():
    x = Value(1.0, label="x")
    with scope("layer") as outer:
        a = x * 2
        with scope("N0") as inner:
            b = a.tanh()
            c = Value(3.0)
        d = a + 1
    assert outer == ("layer",) and inner == ("layer", "N0")
    assert (a.scope, b.scope, c.scope, d.scope, x.scope) == (
        ("layer",),
        ("layer", "N0"),
        ("layer", "N0"),
        ("layer",),
        (),
    )
    assert a.parents[1].scope == ("layer",)  # the constant 2 is made inside too
    assert (a * x).scope == () and current_scope() == ()


def test_one_path_object_is_shared_by_every_node_of_a_block_and_each_entry_is_a_new_block():
    with scope("s"):
        a, b = Value(1.0) * 2, Value(2.0) + 1
    with scope("s"):
        c = Value(1.0) * 2
    assert a.scope is b.scope and a.scope == c.scope and a.scope is not c.scope
    assert isinstance(a.scope, ScopePath) and a.scope.outer == ()
    with scope("m"):
        with scope("k"):
            e = Value(1.0) * 3
        f = Value(1.0) * 3
    assert e.scope.outer is f.scope  # a block knows the block around it


def test_scope_works_as_a_decorator_one_block_per_call():
    @scope("loss")
    def loss(v):
        return v * v

    x = Value(2.0)
    first, second = loss(x), loss(x)
    assert first.scope == second.scope == ("loss",) and first.scope is not second.scope
    assert current_scope() == ()


def test_a_scope_is_closed_when_its_block_raises():
    with pytest.raises(ZeroDivisionError):
        with scope("a"):
            Value(1.0) / 0
    assert current_scope() == () and (Value(1.0) * 2).scope == ()


def test_scopes_are_per_thread():
    seen = {}

    def work():
        seen["other"] = (Value(1.0) * 2).scope

    with scope("main"):
        t = threading.Thread(target=work)
        t.start()
        t.join()
        seen["main"] = (Value(1.0) * 2).scope
    assert seen == {"other": (), "main": ("main",)}


@pytest.mark.parametrize(
    "name, error, message",
    [
        (5, TypeError, "scope: name must be a str, got int 5"),
        (None, TypeError, "scope: name must be a str, got NoneType"),
        ("", ValueError, "scope: name must not be empty"),
        ("a/b", ValueError, "contains '/', which separates nested scopes"),
    ],
)
def test_bad_scope_names_are_refused_before_anything_opens(name, error, message):
    with pytest.raises(error, match=message):
        with scope(name):
            pass
    assert current_scope() == ()


def test_scope_name_joins_paths_with_slashes():
    assert scope_name(("MLP", "L0", "N3")) == "MLP/L0/N3" and scope_name(()) == ""


def test_an_mlp_call_opens_mlp_then_its_layers_then_their_neurons():
    model = nn.MLP(2, [3, 1], seed=0)
    y = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    assert y.scope == ("MLP", "L1", "N0")  # the last layer is linear: its dot node is the output
    hidden = y.parents[3 + 0]  # after the 3 weights, the inputs: layer 0's outputs
    assert hidden.op == "relu" and hidden.scope == ("MLP", "L0", "N0")
    assert [y.parents[3 + j].scope[-1] for j in range(3)] == ["N0", "N1", "N2"]
    assert y.scope.outer.outer is hidden.scope.outer.outer  # the same MLP block
    assert all(p.scope == () for p in model.parameters())  # made at construction, outside any call
    assert current_scope() == ()


def test_layers_and_neurons_called_alone_open_their_own_scopes():
    layer = nn.Layer(2, 2, seed=0, name="L4")
    out = layer([1.0, 2.0])
    assert [o.scope for o in out] == [("L4", "N0"), ("L4", "N1")]
    assert nn.Neuron(2, seed=0)([1.0, 2.0]).scope == ("N0",)
    with scope("outer"):
        assert nn.Neuron(2, seed=0, name="x.y.Q")([1.0, 2.0]).scope == ("outer", "Q")


def test_a_module_call_that_raises_leaves_no_scope_open():
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):  # refused inside the first neuron's scope
        model([float("inf"), 1.0])
    assert current_scope() == ()


@pytest.mark.parametrize("name", ["", "a/b"])
def test_module_names_that_cannot_name_a_scope_are_refused(name):
    with pytest.raises(ValueError, match="name must be a non-empty str without '/'"):
        nn.Layer(2, 2, name=name)
    with pytest.raises(ValueError, match="name must be a non-empty str without '/'"):
        nn.Neuron(2, name=name)


def test_compile_generates_the_same_code_with_and_without_scopes():
    model = nn.MLP(2, [4, 1], seed=3)
    params = model.parameters()

    def bare(a, b):
        w = params
        h = [(w[2 * j] * a + w[2 * j + 1] * b + w[8 + j]).relu() for j in range(4)]
        return autodiff.dot(w[12:16], h, w[16])

    def scoped(a, b):
        with scope("MLP"):
            with scope("L0"):
                h = []
                for j in range(4):
                    with scope(f"N{j}"):
                        h.append((params[2 * j] * a + params[2 * j + 1] * b + params[8 + j]).relu())
            with scope("L1"):
                return autodiff.dot(params[12:16], h, params[16])

    one = autodiff.compile(bare, [0.5, -1.0], params=params, name="f")
    two = autodiff.compile(scoped, [0.5, -1.0], params=params, name="f")
    assert one.source == two.source
    assert one(0.3, 0.7).value == two(0.3, 0.7).value
    # and a model's own scopes change nothing in what is traced
    via_model = autodiff.compile(lambda a, b: model([a, b]), [0.5, -1.0], params=params, name="f")
    with scope("outer"):
        inside = autodiff.compile(lambda a, b: model([a, b]), [0.5, -1.0], params=params, name="f")
    assert via_model.source == inside.source


def test_scopes_change_no_value_and_no_gradient():
    def run(scoped):
        model = nn.MLP(2, [3, 1], seed=1)
        x = [Value(0.5), Value(-0.25)]
        if scoped:
            with scope("outer"):
                y = model(x)
        else:
            y = model(x)
        y.backward()
        return [y.data] + [p.grad for p in model.parameters()] + [v.grad for v in x]

    assert run(True) == run(False)


def test_a_generator_suspended_inside_a_scope_is_the_documented_contextvar_limit():
    # the docstring says so; this pins the behaviour it describes, and that leaving the block ends it
    def gen():
        with scope("g"):
            yield 1

    it = gen()
    next(it)
    assert current_scope() == ("g",)
    with pytest.raises(StopIteration):
        next(it)
    assert current_scope() == ()
    assert "generator" in autodiff.scopes.__doc__
