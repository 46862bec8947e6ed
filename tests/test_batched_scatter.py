"""A batch adds each gradient into its parent's row once per use, also where one group of nodes reads the
same parent more than once (a weight shared by two neurons, an input used twice in one layer, a parameter
inside sum, dot or logsumexp): autodiff.batched's scatter paths, each against eager mode's numbers."""

from __future__ import annotations

import pytest

import autodiff
from autodiff import Value, dot, logsumexp

np = pytest.importorskip("numpy")

ROWS = [[0.3, -1.2, 0.7, 0.1], [1.5, 0.25, -0.4, -2.0], [-0.8, 0.9, 2.0, 0.6], [0.0, -0.5, 1.1, 1.0]]
PARAMS = [0.5, -0.75, 1.25, 0.2, -1.5]


def weighted(nodes):
    # distinct weights, so that a gradient sent to the wrong node or dropped shows
    return autodiff.sum([n * (k + 1.0) for k, n in enumerate(nodes)])


CASES = {
    # an MLP-shaped layer (one matrix product): w0 in three neurons, w1 in two, one bias for all
    "shared weights and bias": lambda x, w: weighted(
        [dot([w[0], w[1]], x[:2], w[4]).tanh(), dot([w[2], w[0]], x[:2], w[4]).tanh(), dot([w[0], w[1]], x[:2], w[4])]
    ),
    # an input as every neuron's bias: no matrix product (its bias is no parameter), the n-ary path
    "an input as the bias": lambda x, w: weighted([dot([w[0], w[1]], x[:2], x[2]), dot([w[2], w[3]], x[:2], x[2])]),
    # every neuron reads x0 twice (the same inputs for all: still one matrix product)
    "an input used twice in one layer": lambda x, w: weighted(
        [dot([w[0], w[1], w[2]], [x[0], x[0], x[1]], w[3]), dot([w[3], w[4], w[0]], [x[0], x[0], x[1]], w[1])]
    ),
    # the inputs out of order, each once: rows gathered, not a slice
    "inputs in another order": lambda x, w: weighted(
        [dot([w[0], w[1]], [x[2], x[0]]).tanh(), dot([w[2], w[3]], [x[2], x[0]]).tanh()]
    ),
    "parameters inside sum": lambda x, w: weighted(
        [autodiff.sum([w[0], x[0], w[1]]), autodiff.sum([w[1], x[1], w[1]]), autodiff.sum([w[2], x[2], w[0]])]
    ),
    # a parameter and an input in the same places in every sum: columns alike, yet not all rows of V
    "the same parameter and input in every sum": lambda x, w: weighted(
        [autodiff.sum([w[0], x[0]]), autodiff.sum([w[0], x[0]]), autodiff.sum([w[0], x[0]])]
    ),
    "only parameters inside sum, one shared": lambda x, w: (
        weighted([autodiff.sum([w[0], w[1]]), autodiff.sum([w[1], w[2]])]) * x[0]
    ),
    "only parameters inside sum, none shared": lambda x, w: (
        weighted([autodiff.sum([w[0], w[1]]), autodiff.sum([w[2], w[3]])]) * x[0]
    ),
    "parameters inside logsumexp": lambda x, w: weighted(
        [logsumexp([x[0], w[0], x[1]]), logsumexp([x[1], w[0], x[0]]), logsumexp([x[2], w[1], x[2]])]
    ),
    # each neuron's weights unique but not a matrix's rows in U (w0 w2, then w1 w3): gathered, and their grads
    # added by index, not through a view
    "weights that are not a matrix's rows": lambda x, w: weighted(
        [dot([w[0], w[2]], x[:2], w[4]).tanh(), dot([w[1], w[3]], x[:2], w[4]).tanh()]
    ),
    # parameters as dot's inputs and inputs as its weights: no matrix product, the n-ary path
    "parameters as dot's inputs": lambda x, w: weighted(
        [dot([x[0], x[1]], [w[0], w[1]], w[2]), dot([x[1], x[1]], [w[1], w[0]], w[2])]
    ),
    "parameters as dot's inputs, no bias": lambda x, w: weighted(
        [dot([x[0], x[1]], [w[0], w[1]]), dot([x[1], x[2]], [w[1], w[1]])]
    ),
    "different inputs in each sum": lambda x, w: (
        weighted([autodiff.sum([x[0], x[1]]), autodiff.sum([x[2], x[3]])]) * w[0]
    ),
    "the same inputs in every sum": lambda x, w: (
        weighted([autodiff.sum([x[0], x[1]]), autodiff.sum([x[0], x[1]])]) * w[0]
    ),
    "the same inputs in every sum, out of order": lambda x, w: (
        weighted([autodiff.sum([x[1], x[0]]), autodiff.sum([x[1], x[0]])]) * w[0]
    ),
    "one input twice in every sum": lambda x, w: (
        weighted([autodiff.sum([x[0], x[0]]), autodiff.sum([x[0], x[0]])]) * w[0]
    ),
    "inputs crossed between sums": lambda x, w: (
        weighted([autodiff.sum([x[0], x[1]]), autodiff.sum([x[1], x[0]]), autodiff.sum([x[2], x[2]])]) * w[0]
    ),
    # one op at one level, read by several nodes: a binary group's parents
    "one parameter in every product": lambda x, w: weighted([x[0] * w[0], x[1] * w[0], x[2] * w[0]]),
    "one input in every product": lambda x, w: weighted([x[0] * w[0], x[0] * w[1], x[0] * w[2]]),
    "an input in two of three products": lambda x, w: weighted([x[0] * w[0], x[1] * w[1], x[0] * w[2]]),
    "inputs in another order, each once": lambda x, w: weighted([x[2] * w[0], x[0] * w[1]]),
}


