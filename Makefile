# CareXPS Billing Admin backend. Each target sets itself up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help demo test test-pooler serve lint bench clean web api-types web-check screenshots \
	fuzz openapi
# Run again with the app's connections through PgBouncer in transaction mode (Supabase's 6543).
POOLER_TESTS := tests/integration/test_transaction_pooler.py tests/integration/test_invoicing.py \
	tests/integration/test_batch_runner.py tests/integration/test_invoice_cancel_race.py \
	tests/integration/test_invoice_actions.py tests/integration/test_stripe_webhook.py \
	tests/integration/test_retell_webhook.py tests/integration/test_access.py \
	tests/integration/test_access_entra.py tests/integration/test_mfa.py
PIP := $(PY) -m pip install -q --disable-pip-version-check

help:  ## this list
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 20

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip setuptools wheel
	$(PIP) -r requirements-dev.txt
	PYTHONWARNINGS=ignore $(PIP) --no-deps --no-build-isolation -e .  # quiet: no editable-mode notice
	touch $(STAMP)

# The console (web/): npm ci when the lockfile changes, a build when a source changes.
WEB_SOURCES := $(shell find web -path web/node_modules -prune -o -path web/dist -prune -o -name openapi.json -prune -o -type f -print 2>/dev/null)
WEB_DEPS := web/node_modules/.installed
WEB_BUILD := web/dist/index.html
OPENAPI := $(PY) -m billing openapi

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_BUILD): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build --silent
	touch $@

web: $(WEB_BUILD)  ## build the console served at /admin/billing/

api-types: $(STAMP) $(WEB_DEPS)  ## regenerate web/src/api/schema.d.ts from the OpenAPI document
	$(OPENAPI) > web/openapi.json
	cd web && node scripts/generate-api.mjs openapi.json

web-check: api-types  ## the console's types against the API, and its lint
	cd web && npm run typecheck --silent && npm run lint --silent

screenshots: $(STAMP) $(WEB_BUILD)  ## every console page at 390x844 and 1440x900 into out/screenshots/
	BILLING_SCREENSHOTS_DIR=out/screenshots $(PY) -m pytest tests/browser/test_screenshots.py -q -p no:randomly

demo: $(STAMP) $(WEB_BUILD)  ## the whole product on local parts
	$(PY) -m billing demo

test: $(STAMP) $(WEB_BUILD) web-check  ## lint + every test (browser tests too) on a real PostgreSQL and the stand-ins
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2
	$(MAKE) --no-print-directory test-pooler

fuzz: $(STAMP)  ## nightly: schemathesis with many examples per operation against the served API
	BILLING_FUZZ_EXAMPLES=$${BILLING_FUZZ_EXAMPLES:-150} $(PY) -m pytest tests/e2e/test_api_fuzz.py -p no:randomly -s

openapi: $(STAMP)  ## the OpenAPI 3.1 document into out/openapi.json
	mkdir -p out && $(OPENAPI) > out/openapi.json

test-pooler: $(STAMP)  ## invoicing, webhook and access tests through PgBouncer (transaction mode)
	BILLING_TEST_PGBOUNCER=1 $(PY) -m pytest -n 2 $(POOLER_TESTS)

serve: $(STAMP) $(WEB_BUILD)  ## the API on http://127.0.0.1:7071 with local data and stand-ins
	$(PY) -m billing serve-local --port 7071

lint: $(STAMP)  ## ruff over the whole tree
	$(VENV)/bin/ruff check .

bench: $(STAMP)  ## the benchmarks; each prints its figures
	for b in segments costing sync invoicing dashboard reconcile load; do $(PY) -m bench.$$b || exit 1; done

clean:  ## remove the venv and every generated file
	rm -rf $(VENV) out .pytest_cache .ruff_cache web/node_modules web/dist
