# Solutions to the exercises of notebooks/extend_3_second_derivatives.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: d2-tanh
def d2_tanh(x):
    t = math.tanh(x)
    return -2 * t * (1 - t * t)


# %% wrong: d2-tanh
def d2_tanh(x):
    t = math.tanh(x)
    return -2 * t  # the inner derivative of tanh left out


# %% exercise: hessian-by-hand
H_by_hand = [2 * 2.0, 2 * 1.0, 2 * 1.0, 6 * 2.0]

# %% wrong: hessian-by-hand
H_by_hand = [2 * 1.0, 2 * 1.0, 2 * 1.0, 6 * 2.0]  # d2(x^2 y)/dx2 taken as 2x instead of 2y

# %% exercise: quiz
answers = [1.0, 1 - y.data**2, w.data]

# %% wrong: quiz
answers = [1.0, w.data, 1 - y.data**2]  # each factor's own value, not the other factor
