"""Mutation testing: plant one small bug at a time, run the tests that cover it, count the bugs caught.

    python tools/mutate.py [FILE ...] [--tests PATH ...] [--jsonl OUT] [--equivalent LIST]

Mutants (one at a time, found in the source's syntax tree): `+`<->`-`, `*`<->`/`, comparisons
(`<`<->`<=`, `>`<->`>=`, `==`<->`!=`, `is`<->`is not`, `in`<->`not in`), `and`<->`or`, a number `n` -> `n + 1`,
`True`<->`False`, a deleted `raise` (-> `pass`), `return X` -> `return None`, `x op= y` -> `x = y`.

First the tests under --tests run once under coverage.py, one context per test: which test runs which
line, and how long each takes (cached in build/mutate/ until a .py file changes). Then each mutant is
written into its file and run in a forked process (the tests' imports already loaded, the project's own
modules imported afresh) against only the tests that run its statement (all the file's tests for a
module-level statement): first those of the three test files with the most of them, then, if it
survives, all of them; fastest first, with `-x` and a timeout (3x those tests' time + 15 s). A test
failing = killed; none failing = survived; no test reaches it = survived (not covered). Mutants listed
in the equivalents file (file | line's code | mutation | reason) are not run. The file is always
restored (its mtime moved per mutant, so no stale .pyc is ever read).

Prints killed / survived / timeout / equivalent per file, the score (killed + timeout out of the
non-equivalent mutants) and each survivor's diff; --jsonl writes one JSON line per mutant.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import fcntl
import hashlib
import io
import json
import os
import signal
import sys
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

CORE = ["autodiff/value.py", "autodiff/rules.py", "autodiff/graph.py", "autodiff/backprop.py"]
BATCHES = ["autodiff/batched.py", "autodiff/batched_code.py"]
DEFAULT_TARGETS = [*CORE, "autodiff/gradcheck.py", "autodiff/parse.py", *BATCHES]
# browser, packaging, docs and notebook checks (slow, and they reach the engine through subprocesses), the
# benchmarks, and the demo beside micrograd
DEFAULT_IGNORE = [
    "tests/test_jupyter_browser.py",
    "tests/test_quiz_browser.py",
    "tests/test_packaging.py",
    "tests/test_playground.py",
    "tests/test_docs.py",
    "tests/test_notebooks_clean.py",
    "tests/test_benchmarks.py",
    "tests/test_torch_crosscheck.py",
    "tests/test_micrograd_demo.py",  # a minute beside micrograd; the engine is tested without it
]
# files whose code other code writes out and runs instead: autodiff.eager and compile run each definition
# of rules.py once, on symbols, and then run the text it gave, so coverage credits a rule's lines to the
# first test that used it only; each mutant of these runs against every test that touches the file
WHOLE_FILE = {"autodiff/rules.py"}
# micrograd's 100 demo steps, run beside the suite in a process of their own (a minute each time)
DEFAULT_DESELECT = ["tests/test_micrograd_compat.py::test_micrograd_demo_prints_micrographs_losses_step_by_step"]
BINOPS = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*")}
CMPOPS = {
    ast.Lt: ("<", "<="),
    ast.LtE: ("<=", "<"),
    ast.Gt: (">", ">="),
    ast.GtE: (">=", ">"),
    ast.Eq: ("==", "!="),
    ast.NotEq: ("!=", "=="),
    ast.Is: ("is", "is not"),
    ast.IsNot: ("is not", "is"),
    ast.In: ("in", "not in"),
    ast.NotIn: ("not in", "in"),
}
AUGOPS = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/=", ast.FloorDiv: "//=", ast.Mod: "%="}
AUGOPS.update({ast.Pow: "**=", ast.BitOr: "|=", ast.BitAnd: "&=", ast.BitXor: "^=", ast.MatMult: "@="})


@dataclass
class Mutant:
    path: str  # relative to the root, with /
    start: int  # character offsets in the source
    end: int
    replacement: str
    mutation: str  # e.g. "`+` -> `-`"
    line: int  # the mutated text's first line
    lines: tuple[int, int]  # the enclosing statement's first and last line, for test selection
    scope: str  # "function", "def" (a default or decorator: the function's tests) or "module"
    text: str = ""  # the stripped source line, the stable key
    status: str = ""
    tests: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def key(self) -> tuple[str, str, str]:
        return (self.path, self.text, self.mutation)


def _offsets(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


class _Finder(ast.NodeVisitor):
    """Collects the mutants of one file: each a (start, end, replacement) edit of its source."""

    def __init__(self, path: str, source: str) -> None:
        self.path, self.source = path, source
        self.lines = source.splitlines()
        self.starts = _offsets(source)
        self.tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type in _TOKEN_TYPES]
        self.mutants: list[Mutant] = []
        self.stmt: ast.stmt | None = None
        self.scope = "module"

    def at(self, lineno: int, byte_col: int) -> int:
        line = self.lines[lineno - 1].encode()
        return self.starts[lineno - 1] + len(line[:byte_col].decode())

    def start(self, node: ast.AST) -> int:
        return self.at(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.at(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def tok_offset(self, row: int, col: int) -> int:
        return self.starts[row - 1] + col

    def tokens_between(self, lo: int, hi: int) -> list[tokenize.TokenInfo]:
        return [t for t in self.tokens if lo <= self.tok_offset(*t.start) and self.tok_offset(*t.end) <= hi]

    def add(self, start: int, end: int, replacement: str, mutation: str) -> None:
        line = self.source.count("\n", 0, start) + 1
        stmt = self.stmt
        lines = (stmt.lineno, stmt.end_lineno or stmt.lineno) if stmt else (line, line)
        self.mutants.append(Mutant(self.path, start, end, replacement, mutation, line, lines, self.scope))

    def add_op(self, lo: int, hi: int, words: str, replacement: str) -> None:
        """The operator spelled `words` (one or two tokens) between offsets lo and hi."""
        want = words.split()
        toks = self.tokens_between(lo, hi)
        for i in range(len(toks) - len(want) + 1):
            if [t.string for t in toks[i : i + len(want)]] == want:
                start = self.tok_offset(*toks[i].start)
                end = self.tok_offset(*toks[i + len(want) - 1].end)
                self.add(start, end, replacement, f"`{words}` -> `{replacement}`")
                return

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            outer, self.stmt = self.stmt, node
            super().generic_visit(node)
            self.stmt = outer
        else:
            super().generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer_stmt, outer_scope = self.stmt, self.scope
        self.stmt = node
        self.scope = "def" if outer_scope == "module" else outer_scope
        for part in (*node.decorator_list, node.args):
            self.visit(part)
        self.scope = "function"
        for stmt in node.body:
            self.visit(stmt)
        self.stmt, self.scope = outer_stmt, outer_scope

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        outer, self.scope = self.scope, "function"
        self.generic_visit(node)
        self.scope = outer

    def visit_If(self, node: ast.If) -> None:
        test = ast.unparse(node.test)
        if test in ("TYPE_CHECKING", "__name__ == '__main__'"):
            return
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):  # docstrings
            self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        outer, self.stmt = self.stmt, node
        if node.value is not None:
            self.visit(node.value)
        self.stmt = outer

    def visit_arg(self, node: ast.arg) -> None:
        pass  # annotations

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in BINOPS:
            old, new = BINOPS[type(node.op)]
            self.add_op(self.end(node.left), self.start(node.right), old, new)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            old, new = CMPOPS[type(op)]
            self.add_op(self.end(left), self.start(right), old, new)
            left = right
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        for left, right in zip(node.values, node.values[1:]):
            self.add_op(self.end(left), self.start(right), old, new)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        outer, self.stmt = self.stmt, node
        self.add_op(self.end(node.target), self.start(node.value), AUGOPS[type(node.op)], "=")
        self.generic_visit(node)
        self.stmt = outer

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self.add(self.start(node), self.end(node), repr(not value), f"`{value}` -> `{not value}`")
        elif isinstance(value, (int, float)):
            old = self.source[self.start(node) : self.end(node)]
            self.add(self.start(node), self.end(node), repr(value + 1), f"`{old}` -> `{value + 1!r}`")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        pass  # messages: not mutated

    def visit_Raise(self, node: ast.Raise) -> None:
        outer, self.stmt = self.stmt, node
        self.add(self.start(node), self.end(node), "pass", "delete `raise`")
        self.stmt = outer

    def visit_Return(self, node: ast.Return) -> None:
        outer, self.stmt = self.stmt, node
        value = node.value
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            self.add(self.start(value), self.end(value), "None", "`return ...` -> `return None`")
            self.generic_visit(node)
        self.stmt = outer


_TOKEN_TYPES = (tokenize.OP, tokenize.NAME)


def find_mutants(path: str, source: str) -> list[Mutant]:
    """Every mutant of one file, in source order, each keyed by its line's code (stripped, no comment)."""
    finder = _Finder(path, source)
    finder.visit(ast.parse(source))
    mutants = sorted(finder.mutants, key=lambda m: (m.start, m.mutation))
    lines = source.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:  # keyed by the code only: a reworded comment keeps the key
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col]
    seen: dict[tuple[str, str, str], int] = {}
    for m in mutants:
        m.text = lines[m.line - 1].strip()
        n = seen[m.key()] = seen.get(m.key(), 0) + 1
        if n > 1:  # the same mutation twice in one line text: number them
            m.mutation += f" #{n}"
    return mutants


