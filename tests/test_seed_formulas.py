"""Every closed-form gradient of the lecture notes, against the engine, to 1e-9.

Each test is named after the seed file (000 to 004) and the equations it checks:
the network is built from Values, ``backward()`` runs, and the grads of the
leaves (and of interior nodes, which hold d(loss)/d(node)) are compared with the
formula evaluated in plain floats.
"""

from __future__ import annotations

import math
import random

import pytest

import autodiff
import nn
from autodiff import Value

from .linalg import (
    add,
    close,
    data,
    grads,
    hadamard,
    matvec,
    one_hot,
    outer,
    rand_matrix,
    rand_vector,
    scale,
    softmax,
    sub,
    sum_,
    transpose,
    values,
)


@pytest.fixture
def rng():
    return random.Random(2024)


# ---------------------------------------------------------------- 000: notes on backpropagation


def test_000_eq3_eq4_linear_layer_squared_loss(rng):
    # f = W x + b, L = 1/2 ||y - f||^2: dL/df = f - y (4), dL/dW = (dL/df) x^T (3)
    Wf, bf, x, y = rand_matrix(rng, 3, 4), rand_vector(rng, 3), rand_vector(rng, 4), rand_vector(rng, 3)
    W, b = values(Wf, "W"), values(bf, "b")
    f = add(matvec(W, x), b)
    L = sum_(0.5 * (yi - fi) ** 2 for fi, yi in zip(f, y))
    L.backward()
    dLdf = sub(data(f), y)
    assert close([v.grad for v in f], dLdf)
    assert close(grads(W), outer(dLdf, x))
    assert close(grads(b), dLdf)


def _two_layer(rng, relu: bool):
    x, y = rand_vector(rng, 3), rand_vector(rng, 2)
    W1, b1 = values(rand_matrix(rng, 4, 3), "W1"), values(rand_vector(rng, 4), "b1")
    W2, b2 = values(rand_matrix(rng, 2, 4), "W2"), values(rand_vector(rng, 2), "b2")
    a = add(matvec(W1, x), b1)
    h = [v.relu() for v in a] if relu else a
    f = add(matvec(W2, h), b2)
    return x, y, W1, b1, W2, b2, a, h, f


def test_000_eq5_to_eq11_two_layer_linear_net(rng):
    x, y, W1, b1, W2, b2, _, h, f = _two_layer(rng, relu=False)
    L = sum_(0.5 * (yi - fi) ** 2 for fi, yi in zip(f, y))
    L.backward()
    fy = sub(data(f), y)
    W2t_fy = matvec(transpose(data(W2)), fy)
    assert close(grads(W2), outer(fy, data(h)))  # (7)
    assert close([v.grad for v in h], W2t_fy)  # (8)
    assert close(grads(b2), fy)  # (9)
    assert close(grads(W1), outer(W2t_fy, x))  # (10)
    assert close(grads(b1), W2t_fy)  # (11)


def test_000_eq12_to_eq20_two_layer_relu_regression(rng):
    x, y, W1, b1, W2, b2, a, h, f = _two_layer(rng, relu=True)
    L = sum_(0.5 * (yi - fi) ** 2 for fi, yi in zip(f, y))
    L.backward()
    fy = sub(data(f), y)
    mask = [1.0 if v.data > 0 else 0.0 for v in a]  # 1(h > 0)
    assert 0 < sum(mask) < len(mask), "the example should have active and inactive units"
    dh = matvec(transpose(data(W2)), fy)  # (15)
    assert close(grads(W2), outer(fy, data(h)))  # (14)
    assert close(grads(b2), fy)  # (16)
    assert close(grads(W1), outer(hadamard(mask, dh), x))  # (17), (18)
    assert close(grads(b1), hadamard(mask, dh))  # (19), (20): the notes' b_2 there is b_1


