# The commands people type. Each target sets up .venv first if needed (CPU torch, then the
# project with its dev extras), so on a fresh machine `make train` and `make test` are all it takes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0
# A generation trains 3 learners (the main agent, 2 exploiters): more workers than that idle.
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 3 ] && n=3; echo $$n)

.PHONY: venv train test test-all bench quality lint format clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU wheel first: a bare torch requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e ".[dev,ray]"
	touch $@

train: venv  ## the default league into runs/<date-time>/, on up to 3 cores (Ray)
	$(BIN)/pong-league train --workers $(WORKERS) $(ARGS)

test: venv  ## the test suite (a few minutes on 2 cores)
	$(BIN)/python -m pytest

bench: venv  ## speed figures, as quoted in the README
	$(BIN)/python scripts/bench_env.py
	$(BIN)/python scripts/bench_league.py
	$(BIN)/python scripts/bench_bots.py
	$(BIN)/python scripts/bench_parallel.py

quality: venv  ## does the league help? league vs naive self-play on 3 seeds (hours)
	$(BIN)/python scripts/bench_quality.py $(ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
