"""The shape of the house (STYLE.md, principles 1, 14 and 15), read from the source with ``ast``.

- no import cycle between our modules, function-level (lazy) imports included; an import
  under ``if TYPE_CHECKING:`` never runs, so it is not an edge;
- no module uses another module's private name (``from .x import _y``, ``x._y``);
- the core (the README's layout says which files) imports nothing outside itself, and is
  at most 700 lines;
- ``nn`` uses only ``autodiff``'s public surface (names in ``autodiff.__all__``);
- no function longer than 60 code lines (docstrings, comments and blank lines not counted).

Each check is also run on a small planted violation, so a check that cannot fail is caught.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autodiff", "nn")
MAX_CORE_LINES = 700
MAX_FUNCTION_LINES = 60


def core_files() -> list[str]:
    """The core's files, as the README's layout marks them: the names on the line ending in '(the core)'."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = re.search(r"^autodiff/\s+(.*?)\(the core\)", readme, re.M)
    assert line, "the README's Layout no longer marks the core with '(the core)'"
    return line.group(1).split()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).glob("*.py")):
            found[module_name(path)] = (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    # ids of the statements inside `if TYPE_CHECKING:` blocks: they never run
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skip.update(id(n) for n in ast.walk(inner))
    return skip


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    # the absolute module a relative `from ... import` names
    if not level:
        return name or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports(module: str, path: Path, tree: ast.Module, known: set[str]) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or '', line) for every import that runs, at any depth."""
    skip = _type_checking_nodes(tree)
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                if sub in known:  # `from . import rules`: the submodule itself
                    yield sub, "", node.lineno
                else:
                    yield target, alias.name, node.lineno


def ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def import_graph(found: dict[str, tuple[Path, ast.Module]]) -> dict[str, set[str]]:
    known = set(found)
    graph: dict[str, set[str]] = {m: set() for m in found}
    for module, (path, tree) in found.items():
        for target, _, _ in imports(module, path, tree, known):
            if ours(target) and target != module and target in known:
                # importing autodiff.x runs autodiff/__init__ first: an edge to the package too
                graph[module].add(target)
                pkg = target.split(".")[0]
                if pkg != target and not module.startswith(pkg + ".") and module != pkg:
                    graph[module].add(pkg)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, rest = work[-1]
            for nxt in rest:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        comp.append(m)
                        if m == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def without_package_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # a package's __init__ importing its own modules, and those modules importing sibling modules,
    # is no cycle: only edges between modules (and into *other* packages) count
    return {m: {t for t in ts if t not in PACKAGES or not (m == t or m.startswith(t + "."))} for m, ts in graph.items()}


def private_uses(found: dict[str, tuple[Path, ast.Module]]) -> list[str]:
    """``from .x import _y`` and ``x._y`` where x is one of our modules, in another module."""
    known = set(found)
    bad = []
    for module, (path, tree) in found.items():
        aliases: dict[str, str] = {}  # local name -> our module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", node.level, node.module)
                for alias in node.names:
                    sub = f"{target}.{alias.name}" if target else alias.name
                    local = alias.asname or alias.name
                    if sub in known:
                        aliases[local] = sub
                    elif ours(target) and target != module and _private(alias.name):
                        bad.append(f"{path.name}:{node.lineno} imports {alias.name} from {target}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in known and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and aliases[node.value.id] != module
                and _private(node.attr)
            ):
                bad.append(f"{path.name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    return bad


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def code_lines(source: str, first: int, last: int, docstring: tuple[int, int] | None) -> int:
    """Lines first..last holding a token other than comments, and not in the docstring."""
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            continue
        for row in range(tok.start[0], tok.end[0] + 1):
            if first <= row <= last and not (docstring and docstring[0] <= row <= docstring[1]):
                lines.add(row)
    return len(lines)


def long_functions(path: Path, tree: ast.Module, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    source = path.read_text(encoding="utf-8")
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = None
            body0 = node.body[0]
            if (
                isinstance(body0, ast.Expr)
                and isinstance(body0.value, ast.Constant)
                and isinstance(body0.value.value, str)
            ):
                doc = (body0.lineno, body0.end_lineno or body0.lineno)
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            n = code_lines(source, first, node.end_lineno or node.lineno, doc)
            if n > limit:
                out.append(f"{path.name}:{node.lineno} {node.name} has {n} code lines")
    return out


# -- the rules, on the real source ----------------------------------------------------------------


def test_no_import_cycle():
    graph = without_package_edges(import_graph(sources()))
    assert cycles(graph) == [], "import cycles (lazy imports count): " + "; ".join(
        " <-> ".join(c) for c in cycles(graph)
    )


def test_no_private_name_across_modules():
    assert private_uses(sources()) == []


def test_core_imports_nothing_outside_itself():
    found = sources()
    core = {f"autodiff.{f[:-3]}" for f in core_files()}
    bad = []
    for module in sorted(core):
        path, tree = found[module]
        for target, _, line in imports(module, path, tree, set(found)):
            if ours(target) and target not in core:
                bad.append(f"{path.name}:{line} imports {target}")
    assert bad == []


def test_core_is_at_most_700_lines():
    lines = sum(len((ROOT / "autodiff" / f).read_text(encoding="utf-8").splitlines()) for f in core_files())
    assert lines <= MAX_CORE_LINES, f"the core ({', '.join(core_files())}) is {lines} lines; at most {MAX_CORE_LINES}"


def test_nn_uses_only_autodiffs_public_surface():
    import autodiff

    found = sources()
    bad = []
    for module, (path, tree) in found.items():
        if not module.startswith("nn"):
            continue
        for target, name, line in imports(module, path, tree, set(found)):
            if target.startswith("autodiff.") or (target == "autodiff" and name and name not in autodiff.__all__):
                bad.append(f"{path.name}:{line} imports {target}{'.' + name if name else ''}")
    assert bad == []


@pytest.mark.parametrize("module", sorted(sources()))
def test_no_function_over_60_code_lines(module):
    path, tree = sources()[module]
    assert long_functions(path, tree) == []


# -- the checks themselves fail on planted violations ----------------------------------------------


def test_a_planted_cycle_is_found():
    graph = {
        "autodiff.a": {"autodiff.b"},
        "autodiff.b": {"autodiff.c"},
        "autodiff.c": {"autodiff.a"},
        "autodiff.d": set(),
    }
    assert cycles(graph) == [["autodiff.a", "autodiff.b", "autodiff.c"]]
    assert cycles({"autodiff.a": {"autodiff.b"}, "autodiff.b": set()}) == []


def test_a_lazy_import_is_an_edge_and_type_checking_is_not(tmp_path):
    src = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\ndef f():\n    from .c import g\n"
    path = tmp_path / "a.py"
    path.write_text(src)
    found = list(imports("autodiff.a", path, ast.parse(src), {"autodiff.b", "autodiff.c"}))
    assert [t for t, _, _ in found if t.startswith("autodiff")] == ["autodiff.c"]


def test_planted_private_uses_are_found(tmp_path, monkeypatch):
    src = "from . import value as _value\nfrom .graph import _walk\nx = _value._node\ny = _value.Value\n"
    fake = {
        "autodiff.a": (tmp_path / "a.py", ast.parse(src)),
        "autodiff.value": (tmp_path / "value.py", ast.parse("")),
        "autodiff.graph": (tmp_path / "graph.py", ast.parse("")),
    }
    bad = private_uses(fake)
    assert len(bad) == 2 and "_walk" in bad[0] and "autodiff.value._node" in bad[1]


def test_a_planted_long_function_is_found(tmp_path):
    body = "\n".join(f"    x{i} = {i}  # a comment\n" for i in range(61))
    src = f'def long():\n    """doc\n\n    more doc\n    """\n{body}\n\ndef short():\n    return 1\n'
    path = tmp_path / "m.py"
    path.write_text(src)
    assert long_functions(path, ast.parse(src)) == [f"m.py:1 long has {62} code lines"]
    assert long_functions(path, ast.parse(src), limit=62) == []
