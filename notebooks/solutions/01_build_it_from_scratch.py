# Solutions of notebook 01 · Build it from scratch (the test suite runs each exercise cell blank,
# with the planted wrong answer, then with the solution, and checks what its check cell says).

# %% exercise: hand-backprop
# dL/dd = f = -2 and dL/df = d = 4; + passes dL/dd on to e and c; * multiplies by the other factor
grads_by_hand = [-2.0 * 2.0, -2.0, 4.0]

# %% wrong: hand-backprop
grads_by_hand = [2.0, 1.0, 4.0]  # local derivatives only: forgot to multiply by dL/de = -2

# %% exercise: sigmoid
def sigmoid(a):
    s = 1 / (1 + math.exp(-a.data))
    return V(s, (a,), (s * (1 - s),))  # d sigma/da = sigma (1 - sigma)

# %% wrong: sigmoid
def sigmoid(a):
    s = 1 / (1 + math.exp(-a.data))
    return V(s, (a,), (1 - s * s,))  # tanh's rule, not sigmoid's

# %% exercise: plus-equals
def update(parent_grad, local, node_grad):
    return parent_grad + local * node_grad

# %% wrong: plus-equals
def update(parent_grad, local, node_grad):
    return parent_grad + local  # forgets to multiply by the grad that arrived