def test_000_eq21_to_eq31_relu_net_softmax_log_loss(rng):
    x, _, W1, b1, W2, b2, a, h, f = _two_layer(rng, relu=True)
    label = 1
    L = nn.cross_entropy(f, label)  # -log softmax(f)_y
    L.backward()
    p = softmax(data(f))
    dLdf = sub(p, one_hot(label, 2))  # (24): p - e_y
    mask = [1.0 if v.data > 0 else 0.0 for v in a]
    dh = matvec(transpose(data(W2)), dLdf)
    assert close([v.grad for v in f], dLdf)
    assert close(grads(W2), outer(dLdf, data(h)))  # (25)
    assert close([v.grad for v in h], dh)  # (26)
    assert close(grads(b2), dLdf)  # (27)
    assert close(grads(W1), outer(hadamard(mask, dh), x))  # (28), (29)
    assert close(grads(b1), hadamard(mask, dh))  # (30), (31)


# ---------------------------------------------------------------- 001: DS 5220 lecture 15


@pytest.mark.parametrize("depth", [1, 2, 5, 12])
def test_001_eq1_to_eq3_linear_scalar_chain(rng, depth):
    # f = w_L ... w_1 x, l = (f - y)^2: dl/dw_i = 2 (f - y) x prod_{j != i} w_j
    ws = [Value(rng.uniform(0.5, 1.5), f"w{i + 1}") for i in range(depth)]
    x, y = 0.8, 0.3
    z = [Value(x, "x")]
    for w in ws:
        z.append(w * z[-1])  # z_{i+1} = w_i z_i
    f = z[-1]
    loss = (f - y) ** 2
    loss.backward()
    fd = math.prod(w.data for w in ws) * x
    for i, w in enumerate(ws):
        others = math.prod(v.data for j, v in enumerate(ws) if j != i)
        assert close(w.grad, 2 * (fd - y) * others * x)
    # (3): dl/dz_i = dl/dz_{i+1} w_i, starting from dl/df = 2 (f - y)
    expected = 2 * (fd - y)
    for i in range(depth, -1, -1):
        assert close(z[i].grad, expected)
        if i:
            expected *= ws[i - 1].data


def test_001_eq4_to_eq7_two_layer_relu_regression(rng):
    # f = sigma(W1^T x + b1)^T W2 with W1 p x d1; l = (f - y)^2
    # grad_W2 = 2 (f - y) sigma(W1^T x + b1); grad_W1 = 2 (f - y) x (sigma'(.) . W2)^T
    # (the notes' (6) and (7) print "2f(x) - y", a typo for 2(f(x) - y))
    p, d1 = 3, 5
    x, y = rand_vector(rng, p), 0.4
    W1, b1, W2 = (
        values(rand_matrix(rng, p, d1), "W1"),
        values(rand_vector(rng, d1), "b1"),
        values(rand_vector(rng, d1), "W2"),
    )
    pre = add(matvec(transpose(W1), x), b1)
    o = [v.relu() for v in pre]
    f = sum_(oi * wi for oi, wi in zip(o, W2))
    loss = (f - y) ** 2
    loss.backward()
    r = 2 * (f.data - y)
    dsig = [1.0 if v.data > 0 else 0.0 for v in pre]
    assert close(grads(W2), scale(r, data(o)))
    assert close(grads(W1), outer(scale(r, x), hadamard(dsig, data(W2))))
    assert close(grads(b1), scale(r, hadamard(dsig, data(W2))))


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_001_eq8_to_eq11_layer_recursion(rng, act):
    # z_{i+1} = W_{i+1}^T o_i + b_{i+1}, o_i = sigma(z_i):
    # dl/dz_i = diag(sigma'(z_i)) W_{i+1} dl/dz_{i+1} (11); dl/dW_{i+1} = o_i (dl/dz_{i+1})^T
    sizes = [3, 4, 4, 2]
    x = rand_vector(rng, sizes[0])
    Ws = [values(rand_matrix(rng, sizes[i], sizes[i + 1]), f"W{i + 1}") for i in range(3)]
    bs = [values(rand_vector(rng, sizes[i + 1]), f"b{i + 1}") for i in range(3)]
    sig = {"tanh": lambda v: v.tanh(), "sigmoid": lambda v: v.sigmoid(), "relu": lambda v: v.relu()}[act]
    dsig = {
        "tanh": lambda z: 1 - math.tanh(z) ** 2,
        "sigmoid": lambda z: (1 / (1 + math.exp(-z))) * (1 - 1 / (1 + math.exp(-z))),
        "relu": lambda z: 1.0 if z > 0 else 0.0,
    }[act]
    o, zs, os_ = x, [], [x]
    for i in range(3):
        z = add(matvec(transpose(Ws[i]), o), bs[i])
        zs.append(z)
        o = [sig(v) for v in z] if i < 2 else z  # linear output
        os_.append(o)
    target = [0.2, -0.1]
    loss = sum_((oi - t) ** 2 for oi, t in zip(o, target))
    loss.backward()
    dz = [2 * (v.data - t) for v, t in zip(zs[-1], target)]
    for i in range(2, -1, -1):
        assert close([v.grad for v in zs[i]], dz)
        prev = os_[i] if i == 0 else data(os_[i])
        assert close(grads(Ws[i]), outer(prev, dz))  # dl/dW_{i+1} = o_i (dl/dz_{i+1})^T
        if i:
            back = matvec(data(Ws[i]), dz)  # W_{i+1} dl/dz_{i+1}
            dz = hadamard([dsig(v.data) for v in zs[i - 1]], back)


