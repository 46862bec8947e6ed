"""What the core leaves to diagnostics: other numbers and their errors; help for micrograd's habits.

``value.check_number`` takes a finite float or an int in the float range itself (the
common cases, fast); anything else comes here (handed in by autodiff/__init__): another
real number (a ``Fraction``, a ``Decimal``, a numpy scalar) as a float, or the
``TypeError``/``ValueError`` that names the input and says what to do.
"""

from __future__ import annotations

import math
import numbers


def other_number(x: object, label: str, who: str) -> float:
    """``x`` (not a finite float, nor an int within the float range) as a finite float, or the error."""
    what, node = (f" for {label!r}", f" (node {label!r})") if label else ("", "")
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{who}{what} must be a real number (int or float), got {type(x).__name__} {short(x)}; "
            "convert it with float() first"
        )
    try:
        f = float(x)
    except OverflowError:  # an int or Fraction beyond the float range; no str(): huge ints have a digit limit
        digits = int(abs(int(math.trunc(x))).bit_length() * 0.30103)
        raise ValueError(
            f"{who} must be finite, got {type(x).__name__} {short(x)} (about 1e{digits}), "
            f"too large for a float{node}; scale it down"
        ) from None
    if not -math.inf < f < math.inf:
        raise ValueError(f"{who} must be finite, got {f!r}{node}; check the input for NaN or inf")
    return f


def short(x: object) -> str:
    """``repr(x)`` cut to 40 characters, for messages (a 5,000-digit int is not an error message)."""
    try:
        r = repr(x)
    except ValueError:  # int too large for its decimal repr
        return "<a very large int>"
    return r if len(r) <= 40 else r[:37] + "..."


# the help a micrograd habit meets (value.HELP), by the habit
HELP = {
    "Value(data, _children, _op)": (
        "Value(data, _children, _op) is micrograd's way to make a node whose _backward closure "
        "you then set; autodiff records each op's local derivatives instead, and a Value takes only "
        "Value(data, label=''). Build new ops from existing ones (x.tanh(), x.exp(), "
        "(1 + x.exp()).log(), ...); see 'Coming from micrograd' in the README."
    ),
    "_backward": (
        "Value has no _backward closure (micrograd's): autodiff records each op's local derivatives "
        "instead. To run backprop one edge at a time use autodiff.Stepper(o) or autodiff.backward_steps(o); "
        "for the whole pass, o.backward()."
    ),
}
