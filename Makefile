# Staff Passport: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs lint and the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS_DIR := passport/static/vendor/nhsuk
PLOTLY_DIR := passport/static/vendor/plotly
ASSETS := $(ASSETS_DIR)/nhsuk-frontend.min.css $(PLOTLY_DIR)/plotly-basic.min.js \
  $(PLOTLY_DIR)/plotly-basic.min.js.gz
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
# PostgreSQL for the second run of the suite; tests create and drop their own database there.
PASSPORT_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# Redis for the integration group (real workers and web instances); it flushes this database number.
PASSPORT_TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: run test setup migrate lint test-sqlite test-postgres test-integration e2e-deps interop-deps bench \
  serve-prod clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# The NHS.UK frontend's built CSS, JS and images, copied where our own /assets/ route serves them; and
# plotly.js's basic bundle (scatter, bar, pie) with its gzip copy, for the dashboard (one run makes all).
$(ASSETS) &: node_modules/.package-lock.json scripts/build_assets.py | $(BIN)/python
	$(BIN)/python scripts/build_assets.py

setup: $(INSTALLED) $(ASSETS)

migrate: setup
	mkdir -p instance
	$(BIN)/alembic upgrade head

# The web server and one background worker, on the SQLite database and an SQLite queue in instance/.
run: migrate
	$(FLASK) passport seed-demo-if-empty
	PORT=$(PORT) scripts/serve.sh dev

# gunicorn (gunicorn.conf.py) and PASSPORT_WORKERS workers; production settings required (README).
serve-prod: migrate
	PASSPORT_ENV=production PORT=$(PORT) scripts/serve.sh prod

lint: setup
	$(BIN)/ruff check .

# axe-core for the accessibility check every browser journey runs (tests/e2e/accessibility.py), pinned by
# tests/e2e/package-lock.json; the e2e tests fail without it.
tests/e2e/node_modules/.package-lock.json: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund

# Real browsers for tests/e2e: Debian's chromium (browsers cannot be downloaded by Playwright here).
e2e-deps: tests/e2e/node_modules/.package-lock.json
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and this user cannot apt-get install it: browser tests will be skipped"; fi; \
	fi

# Digital Bazaar's JavaScript verifier for the interoperability test (tests/interop/, pinned by its
# package-lock.json); tests/e2e/test_interop_digitalbazaar.py fails without it.
tests/interop/node_modules/.package-lock.json: tests/interop/package.json tests/interop/package-lock.json
	npm ci --prefix tests/interop --no-audit --no-fund

interop-deps: tests/interop/node_modules/.package-lock.json

test-sqlite: setup e2e-deps interop-deps
	$(BIN)/pytest -q -m "not integration"

test-postgres: setup
	PASSPORT_TEST_DATABASE_URL=$(PASSPORT_TEST_POSTGRES_URL) $(BIN)/pytest -q -m "not e2e" tests/unit tests/functional

# Two gunicorn instances and real workers on PostgreSQL and Redis; workers are killed and restarted.
test-integration: setup
	PASSPORT_TEST_POSTGRES_URL=$(PASSPORT_TEST_POSTGRES_URL) PASSPORT_TEST_REDIS_URL=$(PASSPORT_TEST_REDIS_URL) \
	  $(BIN)/pytest -q -s tests/integration

test: migrate lint test-sqlite test-postgres test-integration

bench: setup
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules tests/interop/node_modules tests/e2e/node_modules $(ASSETS_DIR) $(PLOTLY_DIR)
