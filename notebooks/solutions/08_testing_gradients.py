# Solutions to the exercises of notebooks/08_testing_gradients.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: central-difference
def central_difference(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# %% wrong: central-difference
def central_difference(f, x, eps=1e-6):
    return (f(x + eps) - f(x)) / eps  # the forward difference: an error of order eps


# %% exercise: threshold
threshold = 1e-5 / (1e-3 - 1e-4)

# %% wrong: threshold
threshold = 1e-5 / 1e-3  # rtol's share forgotten

# %% exercise: silu-grad
def silu_grad(x):
    s = 1 / (1 + math.exp(-x))
    return s + x * s * (1 - s)


# %% wrong: silu-grad
def silu_grad(x):
    s = 1 / (1 + math.exp(-x))
    return x * s * (1 - s)  # the first term of the product rule is missing
