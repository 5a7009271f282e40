# The README's two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export SESSION_COOKIE_SECURE ?= 0

.PHONY: run test lint bench assets db clean chromium postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Secrets come from the environment; for the local demo one is generated once and kept in instance/.
instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

db: $(VENV)/.runtime instance/secret_key
	SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key)} $(FLASK) setup-db
	SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key)} $(FLASK) demo-data --seed 1 --if-empty

run: db
	@SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key)} $(FLASK) demo-passwords
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)"
	SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key)} $(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 2 --access-logfile - --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(L)ss' wsgi:app

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Debian's Chromium for the browser tests (never a downloaded browser build).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "Could not install chromium: the browser tests will say so and skip"; \
	  else echo "chromium missing and not root: the browser tests will say so and skip"; fi; \
	fi

# Start the local PostgreSQL server if TEST_DATABASE_URL points at one that is down.
postgres:
	@if [ -n "$${TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1; then \
	  echo "Starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
	fi

test: lint chromium postgres
	$(BIN)/python -m pytest

bench: $(VENV)/.dev
	$(BIN)/python bench/rank_bench.py
	$(BIN)/python bench/assign_bench.py
	$(BIN)/python bench/polygon_bench.py
	$(BIN)/python bench/import_postcodes_bench.py
	$(BIN)/python bench/import_ssda903_bench.py
	$(BIN)/python bench/import_police_uk_bench.py
	$(BIN)/python bench/capacity_bench.py
	$(BIN)/python bench/panel_bench.py
	$(BIN)/python bench/sign_in_timing_bench.py

assets:
	scripts/build-assets.sh

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