def eager(f, rows, params):
    """Each sample with Values: its output, its input gradients, and the parameter gradients summed."""
    ws = [Value(p) for p in params]
    values, input_grads = [], []
    for row in rows:
        xs = [Value(v) for v in row]
        out = f(xs, ws)
        out.backward()
        values.append(out.data)
        input_grads.append([x.grad for x in xs])
    return values, input_grads, [w.grad for w in ws]


def again(f):
    # every input and parameter used once more, by nodes made last: its gradient gathers terms from two
    # groups, so a group that set its parents' grads (=) instead of adding to them (+=) shows
    return lambda x, w: f(x, w) + autodiff.sum(x) * autodiff.sum(w)


@pytest.mark.parametrize("case", CASES)
def test_a_batch_sends_every_use_of_a_shared_parent_its_gradient(case):
    f = again(CASES[case])
    ws = [Value(p) for p in PARAMS]
    c = autodiff.compile(lambda *x: f(list(x), ws), [1.0] * 4, ws)
    got = c.batch(ROWS)
    values, input_grads, param_grads = eager(f, ROWS, PARAMS)
    assert np.allclose(got.value, values, rtol=1e-12, atol=1e-12)
    assert np.allclose(got.input_grads, input_grads, rtol=1e-12, atol=1e-12)
    assert np.allclose(got.param_grads, param_grads, rtol=1e-12, atol=1e-12)
    assert any(g != 0.0 for g in param_grads)  # the parameters are in the graph


def test_an_output_given_twice_gets_both_seeds():
    w = Value(1.5)

    def f(x):
        y = x * w
        return [y, y, w, w]  # one node twice, one parameter twice

    c = autodiff.compile(f, [1.0], [w])
    got = c.batch([[2.0], [-1.0]], seed=np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]))
    assert got.input_grads.tolist() == [[3.0 * 1.5], [3.0 * 1.5]]
    assert got.param_grads == (3.0 * (2.0 - 1.0) + 2 * (3.0 + 4.0),)


def test_a_user_primitive_written_with_operators_runs_on_the_whole_batch():
    from autodiff import primitives

    saved = dict(primitives.REGISTERED)
    try:

        @autodiff.primitive("cube_for_batches")
        def cube(x):
            return x * x * x, (3.0 * x * x,)  # operators only: it takes numpy arrays as well as floats

        w = Value(0.5)
        c = autodiff.compile(lambda x, y: cube(x * w) + cube(y), [1.0, 1.0], [w])
        got = c.batch([[2.0, 1.0], [-1.0, 3.0]])
        assert got.value.tolist() == [1.0 + 1.0, -0.125 + 27.0]
        assert got.input_grads.tolist() == [[3.0 * 1.0 * 0.5, 3.0], [3.0 * 0.25 * 0.5, 27.0]]
        assert got.param_grads == (3.0 * 1.0 * 2.0 + 3.0 * 0.25 * -1.0,)
    finally:
        primitives.REGISTERED.clear()
        primitives.REGISTERED.update(saved)
