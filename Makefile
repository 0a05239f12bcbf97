# Everything runs from a local virtualenv that the first target needing it creates. Two stamps: serving needs
# only the runtime dependencies; tests, lint and the tools need the dev extra too. Both install with the exact
# versions of constraints.txt, and each is redone only when pyproject.toml or constraints.txt changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
RUNTIME_STAMP := $(VENV)/.runtime-stamp
DEV_STAMP := $(VENV)/.dev-stamp
ARGS ?=

.PHONY: install install-runtime run test lint clean bench docs constraints

install: $(DEV_STAMP)

install-runtime: $(RUNTIME_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The distribution was called mock-server before 0.2.0: a venv that still holds it would register the pytest
# plugin twice. It goes before the install, whose files (the mock-server command) it would otherwise remove.
$(RUNTIME_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip uninstall --quiet --yes mock-server 2>/dev/null || true
	$(PIP) -e .
	touch $@

# The dev install holds the runtime one, so it renews the runtime stamp too: `make test` then `make run`
# installs nothing.
$(DEV_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip uninstall --quiet --yes mock-server 2>/dev/null || true
	$(PIP) -e '.[dev]'
	touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/mock-server $(ARGS)

test: $(DEV_STAMP)
	$(BIN)/pytest $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check mock_server tests bench tools
	$(BIN)/ruff format --check mock_server tests bench tools
	$(BIN)/lint-imports --no-cache

# The generated parts of docs/ (fidelity tables, benchmark figures); make test checks they are current.
docs: $(DEV_STAMP)
	$(BIN)/python tools/docs.py

# Rewrite constraints.txt from the dev venv: every runtime and dev package at the version installed now.
constraints: $(DEV_STAMP)
	{ echo '# Exact versions of every runtime and dev dependency, for make, CI and the Docker image:'; \
	  echo '#   pip install -c constraints.txt ...   (regenerate: make constraints)'; \
	  $(BIN)/pip freeze --disable-pip-version-check --exclude-editable | grep -v '^#'; } > constraints.txt

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache

# Load and memory figures of the production server (not a test: numbers are printed, not asserted). It needs
# wrk; without it bench.py says how to install it, in one line, and exits 2.
bench: $(DEV_STAMP)
	$(BIN)/python bench/bench.py $(ARGS)
