# Solutions of notebook 03 · Backprop V1 vs V2 (the test suite runs each exercise cell blank,
# with the planted wrong answer, then with the solution, and checks what its check cell says).

# %% exercise: pull-one
def pull(node, children):
    total = 0.0
    for child in children:
        for parent, local in zip(child.parents, child.local_grads):
            if parent is node:  # every arrow from node into this child (two for x * x)
                total += local * child.grad
    return total

# %% wrong: pull-one
def pull(node, children):
    total = 0.0
    for child in children:
        for parent, local in zip(child.parents, child.local_grads):
            if parent is node:
                total += local * child.grad
                break  # counts one arrow per child: wrong for x * x
    return total

# %% exercise: order-fix
def backward_order(root):
    return list(reversed(autodiff.topological_order(root)))

# %% wrong: order-fix
def backward_order(root):
    return autodiff.topological_order(root)  # parents first: the root's grad reaches nobody
