"""Saving models as JSON (``save``) and reading them back (``load``), refusing hostile files."""

from __future__ import annotations

import collections
import contextlib
import json
import math
import numbers
import os
import secrets
from typing import Any

from .checks import module_name
from .layers import ACTIVATIONS, MLP, Layer, Neuron
from .module import Module

FORMAT = "stepgrad.nn"
VERSION = 1
CLASSES: dict[str, type[Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}
# load refuses anything larger before building a single Value (a scalar engine's model of
# 10M parameters already needs gigabytes); save refuses what load would refuse
MAX_PARAMETERS = 10_000_000
MAX_FILE_BYTES = 100 * MAX_PARAMETERS
_TOP_KEYS = ("format", "version", "class", "config", "parameters")
_CONFIG_KEYS = {
    "MLP": ("nin", "nouts", "activation"),
    "Layer": ("nin", "nout", "activation", "name"),
    "Neuron": ("nin", "activation", "name"),
}


def save(model: Module, path: str | os.PathLike) -> None:
    """Write the model's class, architecture and parameters to ``path`` as JSON.

    Refuses (ValueError, naming the parameter) a model that ``load`` would
    refuse: a NaN or inf parameter, or layers changed by hand so that they no
    longer match ``config()``. The file is written to a temporary file in the
    same directory and then renamed over ``path``: if anything fails, ``path``
    is left as it was and no temporary file remains.
    """
    name = type(model).__name__
    if CLASSES.get(name) is not type(model):
        raise TypeError(f"save: can save {', '.join(CLASSES)}, got {name}")
    path = _path(path, "save")
    config = model.config()
    named = model.named_parameters()
    n = _n_parameters(name, config)
    if n > MAX_PARAMETERS:
        raise ValueError(f"save: the model has {n} parameters; nn.load reads at most {MAX_PARAMETERS}")
    values = {}
    for label, p in named:
        x = p.data
        if type(x) is not float:
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise TypeError(f"save: parameter {label!r} is {type(x).__name__} {x!r}, not a number; nothing written")
            x = float(x)
        if not -math.inf < x < math.inf:
            raise ValueError(
                f"save: parameter {label!r} is {x!r}; nothing was written (nn.load refuses non-finite parameters); "
                "retrain with a lower learning rate, or load the last good file"
            )
        values[label] = x
    fresh = _build(CLASSES[name], config)
    if (
        len(values) != len(named)
        or [k for k, _ in fresh.named_parameters()] != list(values)
        or repr(fresh) != repr(model)
    ):
        raise ValueError(
            f"save: the {name}'s layers or neurons no longer match its config() (changed by hand?); nothing was written"
        )
    doc = {"format": FORMAT, "version": VERSION, "class": name, "config": config, "parameters": values}
    _write_atomically(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")


def _path(path: object, who: str) -> str:
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{who}: path must be a str or a path-like object, got {type(path).__name__} {path!r}")
    p = os.fspath(path)
    if not isinstance(p, str):
        raise TypeError(f"{who}: path must be a str or a path-like object, got {type(p).__name__} {p!r}")
    return p


def _write_atomically(path: str, text: str) -> None:
    # write a sibling temporary file, then os.replace: readers see the old file or the new one, never half
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path} is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory} does not exist; create it first")
    # named after the target, cut short so that a target of the longest name allowed leaves it room
    tmp = os.path.join(directory, f".{os.path.basename(path)[:40]}.{secrets.token_hex(6)}.tmp")
    f = open(tmp, "x", encoding="utf-8")  # "x": never clobber (another's file); mode from the umask, as "w"
    try:  # from here on tmp is ours: removed if anything fails
        with f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):  # gone if the interruption came just after os.replace
            os.unlink(tmp)
        raise