@pytest.mark.parametrize("w, trend", [(0.5, "vanishing"), (1.5, "exploding")])
def test_001_vanishing_and_exploding_gradients_in_a_linear_chain(w, trend):
    # df/dx = prod w_i = w^L: shrinks or grows geometrically with depth L
    mags = []
    for depth in (5, 10, 20, 40):
        x = Value(1.0)
        f = x
        for _ in range(depth):
            f = f * w
        f.backward()
        assert close(x.grad, w**depth)
        mags.append(abs(x.grad))
    assert mags == sorted(mags, reverse=(trend == "vanishing"))


def test_001_sigmoid_chain_gradient_vanishes_at_least_like_quarter_power():
    for depth in (2, 8, 16):
        x = Value(0.3)
        f = x
        for _ in range(depth):
            f = f.sigmoid()
        f.backward()
        assert 0 < x.grad <= 0.25**depth  # sigmoid' <= 1/4


# ---------------------------------------------------------------- 002: foundations, backpropagation


def test_002_chain_rule_and_gradient_chain_rule(rng):
    # grad [f(g(x))] = Dg(x)^T grad f(g(x)), g: R^2 -> R^3, f: R^3 -> R
    x = [0.4, -0.7]
    xs = values(x, "x")
    g = [xs[0] * xs[1], xs[0].exp(), (xs[1] * 2.0).tanh()]
    f = g[0] * g[1] + g[2] ** 2
    f.backward()
    gd = [v.data for v in g]
    grad_f = [gd[1], gd[0], 2 * gd[2]]
    Dg = [[x[1], x[0]], [math.exp(x[0]), 0.0], [0.0, 2 * (1 - math.tanh(2 * x[1]) ** 2)]]
    assert close(grads(xs), matvec(transpose(Dg), grad_f))
    assert close([v.grad for v in g], grad_f)


def test_002_losses_mse_mae_hinge_bce():
    yhat, y = [0.3, -1.2, 2.0], [1.0, -1.0, 1.5]
    n = 3
    for loss, d in [
        (nn.mse, lambda f, t: 2 * (f - t) / n),
        (nn.mae, lambda f, t: math.copysign(1, f - t) / n),
    ]:
        vs = values(yhat)
        loss(vs, y).backward()
        assert close(grads(vs), [d(f, t) for f, t in zip(yhat, y)])
    labels = [1, -1, -1]
    vs = values(yhat)
    nn.hinge(vs, labels).backward()
    assert close(grads(vs), [(-t / n if 1 - f * t > 0 else 0.0) for f, t in zip(yhat, labels)])
    probs, b = [0.8, 0.3, 0.55], [1, 0, 1]
    vs = values(probs)
    nn.binary_cross_entropy(vs, b).backward()
    assert close(grads(vs), [(-t / p + (1 - t) / (1 - p)) / n for p, t in zip(probs, b)])


