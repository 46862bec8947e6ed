"""autodiff.batched's fast paths: each gives the numbers of the general path, and is taken where it applies.

A batch reads an MLP layer's weights and adds their grads through a view of the parameter vector
where the weights lie as rows of a matrix (``nn.Layer``'s layout), keeps no local derivatives for a
sum, and reads the outputs by one index. A fast path
that is wrongly taken gives wrong numbers; one wrongly skipped gives the right numbers slowly, so
these tests check both: the numbers against numpy's, and the Plan's attributes that say which path
runs. The tapes are written by hand, in ``autodiff.compile``'s format: (kind, arg, parents).
"""

from __future__ import annotations

import pytest

import autodiff
from autodiff import Value, batched

np = pytest.importorskip("numpy")

SAMPLES = np.random.default_rng(29).normal(size=(5, 3))


def close(a, b):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-12 * np.maximum(1.0, np.abs(b))))


def layer_tape(n_inputs, weights, biases=None, consts=()):
    """A tape of one layer: neuron j is dot(p[weights[j]], x, p[biases[j]]); then x0 * c for each constant c."""
    tape = [("x", i, ()) for i in range(n_inputs)]
    at: dict[int, int] = {}

    def param(k):
        if k not in at:
            at[k] = len(tape)
            tape.append(("p", k, ()))
        return at[k]

    outputs = []
    for j, row in enumerate(weights):
        bias = [param(biases[j])] if biases is not None else []
        tape.append(("dot", "dot", (*[param(k) for k in row], *range(n_inputs), *bias)))
        outputs.append(len(tape) - 1)
    for c in consts:
        tape.append(("c", c, ()))
        tape.append(("*", "*", (0, len(tape) - 1)))
        outputs.append(len(tape) - 1)
    return tape, outputs


def run_layer(n_params, weights, biases=None, consts=()):
    """The layer's Plan and its numbers (values, input grads, parameter grads), checked against numpy's."""
    X = SAMPLES[:, : len(weights[0])]
    p = np.linspace(-1.0, 1.5, n_params)
    tape, outputs = layer_tape(X.shape[1], weights, biases, consts)
    plan = batched.Plan(np, tape, X.shape[1], n_params, outputs)
    V, U, saved, finite = plan.forward(X, p)
    seeds = np.arange(1.0, 1.0 + X.shape[0] * len(outputs)).reshape(X.shape[0], len(outputs))
    G, GU, ok = plan.backward(V, saved, seeds)
    assert finite and ok
    # numpy's: each neuron W @ x + b, then x0 * c
    W = p[np.array(weights)]
    b = p[np.array(biases)] if biases is not None else np.zeros(len(weights))
    want = np.concatenate([X @ W.T + b, X[:, :1] * np.array(consts)], axis=1)
    s, sc = seeds[:, : len(weights)], seeds[:, len(weights) :]
    want_gx = s @ W
    want_gx[:, 0] += sc @ np.array(consts, dtype=float)
    want_gp = np.zeros(n_params)
    np.add.at(want_gp, np.array(weights), s.T @ X)
    if biases is not None:
        np.add.at(want_gp, np.array(biases), s.sum(axis=0))
    assert close(plan.values(V, U), want)
    assert close(G[: X.shape[1]].T, want_gx)
    assert close(GU[:n_params], want_gp)
    (layer,) = [g.layer for g in plan.groups if g.key == "dot"]
    return plan, layer, U


def test_an_nn_layers_weights_are_read_and_their_grads_added_through_a_view():
    # nn.Layer's layout, after one parameter of something else: each neuron's 3 weights, then its bias;
    # the last bias is the last entry of U (no constants)
    plan, layer, U = run_layer(9, [[1, 2, 3], [5, 6, 7]], [4, 8])
    assert layer is not None  # the matrix products, not the general n-ary path
    assert layer.grid == (1, 4, 2, 3)  # start, stride, neurons, weights per neuron: U[1:9].reshape(2, 4)[:, :3]
    assert layer.b_at == slice(4, 9, 4)  # the biases as a view too
    assert layer.x_at == slice(0, 3) and layer.x_unique  # the inputs, rows 0..2 of V, as a view


