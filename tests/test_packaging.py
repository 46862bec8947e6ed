"""Shipping: drawing finds a `dot` without make or root, one version number, the Install section
and the extras it names, `make demo`'s Graphviz step telling the truth, and the built wheel
working outside the checkout (the slow test, marked `packaging`)."""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff
import autodiff.dot_program
import autodiff.viz
from autodiff import Value
from autodiff.__main__ import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test extra brings tomli to Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def neuron() -> Value:
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    return f


def path_without_dot() -> str:
    """PATH less every folder holding a Graphviz dot or graphviz-pure."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    has_dot = lambda d: any(shutil.which(n, path=d) for n in ("dot", "graphviz-pure"))  # noqa: E731
    return os.pathsep.join(d for d in folders if d and not has_dot(d))


def beside_python() -> str | None:
    """graphviz-pure as the dot extra installs it: in this Python's scripts folder."""
    for folder in autodiff.dot_program._script_dirs():
        found = shutil.which("graphviz-pure", path=folder)
        if found:
            return found
    return None


# -- drawing finds a dot: the system's first, else graphviz-pure (the dot extra) ------------------


def test_svg_is_drawn_with_graphviz_pure_when_no_system_dot_is_on_path(monkeypatch):
    pure = beside_python()
    assert pure, 'graphviz-pure is not installed beside this Python: pip install -e ".[dot]" (the test extra has it)'
    monkeypatch.setenv("PATH", path_without_dot())
    assert shutil.which("dot") is None
    assert autodiff.viz.find_dot() == pure
    svg = autodiff.to_svg(neuron())
    assert "(graphviz-pure)" in svg and ">w<" in svg  # its generator comment: no other dot drew it
    # a drawing shown in Jupyter goes through the same dot
    bundle = autodiff.draw(neuron())._repr_mimebundle_()
    assert "(graphviz-pure)" in bundle["image/svg+xml"]