def test_002_softmax_jacobian_diag_p_minus_ppT():
    z = [0.3, -0.2, 1.1, 0.0]
    p = softmax(z)
    for i in range(4):
        zs = values(z)
        nn.softmax(zs)[i].backward()
        assert close(grads(zs), [(p[i] if i == j else 0.0) - p[i] * p[j] for j in range(4)])


def test_002_single_layer_dz_dW_is_phi_prime_times_x(rng):
    # z_k = phi(g_k(W, x)); dz_k/dW_ij = phi'(g_k) x_j if i = k else 0
    W, x = values(rand_matrix(rng, 3, 2), "W"), [0.5, -1.5]
    g = matvec(W, x)
    z = [v.tanh() for v in g]
    k = 1
    z[k].backward()
    expected = [[(1 - math.tanh(g[k].data) ** 2) * x[j] if i == k else 0.0 for j in range(2)] for i in range(3)]
    assert close(grads(W), expected)


# ---------------------------------------------------------------- 003: feed-forward networks


def _ffn(rng, m, g="sigmoid"):
    # a_k = W_k h_{k-1} + b_k, h_k = g(a_k), y_hat = softmax(a_L): sizes 3 -> 4 -> 4 -> 3
    sizes = [3, 4, 4, 3]
    Ws = [values(rand_matrix(rng, sizes[k + 1], sizes[k]), f"W{k + 1}") for k in range(3)]
    bs = [values(rand_vector(rng, sizes[k + 1]), f"b{k + 1}") for k in range(3)]
    X = [rand_vector(rng, 3) for _ in range(m)]
    act = (lambda v: v.sigmoid()) if g == "sigmoid" else (lambda v: v.tanh())
    runs = []
    for x in X:
        h, hs, as_ = x, [x], []
        for k in range(3):
            a = add(matvec(Ws[k], h), bs[k])
            as_.append(a)
            if k < 2:
                h = [act(v) for v in a]
                hs.append(h)
        runs.append((hs, as_))
    return Ws, bs, X, runs


@pytest.mark.parametrize("g", ["sigmoid", "tanh"])
def test_003_single_example_backprop_equations(rng, g):
    Ws, bs, X, runs = _ffn(rng, 1, g)
    hs, as_ = runs[0]
    label = 2
    loss = nn.cross_entropy(as_[-1], label)
    loss.backward()
    yhat = softmax(data(as_[-1]))
    grad_a = [-(e - p) for e, p in zip(one_hot(label, 3), yhat)]  # grad a_L = -(e_l - y_hat)
    gprime = (lambda h: h * (1 - h)) if g == "sigmoid" else (lambda h: 1 - h * h)  # g' = g(1-g), 1-g^2
    for k in range(2, -1, -1):
        assert close([v.grad for v in as_[k]], grad_a)
        h_prev = hs[k] if k == 0 else data(hs[k])
        assert close(grads(Ws[k]), outer(grad_a, h_prev))  # grad W_k = grad a_k h_{k-1}^T
        assert close(grads(bs[k]), grad_a)  # grad b_k = grad a_k
        if k:
            back = matvec(transpose(data(Ws[k])), grad_a)  # W_{k+1}^T grad a_{k+1}
            grad_a = hadamard(back, [gprime(h) for h in data(hs[k])])  # (.) g'(a_k)


