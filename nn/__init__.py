"""nn: neurons, layers, MLPs, losses and optimizers built only from autodiff Values."""
