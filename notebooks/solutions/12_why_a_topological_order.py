# Solutions of notebook 12 · Why a topological order (the test suite runs each exercise cell blank,
# with the planted wrong answer, then with the solution, and checks what its check cell says).

# %% exercise: ladder-calls
def calls_into_x0(rungs):
    return 2**rungs  # each rung reaches the one below along two paths: the calls double per rung

# %% wrong: ladder-calls
def calls_into_x0(rungs):
    return 2 * rungs  # one doubling counted per rung, added instead of multiplied

# %% exercise: when-to-push
def may_push(waiting):
    return waiting == 0  # every use has added its part: the grad is complete

# %% wrong: when-to-push
def may_push(waiting):
    return waiting <= 1  # one use still to come: pushes a grad that is not finished
