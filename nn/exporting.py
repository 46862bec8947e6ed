"""Graduating a model: its source for PyTorch or JAX (``export``), and trained weights back (``load_state``).

``export(model, "torch")`` traces the model once (``autodiff.compile``) and writes a
``torch.nn.Module`` whose parameters are the model's: the same order (``named_parameters``),
the same values (float64, written exactly), named after ours (``L0.N3.w1`` -> ``L0_N3_w1``),
so ``Model().parameters()`` continues in PyTorch where ``fit`` stopped. ``"jax"`` writes the
function and ``parameters()``, a list of them (0-d arrays). ``load_state(model, state_dict)`` reads
weights back, checked as ``nn.load`` checks a file.
"""

from __future__ import annotations

import keyword
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

import autodiff
from autodiff import Exported

from .module import Module
from .steps import trace


def export(model: Module, framework: str = "torch", n_inputs: int | None = None) -> Exported:
    """The model as PyTorch (``class Model(nn.Module)``) or JAX (``forward`` and ``parameters()``) source.

    ``n_inputs``: how many inputs one sample has (read from ``model.config()`` when not given).
    ``str()`` of the result is the text, ``.save(path)`` writes it, ``.load()`` runs it as a module
    (needs the framework): ``.Model`` (torch) or ``.parameters`` (jax), and ``.forward``. A
    parameter that is not a finite number is refused (ValueError naming it), as ``nn.save`` does.
    """
    if not isinstance(model, Module):
        raise TypeError(f"nn.export: expects an nn model (a Module), got {type(model).__name__}")
    nin = _n_inputs(model, n_inputs)
    named = model.named_parameters()
    for name, p in named:
        if type(p.data) is not float or not -math.inf < p.data < math.inf:
            raise ValueError(
                f"nn.export: parameter {name!r} is {p.data!r}, not a finite float; nothing was exported. "
                "Retrain with a lower learning rate, or nn.load the last good file"
            )
    if not callable(model):
        raise TypeError(f"nn.export: {type(model).__name__} cannot be called on inputs; define __call__")
    compiled = trace(cast(Callable[..., Any], model), [0.0] * nin, [p for _, p in named])
    traced = compiled.export(framework)
    names = torch_names([name for name, _ in named])
    table = _parameters(names, named)
    about = [
        f"# {_describe(model)}, exported by stepgrad: {len(named)} parameters (float64), {nin} inputs,",
        f"# {compiled.n_outputs} output(s). forward(x, p) is the model on a batch, one line per node.",
    ]
    if traced.framework == "torch":
        text = "\n".join(about) + "\n\nimport torch\nfrom torch import nn\n\n\n" + traced.function
        text += "\n\n" + table + "\n\n\n" + _torch_module(model, len(named))
        return Exported("torch", text, "import torch\nfrom torch import nn", traced.function)
    about.append('# For float64: jax.config.update("jax_enable_x64", True) first.')
    text = "\n".join(about) + "\n\nimport jax.numpy as jnp\n\n\n" + traced.function + "\n\n" + table
    text += '\n\n\ndef parameters():\n    """The parameters in order: a list of 0-d arrays (float64 with x64)."""\n'
    text += "    return [jnp.asarray(value) for _, value in PARAMETERS]\n"
    return Exported("jax", text, "import jax.numpy as jnp", traced.function)


def _n_inputs(model: Module, n_inputs: int | None) -> int:
    if n_inputs is None:
        try:
            n_inputs = model.config()["nin"]
        except (NotImplementedError, KeyError, TypeError):
            raise TypeError(
                f"nn.export: cannot tell how many inputs {type(model).__name__} takes; pass n_inputs="
            ) from None
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
        raise ValueError(f"nn.export: n_inputs must be an int >= 1, got {n_inputs!r}")
    return n_inputs


def _describe(model: Module) -> str:
    text = repr(model)
    return text if len(text) <= 60 and text.isprintable() else type(model).__name__