def mutated(source: str, m: Mutant) -> str:
    return source[: m.start] + m.replacement + source[m.end :]


def diff(source: str, m: Mutant) -> str:
    new = mutated(source, m)
    lines = difflib.unified_diff(source.splitlines(), new.splitlines(), m.path, m.path + " (mutant)", n=1, lineterm="")
    return "\n".join(lines)


# --- the equivalents file -------------------------------------------------------------------------


def read_equivalents(path: Path) -> dict[tuple[str, str, str], str]:
    """`file | line text | mutation | reason` per line (the line text may itself contain ` | `)."""
    found: dict[tuple[str, str, str], str] = {}
    if not path.exists():
        return found
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        head, _, rest = raw.partition(" | ")
        parts = rest.rsplit(" | ", 2)
        if len(parts) != 3 or not parts[2].strip():
            raise SystemExit(f"{path}:{n}: expected `file | line text | mutation | reason`, got {raw!r}")
        text, mutation, reason = (p.strip() for p in parts)
        found[(head.strip(), text, mutation)] = reason
    return found


# --- coverage: which test runs which line ------------------------------------------------------------


def _digest(root: Path, tests: list[str]) -> str:
    h = hashlib.sha256(json.dumps(tests).encode())
    for folder in ("autodiff", "nn", "tests"):
        for p in sorted((root / folder).rglob("*.py")):
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()[:16]


