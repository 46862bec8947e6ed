# Solutions of notebook 05 · A two-layer ReLU network for regression (the test suite runs each exercise
# cell blank, with the planted wrong answer, then with the solution, and checks what its check cell says).

# %% exercise: one-entry
# (W1)_ij -> a_i (factor x_j) -> h_i (passed if a_i > 0) -> every output f_k (factor (W2)_ki) -> L (f_k - y_k)
grad_W1_ij = sum(r[k] * W2d[k][i] for k in range(m)) * mask[i] * x[j]

# %% wrong: one-entry
grad_W1_ij = r[0] * W2d[0][i] * mask[i] * x[j]  # only the first output's path

# %% exercise: matrix-rule
def grad_B(G, C):
    return matmul(G, transpose(C))  # (2x4)(4x3) = 2x3, the shape of B

# %% wrong: matrix-rule
def grad_B(G, C):
    return matmul(G, C)  # no transpose: (2x4)(3x4) does not exist

# %% exercise: training-loop
def train_by_hand(model, X, Y, lr, steps):
    losses = []
    for _ in range(steps):
        loss = nn.mse([model(x) for x in X], Y)
        losses.append(loss.data)
        model.zero_grad()  # backward adds into p.grad: start each step from 0
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
    return losses

# %% wrong: training-loop
def train_by_hand(model, X, Y, lr, steps):
    losses = []
    for _ in range(steps):
        loss = nn.mse([model(x) for x in X], Y)
        losses.append(loss.data)
        loss.backward()  # the bug of the cell above: no zero_grad
        for p in model.parameters():
            p.data -= lr * p.grad
    return losses
