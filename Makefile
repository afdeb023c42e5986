# CareXPS Billing Admin backend. Each target sets itself up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help demo test serve lint bench clean
PIP := $(PY) -m pip install -q --disable-pip-version-check

help:  ## this list
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 20

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip setuptools wheel
	$(PIP) -r requirements-dev.txt
	PYTHONWARNINGS=ignore $(PIP) --no-deps --no-build-isolation -e .  # quiet: no editable-mode notice
	touch $(STAMP)

demo: $(STAMP)  ## the whole product on local parts
	$(PY) -m billing demo

test: $(STAMP)  ## lint + every test on a real PostgreSQL and the stand-ins
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2

serve: $(STAMP)  ## the API on http://127.0.0.1:7071 with local data and stand-ins
	$(PY) -m billing serve-local --port 7071

lint: $(STAMP)  ## ruff over the whole tree
	$(VENV)/bin/ruff check .

bench: $(STAMP)  ## the benchmarks; each prints its figures
	for b in segments costing sync invoicing dashboard; do $(PY) -m bench.$$b || exit 1; done

clean:  ## remove the venv and every generated file
	rm -rf $(VENV) out .pytest_cache .ruff_cache