def test_contiguous_weights_and_biases_are_views_too():
    # every neuron's weights in one run (stride = the weights per neuron), the biases after them, one apart
    _, layer, U = run_layer(6, [[0, 1], [2, 3]], [4, 5])
    assert layer.grid == (0, 2, 2, 2)
    assert layer.b_at == slice(4, 6, 1)


def test_a_layer_without_bias_is_still_a_layer():
    _, layer, U = run_layer(6, [[0, 1, 2], [3, 4, 5]])
    assert layer is not None and layer.b_idx is None
    assert layer.grid == (0, 3, 2, 3)


def test_one_neurons_bias_is_one_entry():
    _, layer, _ = run_layer(5, [[1, 2, 3]], [4])
    assert layer.grid == (1, 3, 1, 3)
    assert list(range(5))[layer.b_at] == [4]


@pytest.mark.parametrize(
    "n_params, weights, biases, consts, why",
    [
        # the rows in steps of 3 from 0, but the last row's step would run past U's end: gathered, not viewed
        (5, [[0, 1], [3, 4]], None, (), "past the end"),
        # the rows in reverse order (a step of -2)
        (5, [[2, 3], [0, 1]], None, (), "rows in reverse"),
        # each row's weights not adjacent (a neuron's weights interleaved with the next one's)
        (4, [[0, 2], [1, 3]], None, (), "interleaved"),
        # nn.Layer's layout but for the second neuron's weights, 3 and 5, with its bias 4 between them
        (6, [[0, 1], [3, 5]], [2, 4], (), "a row with a gap"),
    ],
)
def test_weights_that_are_not_a_matrixs_rows_are_gathered(n_params, weights, biases, consts, why):
    _, layer, U = run_layer(n_params, weights, biases, consts)
    assert layer.grid is None, why  # gathered by index


def test_a_matrix_whose_last_step_reaches_into_the_constants_is_a_view():
    # weights [0, 1] and [3, 4] in steps of 3 fit in U = 5 parameters and one constant (the step past
    # the last row reads the constant, and never uses it)
    _, layer, U = run_layer(5, [[0, 1], [3, 4]], None, (2.0,))
    assert len(U) == 6 and layer.grid == (0, 3, 2, 2)


@pytest.mark.parametrize(
    "biases, want",
    [([4, 5, 6], slice(4, 7, 1)), ([4, 8, 12], slice(4, 13, 4)), ([6, 5, 4], None), ([4, 5, 7], None)],
)
def test_biases_in_steps_of_one_size_are_read_as_a_slice(biases, want):
    weights = [[0, 1], [2, 3], [9, 10]]
    _, layer, _ = run_layer(13, weights, biases)
    if want is None:
        assert layer.b_at.tolist() == biases
    else:
        assert layer.b_at == want


def test_the_parents_of_an_elementwise_group_are_read_as_views_where_they_lie_in_order():
    # x_i * w_i for i = 0, 1, 2 (rows 0..2 of V, entries 0..2 of U), and x0 + w_i for i = 0, 1 (x0 shared)
    tape = [("x", 0, ()), ("x", 1, ()), ("x", 2, ()), *[("p", k, ()) for k in range(3)]]
    tape += [("*", "*", (i, 3 + i)) for i in range(3)] + [("+", "+", (0, 3 + i)) for i in range(2)]
    plan = batched.Plan(np, tape, 3, 3, list(range(6, 11)))
    p = np.array([0.5, -1.0, 2.0])
    V, U, saved, _ = plan.forward(SAMPLES, p)
    G, GU, _ = plan.backward(V, saved, np.ones((5, 5)))
    assert close(plan.values(V, U), np.concatenate([SAMPLES * p, SAMPLES[:, :1] + p[:2]], axis=1))
    assert close(G[:3].T, np.tile(p + [2.0, 0.0, 0.0], (5, 1))) and close(GU, SAMPLES.sum(axis=0) + [5.0, 5.0, 0.0])
    times, plus = ({g.key: g for g in plan.groups}[key] for key in ("*", "+"))
    x, w = times.sources
    assert x.span == slice(0, 3) and np.shares_memory(x.get(V, U), V)
    assert w.span == slice(0, 3) and np.shares_memory(w.get(V, U), U)
    x0, _ = plus.sources
    assert x0.shared and x0.get(V, U).shape == (1, 5) and np.shares_memory(x0.get(V, U), V)


