# Solutions to the exercises of notebooks/09_losses.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: hinge-grad
def hinge_grad(yhat, y):
    return -y if y * yhat < 1 else 0.0


# %% wrong: hinge-grad
def hinge_grad(yhat, y):
    return -y  # forgets that the loss is flat once y * yhat >= 1


# %% exercise: bce-logits-grad
def bce_logits_grad(z, y):
    return 1 / (1 + math.exp(-z)) - y


# %% wrong: bce-logits-grad
def bce_logits_grad(z, y):
    return 1 / (1 + math.exp(-z)) - 1  # right for y = 1 only


# %% exercise: vjp
dL_dp = [-1 / p[1] if i == 1 else 0.0 for i in range(3)]
grad_z = [sum(dL_dp[i] * jac[i][j] for i in range(3)) for j in range(3)]

# %% wrong: vjp
dL_dp = [1 / p[1] if i == 1 else 0.0 for i in range(3)]  # the minus sign of -log lost
grad_z = [sum(dL_dp[i] * jac[i][j] for i in range(3)) for j in range(3)]
