# Everything runs from a local virtualenv that the first target needing it creates.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: install run test lint clean bench docs

install: $(STAMP)

# Reinstall whenever the pinned dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/mock-server $(ARGS)

test: install
	$(BIN)/pytest $(ARGS)

lint: install
	$(BIN)/ruff check mock_server tests bench tools
	$(BIN)/ruff format --check mock_server tests bench tools
	$(BIN)/lint-imports --no-cache

# The generated parts of docs/ (fidelity tables, benchmark figures); make test checks they are current.
docs: install
	$(BIN)/python tools/docs.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache

# Load and memory figures of the production server (not a test: numbers are printed, not asserted).
bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/bench.py $(ARGS)
