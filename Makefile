# The only set-up a newcomer runs: `make demo`, `make test`, `make bench`.
# Each creates .venv if missing, installs the project (editable) with the extras it
# needs, and makes sure there is a Graphviz `dot` (the system's, else the `dot` extra).
# Without make: `pip install ".[dot]"` (see README, Install).

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# no bytecode or pip chatter in a fresh clone
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-all bench mutate coverage lint docs dist notebooks notebook-copies dot browser clean help \
	playground playground-serve playground-npm

help:
	@echo "make demo       set up .venv, run a small example, write an SVG, print where"
	@echo "make test       set up .venv, run the whole test suite including notebooks, the wheel and the docs"
	@echo "make test-all   run the suite on every CPython 3.10-3.13 this machine has (nox)"
	@echo "make bench      run the benchmarks against micrograd==0.1.0 (JSON lines)"
	@echo "make mutate     mutation testing: plant one bug at a time in the core, gradcheck, parse and batched, run the"
	@echo "                tests that cover it, print killed / survived per file and each survivor (minutes, under nice)"
	@echo "make coverage   line and branch coverage of the suite (subprocesses too) per package, and the files"
	@echo "                below 97%; HTML and JSON reports in build/coverage/ (minutes, under nice)"
	@echo "make lint       ruff check, ruff format --check, and mypy (strict on autodiff/)"
	@echo "make docs       build the documentation site into site/ (MkDocs, strict, notebooks executed)"
	@echo "make dist       build the sdist and wheel into dist/, check them, smoke-test the wheel in a fresh venv"
	@echo "make notebooks  open Jupyter in the venv on your copies of the notebooks, in $(NOTEBOOK_COPIES)/ (git-ignored;"
	@echo "                made when missing, never overwritten: your work is kept; notebooks/*.ipynb stay as stored)"
	@echo "make playground build the playground (the engine in a browser page) into build/playground/"
	@echo "make playground-serve  build it, serve it on 127.0.0.1 and open it in the browser"
	@echo "make clean      remove .venv and build leftovers"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10) and "stepgrad needs Python >= 3.10, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# one stamp per extra set, redone when pyproject.toml or the version (autodiff/__init__.py) changes
$(VENV)/.installed-%: pyproject.toml autodiff/__init__.py | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[$*]"
	@touch $@

$(VENV)/.installed-base: pyproject.toml autodiff/__init__.py | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

# Graphviz `dot`: already on PATH, else the `dot` extra (PyPI's graphviz-pure) in the venv, linked as
# .venv/bin/dot; Debian's package as root only if pip cannot install it (said before, apt's output and why)
dot: | $(BIN)/python
	@sh tools/ensure_dot.sh $(BIN)/python

# headless Chromium plus Debian's chromedriver, for the Selenium tests that click through the HTML
# walk-through: already there, else (as root, with apt) Debian's packages chromium and chromium-driver,
# showing apt's output if that fails; else the browser tests skip, saying what is missing
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		echo "browser: using $$(command -v chromium) and $$(command -v chromedriver)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "browser: installing Debian packages chromium and chromium-driver (apt-get update; apt-get install)"; \
		log=$$(mktemp); \
		if { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				chromium chromium-driver; } >"$$log" 2>&1 \
			&& command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
			echo "browser: installed $$(command -v chromium) and $$(command -v chromedriver)"; \
		else \
			cat "$$log" >&2; \
			echo "browser: apt-get could not install chromium and chromium-driver (its output is above);" \
				"the browser tests will be skipped" >&2; \
		fi; \
		rm -f "$$log"; \
	else \
		echo "browser: chromium or chromedriver missing, and installing them needs root and apt" \
			"(Debian packages chromium and chromium-driver); the browser tests will be skipped"; \
	fi

demo: $(VENV)/.installed-base dot
	$(BIN)/python -m autodiff demo

test: $(VENV)/.installed-test dot browser playground-npm
	$(BIN)/python -m pytest -p no:cacheprovider --doctest-modules autodiff nn tests $(wildcard notebooks/*.ipynb) --nbmake

bench: $(VENV)/.installed-bench
	cd benchmarks && $(BIN)/python bench_engine.py && $(BIN)/python bench_mlp.py && $(BIN)/python bench_draw.py

# mutation testing (tools/mutate.py; equivalent mutants listed in tools/mutate_equivalent.txt): not part of
# make test, it takes minutes; one JSON line per mutant in build/mutate/mutants.jsonl
mutate: $(VENV)/.installed-test
	nice -n 15 $(BIN)/python tools/mutate.py --jsonl build/mutate/mutants.jsonl

# line and branch coverage ([tool.coverage.run] in pyproject.toml: subprocesses measured too): the suite as
# make test runs it, notebooks aside; not part of make test. Reports in build/coverage/ (html/, coverage.json)
coverage: $(VENV)/.installed-test dot browser playground-npm
	rm -rf build/coverage && mkdir -p build/coverage
	nice -n 10 $(BIN)/python -m coverage run -m pytest -q -p no:cacheprovider --doctest-modules autodiff nn tests
	$(BIN)/python -m coverage combine -q
	$(BIN)/python -m coverage json -q -o build/coverage/coverage.json
	$(BIN)/python -m coverage html -q -d build/coverage/html
	$(BIN)/python tools/coverage_report.py build/coverage/coverage.json

# the playground: a static site of Pyodide, viz.js and stepgrad's wheels (tools/build_playground.py,
# docs/playground.md). Its npm packages (playground/package-lock.json) come the way `dot` does:
# npm already there, else Debian's npm when root; then `npm ci` when the lock changed. For make test
# that is optional: without npm the playground test skips, saying so
playground-npm:
	@sh tools/ensure_npm.sh --optional

playground: $(VENV)/.installed-base
	@sh tools/ensure_npm.sh
	$(BIN)/python tools/build_playground.py

playground-serve: playground
	$(BIN)/python -m autodiff playground

# every CPython 3.10-3.13 found (PATH, pyenv); notebooks and browser tests left to `make test`
test-all: $(VENV)/.installed-dev
	$(BIN)/nox

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# the site in site/, every notebook executed (STEPGRAD_DOCS_EXECUTE=false skips that)
docs: $(VENV)/.installed-docs dot
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

dist: $(VENV)/.installed-test
	$(BIN)/python tools/check_dist.py

# Jupyter on copies of the notebooks, so that its autosave (outputs included) never touches the stored
# notebooks/*.ipynb that `make test` checks and runs. A copy is made only when missing: a learner's work is
# kept (delete a copy to start that notebook afresh). The copies are git-ignored, and `make test` neither
# runs nor checks them ($(wildcard notebooks/*.ipynb) does not look into the folder).
NOTEBOOK_COPIES := notebooks/work

notebook-copies:
	@mkdir -p $(NOTEBOOK_COPIES)
	@for nb in notebooks/*.ipynb; do \
		copy="$(NOTEBOOK_COPIES)/$${nb##*/}"; \
		if [ -e "$$copy" ]; then echo "notebooks: keeping your $$copy"; \
		else cp "$$nb" "$$copy" && echo "notebooks: copied $$nb to $$copy"; fi; \
	done

notebooks: $(VENV)/.installed-notebooks $(VENV)/.installed-test dot notebook-copies
	$(BIN)/jupyter notebook $(NOTEBOOK_COPIES)/

clean:
	rm -rf $(VENV) build dist site .nox *.egg-info .pytest_cache .hypothesis .mypy_cache
