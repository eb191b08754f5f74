# Amazon Pay Subscriptions, hands-on. `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LAB_PORT ?= 8888
# JupyterLab serves the whole project (the notebooks link to TRAINING.md and helpers/) and opens here.
LAB_START := /lab/tree/notebooks/00_start_here.ipynb
# Empty: 12111, or a free port when 12111 is another learner's (the sandbox picks and records it).
SANDBOX_PORT ?= $(TUTORIAL_SANDBOX_PORT)
PORT_ENV := $(if $(SANDBOX_PORT),TUTORIAL_SANDBOX_PORT=$(SANDBOX_PORT))
PYTHON_OK := import sys; sys.exit(sys.version_info < (3, 11))
# The exact versions every install gets (make lab, make test, .ci/run, Binder); `make lock` writes it
# from pyproject.toml's ranges. UPGRADE=1: the newest versions those ranges allow.
LOCK := requirements.lock.txt
UV := uv>=0.9,<1

.PHONY: help venv lab sandbox stop reset test test-unit test-notebooks notebooks lint bench clean \
	preflight clean-notebooks browser lock

help:
	@echo "make lab        set up (.venv) and start the tutorial on the offline sandbox (JupyterLab)"
	@echo "                LAB_PORT=8888 SANDBOX_PORT=12111 choose the ports (default sandbox port:"
	@echo "                12111, or a free one when another learner's sandbox has it)"
	@echo "make test       set up and run every test (unit, sandbox, browser, notebooks via nbval, lint),"
	@echo "                in parallel: TEST_WORKERS=N workers (default: cores + 1)"
	@echo "make sandbox    run the sandbox in the foreground (http://127.0.0.1:12111)"
	@echo "make stop       stop your background sandbox"
	@echo "make reset      empty your sandbox account and forget progress"
	@echo "make notebooks  re-execute the notebooks on a fresh sandbox and save their outputs"
	@echo "make bench      compare the sandbox with localstripe"
	@echo "make preflight  trainers: is this machine ready for a session? (TRAINING.md)"
	@echo "make clean-notebooks  copies without explanations, in build/clean-notebooks/"
	@echo "make lock       refresh $(LOCK) after a change to pyproject.toml's dependencies"
	@echo "                (UPGRADE=1: take the newest versions its ranges allow)"

$(STAMP): pyproject.toml $(LOCK) jupyter-config/ipython_kernel_config.py
	@echo "Setting up $(VENV): installing the tutorial's packages (the first time takes a few minutes)."
	@$(PYTHON) -c '$(PYTHON_OK)' || { echo "The tutorial needs Python 3.11 or newer; $(PYTHON) is older. Run: make PYTHON=python3.11 (or newer)"; exit 1; }
	$(PY) -c '$(PYTHON_OK)' 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -r $(LOCK) -e '.[test]'
	mkdir -p $(VENV)/etc/ipython && cp jupyter-config/ipython_kernel_config.py $(VENV)/etc/ipython/
	touch $(STAMP)

venv: $(STAMP)

lab: venv
	@$(PORT_ENV) $(PY) -m helpers.sandbox start
	@echo "JupyterLab: http://127.0.0.1:$(LAB_PORT)/lab (open the link with its token, printed below)"
	$(PORT_ENV) $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 \
		--ServerApp.port=$(LAB_PORT) --ServerApp.port_retries=0 \
		--ServerApp.root_dir=. --LabApp.default_url=$(LAB_START) \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root)

sandbox: venv
	$(PY) -m helpers.sandbox serve --port $(or $(SANDBOX_PORT),12111)

stop: venv
	$(PY) -m helpers.sandbox stop

reset: venv
	$(PY) -m helpers.sandbox reset
	$(PY) -c "from helpers import progress; progress.reset(); print('Progress cleared.')"

# make test: every test in parallel (pytest-xdist), one worker more than the machine has cores,
# since a worker waits on kernels, browsers and sandboxes about as often as it computes. Each
# worker has a sandbox and a browser of its own; nbval is one test among them
# (tests/notebooks/test_saved_outputs.py). TEST_WORKERS=0: no workers, one test after the other.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')

test: venv lint browser test-unit

browser: venv
	$(PY) -m helpers.browser ensure

test-unit: venv
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup tests

test-notebooks: venv
	$(PY) tests/run_notebooks.py check

lint: venv
	$(PY) -m ruff check helpers tests benchmarks
	$(PY) -m nbqa ruff notebooks
	$(PY) tests/run_notebooks.py validate

notebooks: venv
	$(PY) tests/run_notebooks.py execute

bench: venv
	$(PY) benchmarks/bench_customers.py

preflight: venv
	$(PY) tests/preflight.py

clean-notebooks: venv
	$(PY) tests/clean_notebooks.py

lock:
	@$(PY) -c '$(PYTHON_OK)' 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet '$(UV)'
	$(PY) -m uv pip compile pyproject.toml --extra test --universal --python-version 3.11 \
		--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) --output-file $(LOCK)

clean:
	rm -rf $(VENV) .tutorial .pytest_cache
