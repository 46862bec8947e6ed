"""Tests that each fail on a bug planted by `make mutate` (tools/mutate.py) that the other tests let
through (issue 29): one per surviving mutant of the core, named after what it checks."""

from __future__ import annotations

import pytest

from autodiff import Value, backward_steps


def test_backward_steps_stops_at_a_grad_that_overflows_to_minus_inf():
    a = Value(1.0, label="a")
    a.grad = -1.7e308
    root = a * -1.7e308  # finite value, finite local derivative; the grad it adds overflows to -inf
    with pytest.raises(FloatingPointError, match=r"gradient is -inf on the edge \* node .* -> parent 'a'"):
        list(backward_steps(root))
    assert a.grad == -1.7e308 and root.grad == 0.0
