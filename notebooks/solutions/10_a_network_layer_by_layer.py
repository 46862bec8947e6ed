# Solutions to the exercises of notebooks/10_a_network_layer_by_layer.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: off-count
off_in_L0 = 9

# %% wrong: off-count
off_in_L0 = 7

# %% exercise: delta-back
def delta_back(W_next, delta_next, z_here):
    back = [sum(W_next[k][j] * delta_next[k] for k in range(len(delta_next))) for j in range(len(z_here))]
    return [b if zj > 0 else 0.0 for zj, b in zip(z_here, back)]


# %% wrong: delta-back
def delta_back(W_next, delta_next, z_here):
    return [sum(W_next[k][j] * delta_next[k] for k in range(len(delta_next))) for j in range(len(z_here))]  # no relu'


# %% exercise: weight-grad
grads_w = [deltas[1][3] * max(0.0, z[0, 5].data), deltas[1][3] * max(0.0, z[0, 0].data)]

# %% wrong: weight-grad
grads_w = [deltas[1][3] * z[0, 5].data, deltas[1][3] * z[0, 0].data]  # z where the output o = relu(z) belongs


# %% exercise: quiz
answers = [1.0, relus["L1", "N0"].data, relus["L1", "N1"].data]

# %% wrong: quiz
# the z of L1/N0 (negative), where its output relu(z) = 0 is asked
answers = [1.0, relus["L1", "N0"].parents[0].data, relus["L1", "N1"].parents[0].data]
