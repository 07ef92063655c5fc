# solsim: `make demo` runs the main job, `make test` runs the test suite.
# Both create .venv with a Python >= 3.12 when it is missing and install into it.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := dev,dask,sensitivity,discovery,viz,notebooks

# The first interpreter >= 3.12 found on PATH or under pyenv.
PYTHON ?= $(shell for c in python3.12 python3.13 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do \
	  "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$c" || echo "$$c"; } && break; \
	done)

.PHONY: help install browser-deps dashboard notebooks workshop dashboard-screenshots demo test lint format bench validate readme-figures report-screens clean

help:
	@echo "make demo      run the funder comparison and write out/demo/report.html"
	@echo "make test      run the test suite"
	@echo "make bench     run the benchmarks and write benchmarks/RESULTS.md"
	@echo "make validate  known answers and stylised facts, across the parameter space (docs/validation.md)"
	@echo "make readme-figures  rerun the README's results: its tables and numbers, docs/readme_figures.json"
	@echo "make report-screens  the README's pictures of the report (docs/img/), from make demo's report"
	@echo "make lint      ruff check and format check"
	@echo "make dashboard the live dashboard at http://127.0.0.1:8765"
	@echo "make notebooks JupyterLab on the workshop notebooks (offline, from .venv)"
	@echo "make workshop  the steps for a workshop facilitator"
	@echo "make dashboard-screenshots  the README's dashboard pictures, docs/img/ (browser test)"
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

# JupyterLab from the venv on notebooks/, with nothing fetched from outside: no
# update check, no news feed, an extension manager that lists what is installed
# instead of searching PyPI. NOTEBOOK_PORT and NOTEBOOK_ARGS (e.g. --no-browser)
# may be given on the command line. JupyterLab refuses root unless told (CI and
# containers run as root).
NOTEBOOK_PORT ?= 8888
NOTEBOOK_ARGS ?=
notebooks: install
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 \
	  --ServerApp.port=$(NOTEBOOK_PORT) --ServerApp.port_retries=0 \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --LabApp.news_url=None --LabApp.extension_manager=readonly \
	  $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True) \
	  $(NOTEBOOK_ARGS)

workshop:
	@echo "A solsim workshop, step by step (everything runs offline once 'make install' has run):"
	@echo ""
	@echo " 1. Before the day, on each machine: make install   (about a minute, needs the network once)"
	@echo " 2. Open the dashboard:    make dashboard   then http://127.0.0.1:8765 in a browser"
	@echo "    - press Step or Play to watch the recession hit; Speed sets months a second"
	@echo "    - move a tool's slider (its value shows beside it), press Apply and restart"
	@echo "    - open 'With and without': the same history with the tool and without it"
	@echo " 3. Open the notebooks:    make notebooks   (JupyterLab opens in the browser)"
	@echo "    - 01_first_economy.ipynb            agents, a recession, inequality (20 min)"
	@echo "    - 02_risk_tools.ipynb               who carries the losses, many seeds (30 min)"
	@echo "    - 03_sweeps_and_sensitivity.ipynb   which settings matter most (30 min)"
	@echo "    Run → Run All Cells; read each 'What we see' cell; change the parameters cell and rerun."
	@echo " 4. Without JupyterLab, a notebook runs from the shell too:"
	@echo "    $(VENV)/bin/jupytext --execute notebooks/01_first_economy.ipynb"
	@echo " 5. For the funders' page: make demo, then open out/demo/report.html"

# The browser test's screenshots, written where the README shows them.
dashboard-screenshots: install browser-deps
	SOLSIM_SCREENSHOTS=docs/img $(PY) -m pytest -q -p no:cacheprovider tests/test_dashboard_browser.py

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
	$(VENV)/bin/solsim validate --robust --out out/validation

# The README's results tables and the numbers in its findings, from fresh runs of
# the commands it names (compare, sweep, validate --robust; about 12 minutes on 2 idle cores):
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
