# Two commands from a fresh clone:  `make run`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test fuzz bench docs serve lock clean

# The exact versions of everything (the extras all, test, mutate and lock), resolved from pyproject's
# ranges by `make lock`; the package itself goes on top without resolving anything again.
LOCK := requirements.lock
LOCK_EXTRAS := --extra all --extra test --extra mutate --extra lock

$(STAMP): pyproject.toml $(LOCK)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r $(LOCK)
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/uprising run peru-2022

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q

# The reliability suite's long version: more bytes flipped, more kills, more hostile inputs.
fuzz: $(STAMP)
	UPRISING_RELIABILITY=long $(VENV)/bin/pytest -q tests/reliability

bench: $(STAMP)
	$(VENV)/bin/uprising bench
	$(VENV)/bin/python benchmarks/bench_load.py --rounds 3 --ticks 20

docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict

serve: $(STAMP)
	$(VENV)/bin/uprising serve

# After a change to pyproject's dependencies: resolve the lock again, keeping every pin that
# still fits; `make lock LOCK_FLAGS=--upgrade` takes the newest versions the ranges allow.
lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_EXTRAS) --universal --python-version 3.11 \
		$(LOCK_FLAGS) -o $(LOCK)

clean:
	rm -rf $(VENV) results build uprising.duckdb

# Mutation testing of the engine's rules (cosmic-ray, the lock's mutate extra; benchmarks/mutate.py),
# on one core; not part of `make test`. Prints each module's killed and surviving mutants.
.PHONY: mutate
mutate: $(STAMP)
	$(PY) benchmarks/mutate.py