class _Contexts:
    """A pytest plugin: one coverage context per test, and each test's time."""

    def __init__(self, cov: object) -> None:
        self.cov = cov
        self.seconds: dict[str, float] = {}

    def pytest_runtest_protocol(self, item: object) -> None:
        nodeid = item.nodeid  # type: ignore[attr-defined]
        self.cov.switch_context(nodeid)  # type: ignore[attr-defined]
        self.seconds[nodeid] = time.perf_counter()

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.seconds[nodeid] = time.perf_counter() - self.seconds[nodeid]
        self.cov.switch_context("")  # type: ignore[attr-defined]


def collect_coverage(root: Path, targets: list[str], pytest_args: list[str]) -> dict:
    """{"lines": {file: {line: [test ids]}}, "seconds": {test id: s}} from one run of the tests."""
    import coverage
    import pytest

    cov = coverage.Coverage(data_file=None, include=[str(root / t) for t in targets], config_file=False)
    plugin = _Contexts(cov)
    saved = os.dup(1)
    os.dup2(2, 1)  # pytest's report to stderr: stdout is the tool's report
    cov.start()
    try:
        code = pytest.main([*pytest_args, "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts="], [plugin])
    finally:
        cov.stop()
        os.dup2(saved, 1)
    if code not in (0, 1):
        raise SystemExit(f"mutate: the tests did not run (pytest exit code {code})")
    data = cov.get_data()
    lines = {}
    for t in targets:
        by_line = data.contexts_by_lineno(str(root / t))
        lines[t] = {str(n): sorted(c for c in ctx if c) for n, ctx in by_line.items()}
    return {"lines": lines, "seconds": plugin.seconds, "failed": code == 1}


