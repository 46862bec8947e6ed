"""Optional: the same gradients as PyTorch, where torch happens to be installed.

Never required: finite differences (test_rules, test_properties) are the reference.
"""

from __future__ import annotations

import pytest

import autodiff
from autodiff import Value

torch = pytest.importorskip(
    "torch", reason='optional cross-check against PyTorch, not installed by make test: pip install ".[torch]" to run it'
)


def test_neuron_and_losses_match_torch():
    xs = [0.5, -1.2, 0.3, 2.0]
    ours = [Value(x) for x in xs]
    a, b, c, d = ours
    out = ((a * b + c).tanh() * d.sigmoid() + (a / d).exp() - abs(b) ** 1.5 + autodiff.logsumexp([a, b, c])).relu()
    out.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    ta, tb, tc, td = ts
    tout = torch.relu(
        torch.tanh(ta * tb + tc) * torch.sigmoid(td)
        + torch.exp(ta / td)
        - torch.abs(tb) ** 1.5
        + torch.logsumexp(torch.stack([ta, tb, tc]), 0)
    )
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-12)
    for v, t in zip(ours, ts):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)
