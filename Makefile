# Relata — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RELATA_DATA_DIR ?= var
export RELATA_DATA_DIR

.PHONY: run test lint bench messages clean venv dev-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp files re-run the install only when a lock file changes.
$(VENV)/.runtime-installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(VENV)/.runtime-installed
	touch $@

venv: $(VENV)/.runtime-installed

dev-deps: $(VENV)/.dev-installed

run: venv
	$(BIN)/relata setup
	$(BIN)/relata serve

test: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy relata
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: dev-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the Spanish catalogue after changing text; commit the .po and the compiled .mo.
messages: dev-deps
	$(BIN)/relata makemessages -l es --no-obsolete -i ".venv/*" -i "tests/*" -i "*/tests/*" \
		-i "var/*" -i "docs/*" -i "bench/*"
	$(BIN)/relata compilemessages -l es -i .venv

bench: dev-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache
