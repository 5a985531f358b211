# emailseq: `make run` brings the local stack up, `make test` runs every suite. Both set everything up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 (the Lambda runtime): on PATH, or the newest pyenv 3.12.
PY312 := $(shell for p in python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V | tail -1); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/pytest -p no:cacheprovider
CODE := shared functions cli tests $(wildcard bench)
OFF_PATH := nice -n 10  # work off the critical path of `make test` (see test:)
# uv (from PyPI) installs the same pinned packages as pip in seconds instead of minutes: CI time matters.
UV_PIN := uv==0.13.9
UV_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python

.PHONY: help setup quantum run test lint format unit integration infrastructure e2e layers bench clean
.PHONY: chaos

help:
	@echo "make run   - set up, start the local stack (emulator + deployed serverless.yml), seed the demo"
	@echo "make test  - set up, then lint and run every test suite (unit, integration, infrastructure, e2e)"

$(BIN)/.installed: pyproject.toml
	@test -n "$(PY312)" || { echo "emailseq needs Python 3.12 (the Lambda runtime): install it (e.g. pyenv install 3.12)" >&2; exit 1; }
	$(PY312) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(UV_PIN)
	$(UV_INSTALL) -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(BIN)/.installed node_modules/.installed spamassassin chromium

# Debian's SpamAssassin for the preview's deliverability check; skipped with a message when not root or no apt.
.PHONY: spamassassin
spamassassin:
	@bash scripts/install-spamassassin.sh

# Debian's Chromium for the dashboard's browser tests (Playwright drives it; no browser is downloaded); ~80 s the
# first time on a 2-core machine, skipped with a message when not root or no apt.
.PHONY: chromium
chromium:
	@bash scripts/install-chromium.sh

# The optional quantum stack (Braket, Qiskit, dwave-samplers, OR-Tools; ~450 MB): tests, lint and bench need it,
# `make run` does not.
$(BIN)/.quantum-installed: pyproject.toml $(BIN)/.installed
	$(UV_INSTALL) -e '.[dev,quantum]'
	touch $@

quantum: $(BIN)/.quantum-installed

run: setup
	$(BIN)/emailseq local up

lint: setup quantum
	$(OFF_PATH) $(BIN)/ruff check $(CODE)
	$(OFF_PATH) $(BIN)/ruff format --check $(CODE)
	$(OFF_PATH) $(BIN)/mypy shared functions cli

format: setup
	$(BIN)/ruff check --fix $(CODE)
	$(BIN)/ruff format $(CODE)

unit: setup quantum
	$(PYTEST) tests/unit

integration: setup
	$(PYTEST) tests/integration

infrastructure: setup
	$(PYTEST) tests/infrastructure

e2e: setup
	$(PYTEST) tests/e2e

# Lint and the emulator-free suites run while the stack suites wait on the emulator (CI must stay under 20 min);
# each one's output is printed whole when it ends. Those two run niced (OFF_PATH): the stack suites are the long
# path (~17 of the ~20 minutes on 2 cores), so the deploy and the e2e tests get the cores first and lint and the
# fast suites take what is left (they have ~10 minutes to spare). The stack suites share one local stack (the one `make run`
# starts, reused if up).
test: setup quantum
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint test-fast test-stack

.PHONY: test-fast test-stack
test-fast: setup quantum
	$(OFF_PATH) $(PYTEST) tests/unit tests/integration

test-stack: setup
	$(PYTEST) --durations=25 tests/e2e tests/infrastructure

layers: setup
	$(BIN)/python -c 'from pathlib import Path; from emailseq_cli.local.deploy import build_layers; build_layers(Path.cwd())'

# Every speed figure in the README comes from here.
bench: setup quantum
	$(BIN)/python bench/simulation_throughput.py
	$(BIN)/python bench/dkim_signing.py
	$(BIN)/python bench/inline_once.py
	$(BIN)/python bench/privacy.py
	$(BIN)/python bench/spam_check.py
	$(BIN)/python bench/send_rate.py
	$(BIN)/python bench/authorizer_cost.py
	$(BIN)/python bench/quantum_vs_classical.py
	$(BIN)/python bench/scheduler_tick.py
	$(BIN)/python bench/render_throughput.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/package_sizes.py
	$(BIN)/python bench/send_time.py
	$(BIN)/python bench/bandit_regret.py
	$(BIN)/python bench/churn_auc.py
	$(BIN)/python bench/reply_sentiment.py
	$(BIN)/python bench/recommendations.py
	$(BIN)/emailseq local up --detach --no-seed
	$(BIN)/python bench/cost_per_million.py

# Fault injection against the local stack (docs/chaos.md); never part of `make test`. CHAOS_ARGS=--no-idempotency
# is the negative control (duplicates must show).
chaos: setup   # a stack this starts runs its emulator under uvicorn: faster here (docs/chaos.md)
	EMAILSEQ_EMULATOR_SERVER=uvicorn $(BIN)/emailseq local up --detach --no-seed
	$(BIN)/python -m emailseq_cli.local.chaos $(CHAOS_ARGS)

clean:
	-$(BIN)/emailseq local down
	rm -rf .emailseq .serverless layers/*/python layers/*/.built-*