class _Unreadable:
    """A JSON number or constant that is refused where it is used, so the message names its key."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        digits = self.text.lstrip("-")
        if digits.isdigit():
            return f"an integer of {len(digits)} digits"
        return self.text


class _DuplicateKey(Exception):
    pass


def _parse_int(text: str) -> int | _Unreadable:
    # at most 20 characters: every size and index fits; 10**400 or 5,000 digits never reach int()
    return int(text) if len(text) <= 20 else _Unreadable(text)


def _object(pairs: list[tuple[str, Any]]) -> dict:
    d = dict(pairs)
    if len(d) != len(pairs):  # a key appears twice: the first such key, by its first place
        counts = collections.Counter(k for k, _ in pairs)
        raise _DuplicateKey(next(k for k, _ in pairs if counts[k] > 1))
    return d


def load(path: str | os.PathLike) -> Module:
    """Rebuild a model written by ``save``.

    A malformed or mismatched file raises ValueError naming the key, before any
    Value is built: not JSON, nested too deeply, duplicate keys, a wrong ``format``,
    a ``version`` other than the int 1, an unknown ``class``, a ``config`` with a
    missing, extra or ill-typed entry (sizes are ints >= 1, activations one of
    relu/tanh/sigmoid/linear, names non-empty strings without '/'), an architecture
    of more than ``MAX_PARAMETERS`` parameters, a parameter count or name that does
    not match the architecture, or a parameter that is not a finite number (NaN,
    Infinity and numbers like 1e400 are refused). Time and memory are linear in the
    file's size.
    """
    path = _path(path, "load")
    where = f"load: {path}"
    name, config, values = _check_document(_read(path, where), where)
    model = _build(CLASSES[name], config)
    named = model.named_parameters()
    expected = {label for label, _ in named}
    missing = [label for label, _ in named if label not in values]
    if missing:
        extra = [label for label in values if label not in expected]
        raise ValueError(f"{where} does not match its architecture: missing {missing[:5]}, unexpected {extra[:5]}")
    for label, p in named:
        p.data = float(values[label])
    return model


def _read(path: str, where: str) -> Any:
    # the file's JSON, at most MAX_FILE_BYTES of it; big ints, constants and duplicate keys kept for the checks
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{where} is {size} bytes; nn.load reads at most {MAX_FILE_BYTES} (MAX_FILE_BYTES)")
        raw = f.read(MAX_FILE_BYTES + 1)  # a pipe or device reports size 0
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"{where} is larger than {MAX_FILE_BYTES} bytes; nn.load reads at most that (MAX_FILE_BYTES)")
    try:
        text = raw.decode("utf-8")
        return json.loads(
            text, parse_int=_parse_int, parse_constant=_Unreadable, object_pairs_hook=_object
        )  # floats: float(), so 1e400 is inf and refused where it is used
    except UnicodeDecodeError as e:
        raise ValueError(
            f"{where} is not UTF-8 text ({e.reason} at byte {e.start}); was it written by nn.save?"
        ) from None
    except RecursionError:
        raise ValueError(f"{where} nests arrays or objects too deeply; was it written by nn.save?") from None
    except _DuplicateKey as e:
        raise ValueError(f"{where}: key {e.args[0]!r} appears twice in one object") from None
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{where} is not valid JSON ({e}); was it written by nn.save?") from None


def _check_document(doc: Any, where: str) -> tuple[str, dict, dict]:
    # (class name, config, parameters) of a model file, every key checked; nothing built yet
    if not isinstance(doc, dict):
        raise ValueError(f'{where} is not a stepgrad model file (the top level is not an object with "format")')
    if type(doc.get("format")) is not str or doc["format"] != FORMAT:
        raise ValueError(f'{where} is not a stepgrad model file ("format" is {doc.get("format")!r}, not "{FORMAT}")')
    for key in doc:
        if key not in _TOP_KEYS:
            raise ValueError(f"{where}: unknown key {key!r}; a model file has {', '.join(_TOP_KEYS)}")
    version = doc.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(f'{where}: "version" is {version!r}; this stepgrad reads the integer {VERSION}')
    name = doc.get("class")
    if type(name) is not str or name not in CLASSES:
        raise ValueError(f'{where}: "class" is {name!r}; known: {", ".join(CLASSES)}')
    config, values = doc.get("config"), doc.get("parameters")
    if not isinstance(config, dict):
        raise ValueError(f'{where}: "config" must be an object, got {config!r}')
    if not isinstance(values, dict):
        raise ValueError(f'{where}: "parameters" must be an object of name: number, got {type(values).__name__}')
    _check_config(name, config, where)
    n = _n_parameters(name, config)
    if n > MAX_PARAMETERS:
        raise ValueError(f"{where}: config declares {n} parameters; nn.load reads at most {MAX_PARAMETERS}")
    if len(values) != n:
        raise ValueError(
            f'{where}: "parameters" has {len(values)} entries but the config declares a {name} with {n}; '
            "the file does not match its architecture"
        )
    for label, x in values.items():
        if type(x) not in (int, float) or not -math.inf < x < math.inf:
            raise ValueError(f'{where}: "parameters" {label!r} must be a finite number, got {x!r}')
    return name, config, values


def _check_config(name: str, config: dict, where: str) -> None:
    keys = _CONFIG_KEYS[name]
    for key in config:
        if key not in keys:
            raise ValueError(f'{where}: "config" has unknown key {key!r}; a {name} has {", ".join(keys)}')
    for key in keys:
        if key not in config:
            raise ValueError(f'{where}: "config" is missing {key!r}; a {name} has {", ".join(keys)}')

    def size(x: object, key: str) -> None:
        if type(x) is not int or x < 1:
            raise ValueError(f'{where}: "config" {key} must be an int >= 1, got {x!r}')

    def activation(x: object, key: str) -> None:
        if type(x) is not str or x not in ACTIVATIONS:
            raise ValueError(f'{where}: "config" {key} must be one of {", ".join(ACTIVATIONS)}, got {x!r}')

    size(config["nin"], "nin")
    if name == "MLP":
        nouts, acts = config["nouts"], config["activation"]
        if type(nouts) is not list or not nouts:
            raise ValueError(f'{where}: "config" nouts must be a non-empty list of ints >= 1, got {nouts!r}')
        for i, x in enumerate(nouts):
            size(x, f"nouts[{i}]")
        if type(acts) is not list or len(acts) != len(nouts):
            raise ValueError(f'{where}: "config" activation must be a list of {len(nouts)} names, got {acts!r}')
        for i, x in enumerate(acts):
            activation(x, f"activation[{i}]")
        return
    if name == "Layer":
        size(config["nout"], "nout")
    activation(config["activation"], "activation")
    if type(config["name"]) is not str:
        raise ValueError(f'{where}: "config" name must be a string, got {config["name"]!r}')
    try:
        module_name(config["name"], name)  # the constructor's own check, here so the message names the key
    except ValueError:
        raise ValueError(
            f"{where}: \"config\" name must be a non-empty string without '/' (it names the module's scope), "
            f"got {config['name']!r:.80}"
        ) from None


def _n_parameters(name: str, config: dict) -> int:
    # from the architecture alone (exact Python ints), before anything is built
    if name == "MLP":
        sizes = [config["nin"], *config["nouts"]]
        return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if name == "Layer":
        return (config["nin"] + 1) * config["nout"]
    return config["nin"] + 1


def _build(cls: type[Module], config: dict) -> Module:
    # seed=0: loading draws no number from the global random state
    if cls is MLP:
        return MLP(config["nin"], config["nouts"], activation=config["activation"], seed=0)
    if cls is Layer:
        return Layer(config["nin"], config["nout"], activation=config["activation"], name=config["name"], seed=0)
    return Neuron(config["nin"], activation=config["activation"], name=config["name"], seed=0)