def test_inputs_in_another_order_are_added_without_a_scatter():
    # each neuron reads x2 then x0: not a slice of V's rows, but each row once, so one fancy-indexed +=
    tape = [("x", 0, ()), ("x", 1, ()), ("x", 2, ()), *[("p", k, ()) for k in range(4)]]
    tape += [("dot", "dot", (3, 4, 2, 0)), ("dot", "dot", (5, 6, 2, 0))]
    plan = batched.Plan(np, tape, 3, 4, [7, 8])
    (layer,) = [g.layer for g in plan.groups if g.key == "dot"]
    assert layer.x_at.tolist() == [2, 0] and layer.x_unique
    V, U, saved, _ = plan.forward(SAMPLES, np.array([0.5, -1.0, 2.0, 0.25]))
    G, GU, _ = plan.backward(V, saved, np.ones((5, 2)))
    assert close(G[:3].T, np.tile([-1.0 + 0.25, 0.0, 0.5 + 2.0], (5, 1)))
    assert close(GU[:4], np.array([SAMPLES[:, 2].sum(), SAMPLES[:, 0].sum()] * 2))


def test_a_long_sum_keeps_no_local_derivatives():
    # sum's every local derivative is 1: backward adds the grad as it is, with no array of ones kept. Ops of
    # more than batched_code.WRITTEN_OUT inputs are run by the group itself (here 18: x0, x1, p0 six times)
    parents = (0, 1, 2) * 6
    tape = [("x", 0, ()), ("x", 1, ()), ("p", 0, ()), ("sum", "sum", parents), ("sum", "sum", parents[::-1])]
    tape += [("logsumexp", "logsumexp", parents)]
    plan = batched.Plan(np, tape, 2, 1, [3, 4, 5])
    V, U, saved, _ = plan.forward(SAMPLES[:, :2], (0.5,))
    groups = {g.key: g for g in plan.groups}
    assert "GROUP" in plan.code.text  # the groups' own forward and backward run, not written-out code
    assert groups["sum"].forward(np, V, U, 5) is None
    assert groups["logsumexp"].forward(np, V, U, 5).shape == (18, 1, 5)
    G, GU, _ = plan.backward(V, saved, np.ones((5, 3)))
    lse = plan.values(V, U)[:, 2]
    softmax = np.exp(V[[0, 1]] - lse)
    assert close(G[:2], 12.0 + 6.0 * softmax) and close(GU[:1], np.array([60.0 + 6.0 * np.exp(0.5 - lse).sum()]))


def test_outputs_in_rows_of_v_are_read_and_seeded_by_one_index():
    tape, outputs = layer_tape(3, [[0, 1, 2], [3, 4, 5]])
    plan = batched.Plan(np, tape, 3, 6, list(reversed(outputs)))
    rows = [g.start for g in plan.groups if g.key == "dot"]
    assert plan.out_rows == [rows[0] + 1, rows[0]]


