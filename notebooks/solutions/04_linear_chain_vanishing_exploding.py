# Solutions of notebook 04 · A linear chain (the test suite runs each exercise cell blank,
# with the planted wrong answer, then with the solution, and checks what its check cell says).

# %% exercise: chain-grad
f_chain = 1.3 * 0.7 * 1.1 * 0.9 * 0.8
dl_dw2 = 2 * (f_chain - 0.3) * 0.8 * (0.9 * 0.7 * 1.3)  # 2 (f - y) x times the other weights

# %% wrong: chain-grad
f_chain = 1.3 * 0.7 * 1.1 * 0.9 * 0.8
dl_dw2 = 2 * (f_chain - 0.3) * 0.8 * (0.9 * 1.1 * 0.7 * 1.3)  # w2 itself left in the product

# %% exercise: tanh-factor
factor = 1.0 * (1 - z_star**2)  # w times tanh' = 1 - tanh^2, at tanh = z_star

# %% wrong: tanh-factor
factor = 1 - math.tanh(z_star) ** 2  # tanh' taken at z_star instead of at the layer's input z_star + 0.1

# %% exercise: init-scale
def init_std(fan_in):
    return 1 / math.sqrt(fan_in)  # Var(a) = n sigma^2 v = v

# %% wrong: init-scale
def init_std(fan_in):
    return 1 / fan_in  # the variance's scale, not the standard deviation's
