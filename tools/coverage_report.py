"""Line and branch coverage per package, and the files below a threshold, from coverage.py's JSON report.

    python tools/coverage_report.py build/coverage/coverage.json [--under 97]

`make coverage` runs it after the suite (under `coverage run`, subprocesses included) and `coverage json`.
Prints, for autodiff/ and nn/, lines covered of all and branches covered of all, then each file whose line
or branch coverage is below --under percent, with its missing branches (line -> line, -1: the function's
exit). Exits 0 either way: it reports, the goal is read from it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PACKAGES = ("autodiff", "nn")
SHOWN_BRANCHES = 12  # missing branches listed per file; the rest counted


def percent(covered: int, total: int) -> float:
    """covered / total in percent; 100 when there is nothing to cover."""
    return 100.0 * covered / total if total else 100.0


def package_of(path: str) -> str | None:
    """'autodiff' for 'autodiff/x.py' (or an absolute path ending so), None for a file of neither package."""
    parts = Path(path).parts
    return parts[-2] if len(parts) >= 2 and parts[-2] in PACKAGES else None


def counts(summary: dict) -> tuple[int, int, int, int]:
    """(lines covered, lines, branches covered, branches) of one file's or the totals' summary."""
    return (
        summary["covered_lines"],
        summary["num_statements"],
        summary.get("covered_branches", 0),
        summary.get("num_branches", 0),
    )


def per_package(files: dict) -> dict[str, list[int]]:
    """Summed counts per package, in PACKAGES' order."""
    sums = {pkg: [0, 0, 0, 0] for pkg in PACKAGES}
    for path, data in files.items():
        pkg = package_of(path)
        if pkg is not None:
            sums[pkg] = [a + b for a, b in zip(sums[pkg], counts(data["summary"]))]
    return sums


def fraction(covered: int, total: int) -> str:
    return f"{covered}/{total} {percent(covered, total):.1f}%"


def package_lines(sums: dict[str, list[int]]) -> list[str]:
    rows = [f"  {'package':<10} {'lines':>20} {'branches':>20}"]
    for pkg, (lc, lt, bc, bt) in sums.items():
        rows.append(f"  {pkg + '/':<10} {fraction(lc, lt):>20} {fraction(bc, bt):>20}")
    return rows


def missing_branches(data: dict) -> str:
    arcs = [f"{a}->{b}" for a, b in data.get("missing_branches", [])]
    shown = ", ".join(arcs[:SHOWN_BRANCHES])
    return shown + (f" (+{len(arcs) - SHOWN_BRANCHES} more)" if len(arcs) > SHOWN_BRANCHES else "")


def low_files(files: dict, under: float) -> list[str]:
    """The files of the packages whose line or branch coverage is below ``under`` percent, sorted."""
    low = []
    for path in files:
        lc, lt, bc, bt = counts(files[path]["summary"])
        if package_of(path) is not None and min(percent(lc, lt), percent(bc, bt)) < under:
            low.append(path)
    return sorted(low, key=lambda p: Path(p).parts[-2:])


def file_lines(path: str, data: dict) -> list[str]:
    lc, lt, bc, bt = counts(data["summary"])
    name = "/".join(Path(path).parts[-2:])
    rows = [f"  {name:<28} lines {fraction(lc, lt):>16}  branches {fraction(bc, bt):>16}"]
    if bt > bc:
        rows.append(f"      missing branches: {missing_branches(data)}")
    return rows


def report(data: dict, under: float) -> str:
    files = data["files"]
    lines = ["coverage of the suite, per package (lines and branches covered, of all):"]
    lines += package_lines(per_package(files))
    low = low_files(files, under)
    lines.append(f"{len(low)} file(s) below {under:g}% (lines or branches):")
    for path in low:
        lines += file_lines(path, files[path])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json_report", help="what `coverage json` wrote")
    ap.add_argument("--under", type=float, default=97.0, help="list the files below this percent (default 97)")
    args = ap.parse_args(argv)
    path = Path(args.json_report)
    if not path.is_file():
        print(f"coverage_report: no {path}; run `coverage json -o {path}` after the suite first", file=sys.stderr)
        return 2
    print(report(json.loads(path.read_text(encoding="utf-8")), args.under))
    return 0


if __name__ == "__main__":
    sys.exit(main())
