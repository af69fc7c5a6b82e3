# The two commands a new user types: `make demo` and `make test`.
# Both create .venv when needed and (re)install the project when pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo-data
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck install clean bench bench-all system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@bash scripts/ensure-system-deps.sh

demo: $(STAMP)
	$(BIN)/minetrace demo --dir $(DEMO_DIR)

test: $(STAMP) system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/python scripts/typecheck.py

# every speed ratio of issue 15 beside its baseline, one run (bench/speed_summary.py); bench-all: every script
bench: $(STAMP) system-deps
	$(BIN)/python bench/speed_summary.py

bench-all: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache $(DEMO_DIR) .minetrace test-artifacts
