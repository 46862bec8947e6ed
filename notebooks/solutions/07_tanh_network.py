# Solutions to the exercises of notebooks/07_tanh_network.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: dl-df
dLdf = [soft[k] - (1.0 if k == label else 0.0) for k in range(K)]

# %% wrong: dl-df
dLdf = [(1.0 if k == label else 0.0) - soft[k] for k in range(K)]  # the sign turned round

# %% exercise: dl-dv
def grad_V(dLdf, h):
    return [[dLdf[k] * h[j] for j in range(len(h))] for k in range(len(dLdf))]


# %% wrong: dl-dv
def grad_V(dLdf, h):
    return [[dLdf[k] for _ in h] for k in range(len(dLdf))]  # the h_j factor forgotten


# %% exercise: dl-dw
def grad_W(dLdf, V, h, x):
    back = [sum(V[k][j] * dLdf[k] for k in range(len(dLdf))) for j in range(len(h))]
    inner = [(1 - h[j] ** 2) * back[j] for j in range(len(h))]
    return [[inner[j] * xi for xi in x] for j in range(len(h))]


# %% wrong: dl-dw
def grad_W(dLdf, V, h, x):
    back = [sum(V[k][j] * dLdf[k] for k in range(len(dLdf))) for j in range(len(h))]
    return [[back[j] * xi for xi in x] for j in range(len(h))]  # tanh's factor 1 - h^2 left out


# %% exercise: momentum-step
def momentum_step(p, v, g, lr, mu):
    v = mu * v + g
    return p - lr * v, v


# %% wrong: momentum-step
def momentum_step(p, v, g, lr, mu):
    return p - lr * v, mu * v + g  # steps with the old velocity
