"""The graded assignment (assignments/backward_pass): otter-grader grades the solution with full
marks, and three solutions with one classic bug each lose exactly that bug's points, with
feedback that names it (from ``autodiff.teach.check_engine``).

Runs ``otter assign`` on the master notebook (which also runs its tests on the solution), then
``otter run`` (local grading, no Docker) on each submission. Skipped, naming what is missing,
without otter-grader (in the test extra).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "backward_pass"
OTTER = Path(sys.executable).parent / "otter"

# a planted bug: (text of the solution replaced, replacement, the question that loses points, the bug named)
BUGS = {
    "overwrite": (
        "self.grad += out.grad\n            other.grad += out.grad\n",
        "self.grad = out.grad\n            other.grad = out.grad\n",
        "accumulate",
        "BUG accumulate",
    ),
    "recursive": (
        "        self.grad = 1.0\n        for v in reversed(order):\n            v._backward()\n",
        "        self.grad = 1.0\n\n        def walk(v):\n            v._backward()\n            for p in v._prev:\n"
        "                walk(p)\n\n        walk(self)\n",
        "topological_order",
        "BUG order",
    ),
    "breadth_first": (
        "        self.grad = 1.0\n        for v in reversed(order):\n            v._backward()\n",
        "        self.grad = 1.0\n        queue, met = [self], {id(self)}\n        while queue:\n"
        "            v = queue.pop(0)\n            v._backward()\n            for p in v._prev:\n"
        "                if id(p) not in met:\n"
        "                    met.add(id(p))\n                    queue.append(p)\n",
        "topological_order",
        "BUG order",
    ),
    "mul_swapped": (
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n",
        "self.grad += self.data * out.grad\n            other.grad += other.data * out.grad\n",
        "local_derivatives",
        "BUG mul",
    ),
}
POINTS = {"local_derivatives": 3.0, "accumulate": 2.0, "topological_order": 2.0}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not OTTER.exists():
        pytest.skip("the assignment test needs otter-grader (in the test extra: pip install '.[test]')")
    work = tmp_path_factory.mktemp("assignment")
    shutil.copytree(ASSIGNMENT, work / "master")
    assign = subprocess.run(
        [str(OTTER), "assign", "backward_pass.ipynb", str(work / "dist")],
        cwd=work / "master",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert assign.returncode == 0, assign.stdout[-3000:] + assign.stderr[-3000:]
    return work


def grade(work: Path, notebook: dict, name: str) -> dict[str, tuple[float, str]]:
    """``otter run`` on a submission: each question's score and its feedback text."""
    (work / f"{name}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    out = work / f"out-{name}"
    out.mkdir()
    zipfile = next((work / "dist" / "autograder").glob("*.zip"))
    done = subprocess.run(
        [str(OTTER), "run", "-a", str(zipfile), "-o", str(out), str(work / f"{name}.ipynb")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {t["name"]: (t.get("score"), t.get("output", "")) for t in results["tests"] if t["name"] in POINTS}


def solution(work: Path) -> dict:
    return json.loads((work / "dist" / "autograder" / "backward_pass.ipynb").read_text(encoding="utf-8"))


def test_the_student_notebook_has_no_solution_left(graded):
    student = (graded / "dist" / "student" / "backward_pass.ipynb").read_text(encoding="utf-8")
    assert "reversed(order)" not in student and "other.data * out.grad" not in student
    assert "BEGIN SOLUTION" not in student and "BEGIN TESTS" not in student


def test_the_unfilled_student_notebook_gets_nothing(graded):
    # a probe found 6 of 7 points for a blank submission: every failure was blamed on "seed", and the
    # questions asked only whether their own bug was named
    student = json.loads((graded / "dist" / "student" / "backward_pass.ipynb").read_text(encoding="utf-8"))
    scores = grade(graded, student, "unfilled")
    assert {q: s for q, (s, _) in scores.items()} == dict.fromkeys(POINTS, 0.0)


def test_the_solution_gets_full_marks(graded):
    scores = grade(graded, solution(graded), "solution")
    assert {q: s for q, (s, _) in scores.items()} == POINTS


@pytest.mark.parametrize("bug", BUGS)
def test_a_planted_bug_loses_its_points_and_the_feedback_names_it(graded, bug):
    old, new, question, named = BUGS[bug]
    notebook = solution(graded)
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    engine = next(i for i, c in enumerate(notebook["cells"]) if "class Value" in "".join(c["source"]))
    source = "".join(notebook["cells"][engine]["source"])
    assert old in source, f"{bug}: the solution no longer reads {old!r}"
    notebook["cells"][engine]["source"] = source.replace(old, new)
    assert code  # the solution has its code cells
    scores = grade(graded, notebook, bug)
    lost = {q for q, (s, _) in scores.items() if s < POINTS[q]}
    assert lost == {question}, scores
    assert named in scores[question][1]  # the feedback says which bug, from check_engine's report
