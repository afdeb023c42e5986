# CareXPS Billing Admin backend. Each target sets itself up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help demo test serve lint bench clean fuzz openapi
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

fuzz: $(STAMP)  ## nightly: schemathesis with many examples per operation against the served API
	BILLING_FUZZ_EXAMPLES=$${BILLING_FUZZ_EXAMPLES:-150} $(PY) -m pytest tests/e2e/test_api_fuzz.py -p no:randomly -s

openapi: $(STAMP)  ## the OpenAPI 3.1 document into out/openapi.json
	mkdir -p out && $(PY) -m billing openapi > out/openapi.json

serve: $(STAMP)  ## the API on http://127.0.0.1:7071 with local data and stand-ins
	$(PY) -m billing serve-local --port 7071

lint: $(STAMP)  ## ruff over the whole tree
	$(VENV)/bin/ruff check .

bench: $(STAMP)  ## the benchmarks; each prints its figures
	for b in segments costing sync invoicing dashboard; do $(PY) -m bench.$$b || exit 1; done

clean:  ## remove the venv and every generated file
	rm -rf $(VENV) out .pytest_cache .ruff_cache
