"""``Module``: what every model in ``nn`` has in common."""

from __future__ import annotations

from autodiff import Value


class Module:
    """Something with parameters: leaf Values that an optimizer updates.

    Subclasses define ``named_parameters()``; the rest follows from it.
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in a fixed order.

        Names are structural (``L0.N3.w1``: layer, neuron, weight) and are what
        ``nn.save`` writes; a new parameter's ``label`` equals its name, but
        labels are for display and may be changed freely.
        """
        return []

    def parameters(self) -> list[Value]:
        """The parameters in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (call it before each ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0

    def config(self) -> dict:
        """The constructor arguments that rebuild this module's architecture (for ``nn.save``)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved: it defines no config()")