def test_003_batched_gradient_is_mean_of_yhat_minus_E(rng):
    m = 4
    Ws, bs, X, runs = _ffn(rng, m)
    labels = [0, 2, 1, 2]
    loss = nn.cross_entropy([as_[-1] for _, as_ in runs], labels)
    loss.backward()
    for (_, as_), label in zip(runs, labels):
        yhat = softmax(data(as_[-1]))
        assert close([v.grad for v in as_[-1]], scale(1 / m, sub(yhat, one_hot(label, 3))))  # (1/m)(Y_hat - E)
    # grad W_L = grad A_L H_{L-1}^T summed over the batch; grad b_L = grad A_L 1_m
    gW = [[0.0] * 4 for _ in range(3)]
    gb = [0.0] * 3
    for (hs, as_), label in zip(runs, labels):
        ga = scale(1 / m, sub(softmax(data(as_[-1])), one_hot(label, 3)))
        gW = [[gW[i][j] + ga[i] * hs[2][j].data for j in range(4)] for i in range(3)]
        gb = add(gb, ga)
    assert close(grads(Ws[2]), gW)
    assert close(grads(bs[2]), gb)


@pytest.mark.parametrize("z", [-3.0, -0.4, 0.0, 0.7, 4.0])
def test_003_activation_derivatives(z):
    s = Value(z)
    s.sigmoid().backward()
    g = 1 / (1 + math.exp(-z))
    assert close(s.grad, g * (1 - g))
    t = Value(z)
    t.tanh().backward()
    assert close(t.grad, 1 - math.tanh(z) ** 2)


# ---------------------------------------------------------------- 004: back propagation (Domke)


def test_004_hw2_net_all_gradients(rng):
    # f = c + V tanh(b + W x), L = -f_y + log sum_k exp(f_k), built as an nn.MLP
    p, M, K = 3, 5, 4
    net = nn.MLP(p, [M, K], activation="tanh", seed=11)
    x, label = rand_vector(rng, p), 2
    f = net(x)
    L = nn.cross_entropy(f, label)
    L.backward()
    W = [n.w for n in net.layers[0].neurons]
    b = [n.b for n in net.layers[0].neurons]
    V = [n.w for n in net.layers[1].neurons]
    c = [n.b for n in net.layers[1].neurons]
    h = [math.tanh(sum(wi.data * xi for wi, xi in zip(row, x)) + bi.data) for row, bi in zip(W, b)]
    fd = [sum(vi.data * hi for vi, hi in zip(row, h)) + ci.data for row, ci in zip(V, c)]
    assert close(data(f), fd)
    dLdf = add(scale(-1.0, one_hot(label, K)), softmax(fd))  # -e_y + g(f)
    assert close([v.grad for v in f], dLdf)
    assert close(grads(c), dLdf)  # dL/dc = dL/df
    assert close(grads(V), outer(dLdf, h))  # dL/dV = dL/df h^T
    inner = hadamard([1 - hi * hi for hi in h], matvec(transpose(data(V)), dLdf))
    assert close(grads(b), inner)  # dL/db = sigma'(b + W x) (.) (V^T dL/df)
    assert close(grads(W), outer(inner, x))  # dL/dW = (...) x^T


def test_004_forward_on_a_dag_and_v1_equals_v2():
    # x_i <- g_i(x_Pa(i)); backprop V1 (pull) and V2 (push) agree on every node
    def build():
        x1, x2 = Value(0.7, "x1"), Value(-0.4, "x2")
        x3 = x1 * x2
        x4 = x3.exp() + x1
        x5 = x4 * x3 + x2.tanh()
        return [x1, x2, x3, x4, x5]

    push, pull = build(), build()
    push[-1].backward("push")
    pull[-1].backward("pull")
    assert [v.grad for v in push] == [v.grad for v in pull]
    assert autodiff.gradcheck(lambda a, b: build_from(a, b), [0.7, -0.4])


def build_from(x1, x2):
    x3 = x1 * x2
    x4 = x3.exp() + x1
    return x4 * x3 + x2.tanh()


def test_004_gradient_costs_about_as_much_as_the_function():
    # one multiply-add per edge backward; forward evaluates each node once over the same edges
    x = [Value(0.1 * i) for i in range(20)]
    f = autodiff.sum(v.tanh() * v for v in x)
    edges = sum(len(v.parents) for v in autodiff.topological_order(f))
    steps = list(autodiff.backward_steps(f))
    assert len(steps) - 1 == edges