def test_parameters_given_as_the_outputs_are_their_values_and_get_the_seeds():
    w = [Value(1.5), Value(-2.0)]
    c = autodiff.compile(lambda x: [w[1], w[0]], [1.0], w)
    got = c.batch([[2.0], [-1.0]], seed=np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert got.value.tolist() == [[-2.0, 1.5], [-2.0, 1.5]]
    assert got.input_grads.tolist() == [[0.0], [0.0]]
    assert got.param_grads == (2.0 + 4.0, 1.0 + 3.0)


def test_a_float64_parameter_array_is_taken_as_it_is_anything_else_is_checked():
    a = np.array([0.5, -1.0, 2.0])
    assert batched.finite_vector(np, a, 3) is a  # nn.fit's array: no copy, no float read one by one
    for other in (a.astype(np.float32), a[:2], a.reshape(1, 3), np.array([0.5, np.inf, 2.0]), a.tolist()):
        assert batched.finite_vector(np, other, 3) is None
    w = [Value(1.0, label="w0"), Value(2.0, label="w1")]
    c = autodiff.compile(lambda x: x * w[0] + w[1], [1.0], w)
    assert c.batch([[3.0]], params=np.array([2.0, 1.0], dtype=np.float32)).value.tolist() == [7.0]
    with pytest.raises(TypeError, match=r"takes 2 parameter values, got 3"):
        c.batch([[3.0]], params=np.array([2.0, 1.0, 0.0]))
    with pytest.raises(TypeError, match=r"parameter 0 \('w0'\) must be a real number .*got bool"):
        c.batch([[3.0]], params=np.array([True, False]))


LONG = {
    # more than batched_code.WRITTEN_OUT parents: run by the group itself (autodiff.batched's blocks)
    # inputs as dot's weights, the same in every node (one block read once, as a view), parameters as its inputs
    "a long dot, inputs as weights, with a bias": lambda x, w: [
        autodiff.dot(x[:9], w[0:9], w[9]),
        autodiff.dot(x[:9], w[1:10], w[0]),
    ],
    "a long dot, inputs as weights, no bias": lambda x, w: [autodiff.dot(x[:9], w[0:9]), autodiff.dot(x[:9], w[1:10])],
    # an input twice among the weights of every node: one block, its rows added with a scatter
    "a long dot, an input twice": lambda x, w: [
        autodiff.dot([x[0], *x[:8]], w[0:9]),
        autodiff.dot([x[0], *x[:8]], w[1:10]),
    ],
    # the inputs in another order, each once: one block, its rows gathered (no slice), added without a scatter
    "a long dot, inputs out of order": lambda x, w: [
        autodiff.dot(x[8::-1], w[0:9]),
        autodiff.dot(x[8::-1], w[1:10]),
    ],
    # 34 products, each in one of two sums, then two of them again: rows all different, read and added by index
    "long sums of distinct nodes": lambda x, w: (
        lambda ps: [autodiff.sum(ps[:17]), autodiff.sum(ps[17:]), ps[0] * ps[20]]
    )([x[i % 9] * w[i % 10] for i in range(34)]),
    # the same input in one position of every sum, parameters in the other: one row gets every node's grad
    "long sums, an input shared": lambda x, w: [autodiff.sum([x[0], w[0]] * 9), autodiff.sum([x[0], w[1]] * 9)],
    # inputs and parameters mixed in every sum, the inputs differing between the nodes, out of order
    "long sums of inputs and parameters": lambda x, w: [
        autodiff.sum([x[2], w[0]] * 9),
        autodiff.sum([x[0], w[1]] * 9),
    ],
}


@pytest.mark.parametrize("case", LONG)
def test_long_ops_read_and_add_each_block_as_eager_does(case):
    def f(x, w):
        outs = LONG[case](x, w)
        # every input and parameter used once more, by nodes made last: their grads gather terms from two
        # groups, so a group that set its parents' grads (=) instead of adding to them (+=) shows
        return autodiff.sum([o * (k + 1.0) for k, o in enumerate(outs)]) + autodiff.sum(x) * autodiff.sum(w)

    params = [0.1 * k - 0.4 for k in range(10)]
    ws = [Value(p) for p in params]
    c = autodiff.compile(lambda *x: f(list(x), ws), [1.0] * 9, ws)
    assert "GROUP" in c.batch_source()  # the groups' own forward and backward run
    rows = (SAMPLES.reshape(-1)[:9] * np.arange(1.0, 6.0)[:, None]).tolist()
    got = c.batch(rows)
    for i, row in enumerate(rows):
        vs, xs = [Value(p) for p in params], [Value(v) for v in row]
        out = f(xs, vs)
        out.backward()
        assert close(got.value[i : i + 1], np.array([out.data]))
        assert close(got.input_grads[i], np.array([x.grad for x in xs]))
    want = np.zeros(10)
    for row in rows:
        vs = [Value(p) for p in params]
        f([Value(v) for v in row], vs).backward()
        want += [v.grad for v in vs]
    assert close(np.array(got.param_grads), want)


def test_a_parameters_only_backward_computes_no_input_grads():
    # what training asks (Compiled.batch_grad): the parameters' grads alone, the inputs' rows of G left at 0
    tape, outputs = layer_tape(3, [[0, 1, 2], [4, 5, 6]], [3, 7])
    plan = batched.Plan(np, tape, 3, 8, outputs)
    V, U, saved, _ = plan.forward(SAMPLES, np.linspace(-1.0, 1.0, 8))
    seeds = np.ones((5, 2))
    G, GU, _ = plan.backward(V, saved, seeds)
    G2, GU2, _ = plan.backward(V, saved, seeds, input_grads=False)
    assert GU2.tolist() == GU.tolist() and np.abs(G[:3]).sum() > 0.0
    assert G2[:3].tolist() == np.zeros((3, 5)).tolist()
