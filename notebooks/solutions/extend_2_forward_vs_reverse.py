# Solutions to the exercises of notebooks/extend_2_forward_vs_reverse.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: jvp-by-hand
tangent = (1 * 2 + 3 * -1) + 2 * 3 * 1

# %% wrong: jvp-by-hand
tangent = 1 * 2 + 2 * 3 * 1  # the product's tangent with y's term missing

# %% exercise: cheaper
def cheaper(n, m):
    return "forward" if n < m else "reverse"


# %% wrong: cheaper
def cheaper(n, m):
    return "forward" if n > m else "reverse"  # the two turned round