def coverage_map(root: Path, targets: list[str], pytest_args: list[str]) -> dict:
    cache = root / "build" / "mutate" / f"coverage-{_digest(root, [*targets, *pytest_args])}.json"
    if cache.exists():
        print(f"mutate: coverage from {cache.relative_to(root)}", file=sys.stderr)
        return json.loads(cache.read_text())
    print(f"mutate: running the tests once under coverage: pytest {' '.join(pytest_args)}", file=sys.stderr)
    found = collect_coverage(root, targets, pytest_args)
    if found["failed"]:
        raise SystemExit("mutate: some tests fail on the unmutated code: fix them first")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(found))
    return found


def tests_for(m: Mutant, cover: dict) -> list[str]:
    """The tests that run the mutant's statement, fastest first."""
    by_line = cover["lines"].get(m.path, {})
    first, last = m.lines
    rows = [str(n) for n in (range(first, last + 1) if m.scope == "def" else {first, m.line})]
    chosen = {t for n in rows for t in by_line.get(n, [])}
    if m.scope == "module" or m.path in WHOLE_FILE or (not chosen and any(n in by_line for n in rows)):
        # run at import only (a module-level statement, a function the module calls as it loads)
        chosen = {t for ts in by_line.values() for t in ts}
    seconds = cover["seconds"]
    return sorted(chosen, key=lambda t: (seconds.get(t, 0.0), t))


def first_files(tests: list[str], files: int = 3) -> list[str]:
    """The tests of the few files with the most of ``tests``: most mutants die there, and each test file
    costs its import and collection in every run."""
    count: dict[str, int] = {}
    for t in tests:
        count[t.split("::")[0]] = count.get(t.split("::")[0], 0) + 1
    chosen = sorted(count, key=lambda f: (-count[f], f))[:files]
    return [t for t in tests if t.split("::")[0] in chosen]


# --- running one mutant -------------------------------------------------------------------------------


def _purge(root: Path) -> None:
    """Forget every module imported from the root, so the child imports the mutant afresh."""
    venv = str(root / ".venv")
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        if file.startswith(str(root)) and not file.startswith(venv) and name != "__main__":
            del sys.modules[name]


def _child(root: Path, tests: list[str]) -> None:
    os.setpgid(0, 0)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.dont_write_bytecode = True
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    _purge(root)
    import pytest

    code = pytest.main([*tests, "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts="])
    os._exit(int(code))


def warm_up(files: set[str]) -> None:
    """Import the tests (and so everything they import) once here, so that each forked child starts warm."""
    import pytest

    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(devnull, 1)
    try:
        pytest.main([*sorted(files), "--collect-only", "-q", "-p", "no:cacheprovider", "-o", "addopts="])
    finally:
        os.dup2(saved, 1)


def run_one(root: Path, tests: list[str], timeout: float) -> str:
    pid = os.fork()
    if pid == 0:
        try:
            _child(root, tests)
        finally:
            os._exit(3)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            # 0: passed, 5: none ran; 4: a test id not found (the coverage is stale); else a test failed
            # or the mutant broke the import (collection error, 2)
            return "survived" if code in (0, 5) else "error" if code == 4 else "killed"
        time.sleep(0.02)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    return "timeout"


def run_mutants(root: Path, path: str, mutants: list[Mutant], cover: dict, count: list[int]) -> None:
    """Each mutant written into the file in turn, its mtime moved past every earlier one; then restored."""
    file = root / path
    source = file.read_text()
    stat = file.stat()
    try:
        for m in mutants:
            if m.status:
                continue
            m.tests = tests_for(m, cover)
            if not m.tests:
                m.status = "survived"  # no test runs this line
                continue
            count[0] += 1
            file.write_text(mutated(source, m))
            os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + count[0] * 1_000_000_000))
            began = time.perf_counter()
            for tests in first_files(m.tests), m.tests:  # the few test files that cover it most, then all
                timeout = 3 * sum(cover["seconds"].get(t, 1.0) for t in tests) + 15
                m.status = run_one(root, tests, timeout)
                if m.status != "survived" or len(tests) == len(m.tests):
                    break
            m.seconds = time.perf_counter() - began
            took = f"({len(m.tests)} tests, {m.seconds:.1f} s)"
            print(f"  {m.status:8} {path}:{m.line} {m.mutation} {took}", file=sys.stderr)
    finally:
        signals = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # restore uncut
        file.write_text(source)
        os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        signal.pthread_sigmask(signal.SIG_SETMASK, signals)


