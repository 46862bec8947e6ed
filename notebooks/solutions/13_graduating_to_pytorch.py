# Solutions to 13_graduating_to_pytorch.ipynb, for instructors. Each section is one exercise cell filled in
# ("exercise") or with a planted wrong answer ("wrong"); tests/test_lessons.py runs both.

# %% exercise: state-by-name
state_small = {name.replace(".", "_"): 0.5 for name, _ in small.named_parameters()}

# %% wrong: state-by-name
state_small = {name: 0.5 for name, _ in small.named_parameters()}

# %% exercise: relative-difference
def relative_difference(a, b):
    return max(abs(x - y) for x, y in zip(a, b)) / max(abs(y) for y in b)

# %% wrong: relative-difference
def relative_difference(a, b):
    return max(abs(x - y) for x, y in zip(a, b)) / max(b)
