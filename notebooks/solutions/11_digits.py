# Solutions to the exercises of notebooks/11_digits.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: adam-first-step
first_steps = [0.01 * 0.003 / (0.003 + 1e-8), 0.01 * 50 / (50 + 1e-8)]

# %% wrong: adam-first-step
first_steps = [0.01 * 0.003, 0.01 * 50]  # plain gradient descent's steps

# %% exercise: adam-step
def adam_step(p, m, v, g, t, lr, b1=0.9, b2=0.999, eps=1e-8):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m_hat / (v_hat**0.5 + eps), m, v


# %% wrong: adam-step
def adam_step(p, m, v, g, t, lr, b1=0.9, b2=0.999, eps=1e-8):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return p - lr * m / (v**0.5 + eps), m, v  # no bias correction


# %% exercise: grad-z
p = np.exp(scores0 - scores0.max())
grad_z = p / p.sum() - np.eye(10)[y_test[0]]

# %% wrong: grad-z
p = np.exp(scores0 - scores0.max())
grad_z = p / p.sum()  # the one-hot label not subtracted
