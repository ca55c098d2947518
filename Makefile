# Two commands from a fresh clone:  `make run`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test fuzz bench docs serve clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,peer]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/uprising run peru-2022

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q

# The reliability suite's long version: more bytes flipped, more kills, more hostile inputs.
fuzz: $(STAMP)
	UPRISING_RELIABILITY=long $(VENV)/bin/pytest -q tests/reliability

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[test,peer]'
	$(VENV)/bin/uprising bench

docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict

serve: $(STAMP)
	$(VENV)/bin/uprising serve

clean:
	rm -rf $(VENV) results build uprising.duckdb

# Mutation testing of the engine's rules (cosmic-ray, benchmarks/mutate.py), on one core; not
# part of `make test`. Prints each module's killed and surviving mutants.
.PHONY: mutate
mutate: $(STAMP)
	$(PY) -m pip install -q -e '.[mutate]'
	$(PY) benchmarks/mutate.py