# --- report -----------------------------------------------------------------------------------------


def score(mutants: list[Mutant]) -> tuple[int, int]:
    live = [m for m in mutants if m.status != "equivalent"]
    return sum(m.status in ("killed", "timeout") for m in live), len(live)


def report(root: Path, targets: list[str], found: dict[str, list[Mutant]]) -> None:
    print(f"{'file':28} {'mutants':>7} {'killed':>6} {'survived':>8} {'timeout':>7} {'equiv':>5}  score")
    for t in targets:
        ms = found[t]
        k, n = score(ms)
        by = {s: sum(m.status == s for m in ms) for s in ("killed", "survived", "timeout", "equivalent", "error")}
        counts = f"{by['killed']:6} {by['survived']:8} {by['timeout']:7} {by['equivalent']:5}"
        errors = f"  ({by['error']} not run: a test id not found, run again)" if by["error"] else ""
        print(f"{t:28} {len(ms):7} {counts}  {k}/{n} = {100 * k / max(n, 1):.1f}%{errors}")
    core = [m for t in targets if t in CORE for m in found[t]]
    if core and all(t in targets for t in CORE):
        k, n = score(core)
        print(f"{'core (value rules graph backprop)':36} {k}/{n} = {100 * k / max(n, 1):.1f}%")
    for t in targets:
        source = (root / t).read_text()
        for m in found[t]:
            if m.status == "survived":
                why = "no test runs this line" if not m.tests else f"{len(m.tests)} tests ran"
                print(f"\nSURVIVED {t}:{m.line} {m.mutation} ({why}); key: {t} | {m.text} | {m.mutation}")
                print(diff(source, m))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", default=DEFAULT_TARGETS, help="files to mutate (default: %(default)s)")
    ap.add_argument("--root", default=".", help="the project folder (default: the current one)")
    ap.add_argument("--tests", nargs="*", default=["tests"], help="test paths run for coverage")
    ap.add_argument("--ignore", nargs="*", default=DEFAULT_IGNORE, help="test files left out")
    ap.add_argument("--deselect", nargs="*", default=DEFAULT_DESELECT, help="tests left out")
    ap.add_argument("--equivalent", default="tools/mutate_equivalent.txt", help="the equivalent mutants")
    ap.add_argument("--jsonl", help="write one JSON line per mutant here")
    args = ap.parse_args(argv)
    root = Path(args.root).resolve()
    (root / "build").mkdir(exist_ok=True)
    os.chdir(root)
    sys.path.insert(0, str(root))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C: the mutated file is restored
    lock = open(root / "build" / "mutate.lock", "w")  # held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit("mutate: another run is mutating files in this folder; wait for it") from None
    targets = [Path(f).as_posix() for f in args.files]
    equivalents = read_equivalents(root / args.equivalent)
    found = {t: find_mutants(t, (root / t).read_text()) for t in targets}
    for t in targets:
        for m in found[t]:
            if m.key() in equivalents:
                m.status = "equivalent"
    used = {m.key() for ms in found.values() for m in ms}
    for key in equivalents:
        if key[0] in targets and key not in used:
            print(f"mutate: {args.equivalent}: no such mutant now: {' | '.join(key)}", file=sys.stderr)
    left_out = [*(f"--ignore={i}" for i in args.ignore), *(f"--deselect={d}" for d in args.deselect)]
    cover = coverage_map(root, targets, [*args.tests, *left_out])
    began, count = time.perf_counter(), [0]
    warm_up({t.split("::")[0] for ms in found.values() for m in ms if not m.status for t in tests_for(m, cover)})
    for t in targets:
        print(f"mutate: {t}: {len(found[t])} mutants", file=sys.stderr)
        run_mutants(root, t, found[t], cover, count)
    report(root, targets, found)
    print(f"\n{count[0]} mutants run in {time.perf_counter() - began:.0f} s")
    if args.jsonl:
        with open(args.jsonl, "w") as out:
            for t in targets:
                for m in found[t]:
                    row = {"file": t, "line": m.line, "text": m.text, "mutation": m.mutation, "status": m.status}
                    out.write(json.dumps({**row, "tests": len(m.tests), "seconds": round(m.seconds, 2)}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