def torch_names(names: list[str]) -> list[str]:
    """The exported parameters' names, from ours: ``L0.N3.w1`` -> ``L0_N3_w1``; ``p<k>`` when that is no
    Python name (or is taken), so each is an attribute of the module and a key of its ``state_dict()``."""
    taken: set[str] = set()
    out = []
    for k, name in enumerate(names):
        new = re.sub(r"\W", "_", name, flags=re.ASCII)
        if not new or not new[0].isalpha() or keyword.iskeyword(new) or new in taken:
            new = f"p{k}"
        while new in taken:
            new += "_"
        taken.add(new)
        out.append(new)
    return out


def _parameters(names: list[str], named: list[tuple[str, autodiff.Value]]) -> str:
    # one line per parameter: its exported name and its value, exactly (repr of a float)
    rows = [
        f"    ({new!r}, {p.data!r}),{'' if new == old else f'  # {old!r}'[:60]}" for new, (old, p) in zip(names, named)
    ]
    return "PARAMETERS = (  # (name, value), in the order of the model's parameters\n" + "\n".join(rows) + "\n)"


def _torch_module(model: Module, n: int) -> str:
    return (
        "\n".join(
            [
                "class Model(nn.Module):",
                f'    """{type(model).__name__} from stepgrad: its {n} parameters (float64), in its order."""',
                "",
                "    def __init__(self):",
                "        super().__init__()",
                "        for name, value in PARAMETERS:",
                "            self.register_parameter(name, nn.Parameter(torch.tensor(value, dtype=torch.float64)))",
                "",
                "    def forward(self, x):",
                "        return forward(x, list(self.parameters()))  # the function above",
            ]
        )
        + "\n"
    )


def load_state(model: Module, state_dict: Mapping[str, Any]) -> Module:
    """Read weights into ``model`` from a ``state_dict`` (torch's, or any mapping of name -> number).

    The names are ``export``'s (``L0_N3_w1``); each value a number or a tensor of shape ``()``,
    finite. Checked as ``nn.load`` checks a file, all before any parameter changes: a missing or
    unexpected name, a wrong shape, a value that is not a finite real number raise ValueError
    (TypeError for what is not a number) naming the key. Returns ``model``.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"nn.load_state: expects a mapping of name -> value (torch's module.state_dict()), "
            f"got {type(state_dict).__name__}"
        )
    named = model.named_parameters()
    names = torch_names([name for name, _ in named])
    missing = [k for k in names if k not in state_dict]
    extra = [k for k in state_dict if k not in set(names)]
    if missing or extra:
        raise ValueError(
            f"nn.load_state: the state_dict does not match {_describe(model)}: missing {missing[:5]}, "
            f"unexpected {extra[:5]}; its keys are the names nn.export gave, e.g. {names[:3]}"
        )
    values = [_number(k, state_dict[k]) for k in names]
    for (_, p), x in zip(named, values):
        p.data = x
    return model


def _number(key: str, v: Any) -> float:
    shape = getattr(v, "shape", None)
    if shape is not None and tuple(shape) != ():
        raise ValueError(
            f"nn.load_state: {key!r} has shape {tuple(shape)}; each parameter is one number (shape ()). "
            "Was the state_dict written by the Model nn.export wrote?"
        )
    if isinstance(v, bool) or not (isinstance(v, numbers.Real) or shape is not None):
        raise TypeError(f"nn.load_state: {key!r} is {type(v).__name__} {v!r:.60}, not a number")
    try:
        x = float(v)
    except (TypeError, ValueError) as e:
        raise TypeError(f"nn.load_state: {key!r} is {type(v).__name__}, not a real number ({e})") from None
    if not -math.inf < x < math.inf:
        raise ValueError(
            f"nn.load_state: {key!r} is {x!r}; parameters must be finite (training diverged? "
            "lower the learning rate, or load an earlier state)"
        )
    return x
