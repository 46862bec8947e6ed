# Solutions to the exercises of notebooks/extend_1_write_your_own_op.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: softsign-rule
def softsign_rule(x):
    return x / (1 + abs(x)), (1 / (1 + abs(x)) ** 2,)


# %% wrong: softsign-rule
def softsign_rule(x):
    return x / (1 + abs(x)), (1 / (1 + abs(x)),)  # the square of the quotient rule's denominator lost


# %% exercise: hypot-rule
def hypot_rule(a, b):
    h = math.hypot(a, b)
    return h, (a / h, b / h)


# %% wrong: hypot-rule
def hypot_rule(a, b):
    h = math.hypot(a, b)
    return h, (b / h, a / h)  # the two partials in the wrong order


# %% exercise: quiz
s_z = autodiff.sigmoid(z.data)
answers = [1.0, s_z, s_z]

# %% wrong: quiz
answers = [1.0, z.data, z.data]  # the value of z, not the local derivative sigmoid(z)