def test_the_digraph_draw_returns_renders_itself_with_graphviz_pure(tmp_path, monkeypatch):
    """graphviz's own pipe / render / view on draw's Digraph run what find_dot finds, not `dot` by name."""
    import graphviz

    pure = beside_python()
    assert pure, 'graphviz-pure is not installed beside this Python: pip install -e ".[dot]" (the test extra has it)'
    monkeypatch.setenv("PATH", path_without_dot())
    g = autodiff.draw(neuron())
    assert "(graphviz-pure)" in g.pipe(format="svg", encoding="utf-8")
    png = g.render(tmp_path / "neuron", format="png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    opened = []
    monkeypatch.setattr(g, "_view", lambda path, **kw: opened.append(path))  # no viewer window in a test
    assert g.view(tmp_path / "shown") == str(tmp_path / "shown.svg") and opened
    assert "(graphviz-pure)" in (tmp_path / "shown.svg").read_text(encoding="utf-8")
    # graphviz is left as it was: a Digraph of your own still runs `dot` by name
    assert graphviz.backend.dot_command.DOT_BINARY == Path("dot")
    with pytest.raises(graphviz.ExecutableNotFound):
        graphviz.Digraph(body=["a -> b"]).pipe(format="svg")


def test_a_digraph_of_your_own_needs_a_dot_and_the_readme_says_how(tmp_path, monkeypatch):
    """The README's limit, as it states it: graphviz-pure alone, your own Digraph fails; its two ways out work."""
    import graphviz

    pure = beside_python()
    assert pure, 'graphviz-pure is not installed beside this Python: pip install -e ".[dot]"'
    monkeypatch.setenv("PATH", path_without_dot())
    mine = graphviz.Digraph(body=["a -> b"])  # as micrograd's draw_dot builds it
    with pytest.raises(graphviz.ExecutableNotFound):
        mine.pipe(format="svg")
    assert "raises `ExecutableNotFound`" in README
    # autodiff's dot draws it
    assert 'autodiff.viz.render(g, "svg")' in README
    assert "(graphviz-pure)" in autodiff.viz.render(mine, "svg").decode()
    # or a `dot` linked to graphviz-pure where the graphviz package looks for it
    assert 'ln -s graphviz-pure "$(dirname "$(command -v python)")/dot"' in README
    (tmp_path / "graphviz-pure").symlink_to(pure)
    (tmp_path / "dot").symlink_to("graphviz-pure")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "(graphviz-pure)" in mine.pipe(format="svg", encoding="utf-8")


def test_graphviz_pure_on_path_is_found_too(tmp_path, monkeypatch):
    pure = beside_python()
    assert pure, 'graphviz-pure is not installed beside this Python: pip install -e ".[dot]"'
    (tmp_path / "graphviz-pure").symlink_to(pure)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", list)
    assert autodiff.viz.find_dot() == str(tmp_path / "graphviz-pure")
    assert "(graphviz-pure)" in autodiff.to_svg(neuron())


def test_a_system_dot_on_path_comes_before_graphviz_pure(tmp_path, monkeypatch):
    for name in ("dot", "graphviz-pure"):
        (tmp_path / name).write_text("#!/bin/sh\nexit 0\n")
        os.chmod(tmp_path / name, 0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert autodiff.viz.find_dot() == str(tmp_path / "dot")


def test_with_neither_the_error_names_both_fixes(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", list)
    assert autodiff.viz.find_dot() is None
    for draw_it in (lambda: autodiff.to_svg(neuron()), lambda: autodiff.draw(neuron())._repr_mimebundle_()):
        with pytest.raises(autodiff.GraphvizNotFound) as error:
            draw_it()
        message = str(error.value)
        assert "'dot' executable was not found on PATH, nor PyPI's graphviz-pure" in message
        assert "pip install graphviz-pure" in message and "apt-get install graphviz" in message
        assert "stepgrad[" not in message  # stepgrad is not on PyPI: pip install "stepgrad[dot]" fails


def test_the_error_says_where_it_looked_for_graphviz_pure(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", lambda: ["/opt/nowhere/bin"])
    with pytest.raises(autodiff.GraphvizNotFound, match=r"on PATH or in /opt/nowhere/bin\)"):
        autodiff.to_svg(neuron())


# -- one version, in one place ------------------------------------------------------------------


def test_version_is_written_once_in_autodiff_init():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "autodiff.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", autodiff.__version__)
    installed = importlib.metadata.version("stepgrad")
    assert installed == autodiff.__version__, f"installed metadata says {installed}: reinstall (pip install -e .)"


def test_version_option_prints_it(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"autodiff (stepgrad) {autodiff.__version__}\n"


def test_changelog_keeps_a_changelog_with_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text
    versions = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert versions[0] == "Unreleased"
    assert autodiff.__version__ in versions, f"CHANGELOG.md has no section for {autodiff.__version__}"
    for heading in re.findall(r"^### (.+)$", text, re.M):
        assert heading in ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def test_classifiers_say_the_pythons_that_are_tested():
    project = PYPROJECT["project"]
    tested = [c.rsplit(" ", 1)[1] for c in project["classifiers"] if re.fullmatch(r".*:: 3\.\d+", c)]
    assert tested == ["3.10", "3.11", "3.12", "3.13"]
    assert project["requires-python"] == ">=3.10"
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert f"PYTHONS = {tested!r}".replace("'", '"') in noxfile


# -- the README's Install section ---------------------------------------------------------------


def test_install_section_comes_first_and_names_only_real_extras():
    sections = re.findall(r"^## (.+)$", README, re.M)
    assert sections[0] == "Install"
    install = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    commands = install.split("```sh")[1].split("```")[0]
    assert 'pip install ".[dot]"' in commands and not re.search(r"^\s*(sudo|make)\b", commands, re.M)
    named = {e for group in re.findall(r"(?:\.|stepgrad|\.whl)\[([a-z,]+)\]", install) for e in group.split(",")}
    assert {"dot", "notebooks", "test"} <= named
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    assert named and named <= extras, f"README names extras {sorted(named - extras)} that pyproject.toml lacks"


def test_numpy_is_only_the_fast_extra_and_scikit_learn_joins_notebooks_and_test():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert not any(req.startswith("numpy") for req in PYPROJECT["project"]["dependencies"])
    assert any(req.startswith("numpy") for req in extras["fast"])
    for name in ("notebooks", "test"):
        assert any(req.startswith("scikit-learn") for req in extras[name]), name
        assert any("fast" in req for req in extras[name] if req.startswith("stepgrad[")), name


def test_dot_extra_brings_graphviz_pure():
    assert any(req.startswith("graphviz-pure") for req in PYPROJECT["project"]["optional-dependencies"]["dot"])


# -- `make demo`'s Graphviz step (tools/ensure_dot.sh), with a fake apt-get ------------------------

LOCK = (
    "Reading package lists...\n"
    "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\n"
    "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?"
)
OFFLINE = (
    "Ign:1 http://deb.debian.org/debian bookworm InRelease\n"
    "Err:1 http://deb.debian.org/debian bookworm InRelease\n"
    "  Temporary failure resolving 'deb.debian.org'\n"
    "E: Unable to locate package graphviz"
)


def fake_system(
    tmp_path: Path, uid: int, apt_output: str | None, system_dot: bool = False, pip_ok: bool = True
) -> tuple[Path, dict]:
    """A PATH of the few real tools the script needs, plus a fake id, apt-get, dot and venv python."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("mktemp", "cat", "grep", "head", "rm", "touch", "cp", "ln"):
        (bin_ / tool).symlink_to(shutil.which(tool))
    pip = (
        f"touch {tmp_path}/pure"
        if pip_ok
        else "echo 'ERROR: No matching distribution found for graphviz-pure' >&2; exit 1"
    )
    scripts = {
        "id": f'case "$1" in -u) echo {uid} ;; -un) echo learner ;; esac',
        # every call logged; the output given, then a failure (or a dot appears, when apt_output is None)
        "apt-get": f'echo "apt-get $*" >> {tmp_path}/calls\n'
        + (f"cat <<'EOF'\n{apt_output}\nEOF\nexit 100" if apt_output is not None else f"cp {bin_}/fake-dot {bin_}/dot"),
        "fake-dot": "exit 0",
        # the venv's python: `-m pip install` installs graphviz-pure (or fails), `-c` (find_dot) prints it once there
        "python": f'case "$1" in -m) echo "python $*" >> {tmp_path}/calls; {pip} ;;\n'
        f"-c) [ -f {tmp_path}/pure ] && echo {bin_}/fake-dot ;; esac",
    }
    for name, body in scripts.items():
        (bin_ / name).write_text(f"#!/bin/sh\n{body}\n")
        os.chmod(bin_ / name, 0o755)
    if system_dot:
        shutil.copy(bin_ / "fake-dot", bin_ / "dot")
    return bin_, {"PATH": str(bin_), "HOME": str(tmp_path)}


def ensure_dot(tmp_path: Path, uid: int, apt_output: str | None, system_dot: bool = False, pip_ok: bool = True):
    bin_, env = fake_system(tmp_path, uid, apt_output, system_dot, pip_ok)
    done = subprocess.run(
        ["/bin/sh", str(ROOT / "tools" / "ensure_dot.sh"), str(bin_ / "python")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    calls = (tmp_path / "calls").read_text() if (tmp_path / "calls").exists() else ""
    return done, calls


def test_demo_uses_a_system_dot_and_installs_nothing(tmp_path):
    done, calls = ensure_dot(tmp_path, uid=0, apt_output=LOCK, system_dot=True)
    assert done.returncode == 0 and done.stdout == f"dot: using {tmp_path}/bin/dot\n" and calls == ""


@pytest.mark.parametrize("uid", [0, 1000], ids=["root", "user"])
def test_demo_installs_the_dot_extra_into_the_venv_never_apt_and_links_it_as_dot(tmp_path, uid):
    done, calls = ensure_dot(tmp_path, uid=uid, apt_output=None)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dot: no Graphviz dot on PATH; installing the project's dot extra into the venv")
    assert calls.splitlines() == ["python -m pip install -q -e .[dot]"]  # no apt-get, even as root
    assert done.stdout.splitlines()[-1] == (
        f"dot: using {tmp_path}/bin/fake-dot (PyPI's graphviz-pure, the dot extra), "
        f"linked as {tmp_path}/bin/dot for the graphviz package"
    )
    # the venv's `dot`, which the graphviz package (a draw_dot of your own) runs by name
    assert os.readlink(tmp_path / "bin" / "dot") == f"{tmp_path}/bin/fake-dot"


def test_demo_with_graphviz_pure_already_in_the_venv_installs_nothing(tmp_path):
    (tmp_path / "pure").touch()
    done, calls = ensure_dot(tmp_path, uid=0, apt_output=None)
    assert done.returncode == 0 and calls == "" and (tmp_path / "bin" / "dot").is_symlink()


def test_demo_falls_back_to_apt_only_when_pip_fails_and_says_so_first(tmp_path):
    done, calls = ensure_dot(tmp_path, uid=0, apt_output=None, pip_ok=False)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert "No matching distribution found for graphviz-pure" in done.stderr  # pip's own words, shown
    assert lines[1].startswith("dot: could not install the dot extra (pip's output is above); installing the Debian")
    assert lines[2] == f"dot: installed {tmp_path}/bin/dot"
    assert calls.splitlines()[1:] == ["apt-get update -q", "apt-get install -y -q --no-install-recommends graphviz"]


def test_demo_with_apt_lock_held_says_so_and_shows_apt(tmp_path):
    done, calls = ensure_dot(tmp_path, uid=0, apt_output=LOCK, pip_ok=False)
    assert done.returncode == 1
    assert "It is held by process 4242 (apt-get)" in done.stderr  # apt's own output, shown
    assert "apt-get could not install graphviz: its lock is held by process 4242 (apt-get)" in done.stderr
    assert "needs root" not in done.stderr + done.stdout  # not the old lie


def test_demo_offline_says_no_network(tmp_path):
    done, calls = ensure_dot(tmp_path, uid=0, apt_output=OFFLINE, pip_ok=False)
    assert done.returncode == 1
    assert "Temporary failure resolving 'deb.debian.org'" in done.stderr
    assert "apt-get could not install graphviz: no network" in done.stderr


def test_demo_without_root_never_calls_apt(tmp_path):
    done, calls = ensure_dot(tmp_path, uid=1000, apt_output=LOCK, pip_ok=False)
    assert done.returncode == 1
    assert "installing Debian's graphviz needs root (you are learner)" in done.stderr
    assert "apt-get" not in calls and "pip install graphviz-pure in the venv" in done.stderr


# -- the wheel, built and installed outside the checkout (slow) ------------------------------------


@pytest.mark.packaging
def test_built_wheel_installs_and_works_outside_the_checkout(tmp_path):
    """`make dist` in full: build, twine check, contents (py.typed ...), fresh venv, smoke test with no system dot."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_dist.py"), "--outdir", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"tools/check_dist.py failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert "smoke test passed: stepgrad" in done.stdout
    assert "an SVG drawn with graphviz-pure found beside sys.executable" in done.stdout
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == [
        f"stepgrad-{autodiff.__version__}-py3-none-any.whl",
        f"stepgrad-{autodiff.__version__}.tar.gz",
    ]


def test_the_torch_cross_checks_skips_say_why_and_how_to_run_them():
    # issue 22: its 2 skips were explained nowhere
    hide_torch = (
        "import sys; sys.modules['torch'] = None; import pytest; "
        "sys.exit(pytest.main(['-q', '-rs', '-p', 'no:cacheprovider', 'tests/test_torch_crosscheck.py']))"
    )
    done = subprocess.run([sys.executable, "-c", hide_torch], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "1 skipped" in done.stdout, done.stdout + done.stderr  # the module: it needs torch
    assert 'optional cross-check against PyTorch, not installed by make test: pip install ".[torch]"' in done.stdout
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert extras["torch"] == ["torch>=1.13"] and not any("torch" in req for req in extras["test"])
    assert "`tests/test_torch_crosscheck.py` as skipped" in README and 'pip install ".[torch]"' in README


def test_nothing_tells_a_user_to_pip_install_stepgrad_from_pypi():
    # issue 22: messages, the README, the docs and the notebooks said pip install "stepgrad[dot]"
    # (and [fast], [notebooks]), which fails: stepgrad is not on PyPI. They name the plain package,
    # and the extra as a clone installs it (pip install ".[dot]")
    said = []
    for pattern in ("autodiff/*.py", "nn/*.py", "docs/*.md", "notebooks/*.ipynb", "README.md"):
        for path in sorted(ROOT.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            said += [f"{path.relative_to(ROOT)}: {line.strip()}" for line in text.splitlines() if "stepgrad[" in line]
    assert said == []
    import autodiff.batched
    import nn.plot

    assert "pip install numpy" in inspect.getsource(autodiff.batched.numpy)
    assert "pip install matplotlib" in nn.plot.NEEDS
