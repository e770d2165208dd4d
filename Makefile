# Relata — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RELATA_DATA_DIR ?= var
export RELATA_DATA_DIR

.PHONY: run test lint bench bench-cards bench-cases bench-dashboard messages clean venv dev-deps

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

# Every check runs even when an earlier one fails, so one pass reports every problem; any
# failure fails the target. Browser tests are included (Chromium: RELATA_CHROMIUM).
# In two processes: `make test PYTEST_ARGS="-n 2"` (pytest-xdist).
test: dev-deps
	@status=0; \
	echo "$(BIN)/ruff check ."; $(BIN)/ruff check . || status=1; \
	echo "$(BIN)/ruff format --check ."; $(BIN)/ruff format --check . || status=1; \
	echo "$(BIN)/mypy relata"; $(BIN)/mypy relata || status=1; \
	echo "$(BIN)/python -m pytest $(PYTEST_ARGS)"; $(BIN)/python -m pytest $(PYTEST_ARGS) || status=1; \
	exit $$status

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
	$(BIN)/python bench/cards/run.py

# The pipeline board and the open-cases report over 200,000 cases (slow: builds the data).
# Add DATABASE_URL=postgres://… to measure on PostgreSQL.
bench-cases: dev-deps
	$(BIN)/python bench/run.py --suite cases $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

# The control panel and the forecast over 200,000 opportunities and 1,000,000 actions (slow:
# builds the data, a few minutes). BENCH_DATA_DIR=/tmp/… keeps the data folder, and the
# database with it, for the next run; DATABASE_URL=postgres://… (a throwaway database)
# measures on PostgreSQL; BENCH_ARGS="-n 100 --profile" adds options.
bench-dashboard: dev-deps
	$(BIN)/python bench/run.py --suite dashboard $(if $(DATABASE_URL),--database-url $(DATABASE_URL)) \
		$(if $(BENCH_DATA_DIR),--data-dir $(BENCH_DATA_DIR)) $(BENCH_ARGS)

# Business-card recognition alone: field precision/recall and seconds per card.
bench-cards: dev-deps
	$(BIN)/python bench/cards/run.py

clean:
	rm -rf $(VENV) .pytest_cache
