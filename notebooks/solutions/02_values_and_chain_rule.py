# Solutions of notebook 02 · Values and the chain rule (the test suite runs each exercise cell blank,
# with the planted wrong answer, then with the solution, and checks what its check cell says).

# %% exercise: central
def central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)

# %% wrong: central
def central(f, x, h):
    return (f(x + h) - f(x)) / h  # one-sided: error like h, not h**2

# %% exercise: product-chain
def dg(x):
    return 2 * x * math.exp(-x) - x**2 * math.exp(-x)  # (x^2)' e^-x + x^2 (e^-x)'

# %% wrong: product-chain
def dg(x):
    return 2 * x * math.exp(-x) + x**2 * math.exp(-x)  # forgot the -1 of the inner -x

# %% exercise: neuron-x1
dy_dx1 = (1 - y.data**2) * w1.data

# %% wrong: neuron-x1
dy_dx1 = (1 - y.data**2) * x1.data  # that is dy/dw1
