# solsim: `make demo` runs the main job, `make test` runs the test suite.
# Both create .venv with a Python >= 3.12 when it is missing and install into it.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := dev,dask,sensitivity,viz,notebooks

# The first interpreter >= 3.12 found on PATH or under pyenv.
PYTHON ?= $(shell for c in python3.12 python3.13 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do \
	  "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$c" || echo "$$c"; } && break; \
	done)

.PHONY: help install browser-deps dashboard demo test lint format bench validate readme-figures report-screens clean

help:
	@echo "make demo      run the funder comparison and write out/demo/report.html"
	@echo "make test      run the test suite"
	@echo "make bench     run the benchmarks and write benchmarks/RESULTS.md"
	@echo "make validate  reproduce published results (docs/validation.md)"
	@echo "make readme-figures  rerun the README's results: its tables and numbers, docs/readme_figures.json"
	@echo "make report-screens  the README's pictures of the report (docs/img/), from make demo's report"
	@echo "make lint      ruff check and format check"
	@echo "make dashboard the live dashboard at http://127.0.0.1:8765"
	@echo "make browser-deps  install Debian's chromium for the browser test (apt)"

$(PY):
	@test -n "$(PYTHON)" || { echo "error: no Python >= 3.12 found (tried python3.13, python3.12, pyenv)"; exit 2; }
	@echo "creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the dashboard's browser test (Playwright drives it; it never
# downloads a browser). Installed with apt when missing; where apt is unavailable or
# fails, the test is skipped with the reason.
CHROMIUM := $(firstword $(wildcard /usr/bin/chromium) $(shell command -v chromium 2>/dev/null))
browser-deps:
ifeq ($(CHROMIUM),)
	@if command -v apt-get >/dev/null 2>&1; then 	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; 	  echo "installing chromium with apt-get (for the dashboard browser test)"; 	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; } 	    || echo "warning: could not install chromium; the browser test will be skipped"; 	else 	  echo "note: no apt-get and no chromium; the browser test will be skipped"; 	fi
else
	@true
endif

dashboard: install
	$(VENV)/bin/solsim dashboard

# A fresh directory each time: a changed scenario is a different experiment.
demo: install
	rm -rf out/demo
	$(VENV)/bin/solsim compare experiments/funder_comparison.toml --out out/demo

test: install browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(VENV)/bin/python benchmarks/run.py

validate: install
	$(VENV)/bin/solsim validate --out out/validation

# The README's results tables and the numbers in its findings, from fresh runs of
# the commands it names (compare, sweep, validate; about 4 minutes on 2 cores):
# writes docs/readme_figures.json and docs/validation.md and rewrites the README
# between its readme-figures markers. tests/test_readme_figures.py checks them.
readme-figures: install
	$(PY) benchmarks/readme_figures.py

# The report's first screen at 1400 and 820 pixels wide, shot in headless Chromium,
# and two of its figures, into docs/img/ (the README shows them).
report-screens: demo browser-deps
	$(PY) benchmarks/report_screens.py

clean:
	rm -rf out .pytest_cache build dist src/*.egg-info
