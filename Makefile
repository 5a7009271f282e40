# The README's two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export SESSION_COOKIE_SECURE ?= 0

.PHONY: run test test-random lint bench assets db clean chromium postgres

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
	@echo "Serving on http://127.0.0.1:5000, with a jobs worker beside it (Ctrl-C stops both)"
	@# The worker runs long work (scenarios, exports, large panels and imports, re-checking every
	@# placement) off the web requests; the trap stops it whichever way gunicorn ends. Gunicorn's
	@# settings, its 10 s timeout among them, are in config/gunicorn.conf.py (decision 0072).
	@export SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key)}; \
	  $(FLASK) jobs-worker --workers 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn -c config/gunicorn.conf.py wsgi:app

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Debian's Chromium for the browser tests (never a downloaded browser build). In CI (CI set)
# the browser tests must run: a Chromium that cannot be installed fails the run, saying so.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || { if [ -n "$${CI:-}" ]; then echo "Could not install chromium: CI must run the browser tests" >&2; exit 1; fi; \
	         echo "Could not install chromium: the browser tests will say so and skip"; }; \
	  elif [ -n "$${CI:-}" ]; then echo "chromium missing and not root: CI must run the browser tests" >&2; exit 1; \
	  else echo "chromium missing and not root: the browser tests will say so and skip"; fi; \
	fi

# Start the local PostgreSQL server if TEST_DATABASE_URL points at one that is down.
postgres:
	@if [ -n "$${TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1; then \
	  echo "Starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
	fi

# DfE's own SSDA903 validator in its own environment: the rule-equality tests compare with it.
test: lint chromium postgres dfe-validator
	$(BIN)/python -m pytest

# The suite in a random order (the seed is printed; RANDOM_SEED=N repeats one), browser tests aside:
# each test must build what it needs.
test-random: $(VENV)/.dev postgres dfe-validator
	$(BIN)/python -m pytest -p randomly -p no:cacheprovider --ignore=tests/e2e $(if $(RANDOM_SEED),--randomly-seed=$(RANDOM_SEED))

# The load generator's own environment (bench/load_bench.py); see requirements-load.txt.
.venv-load/bin/python: requirements-load.txt
	python3.11 -m venv .venv-load
	.venv-load/bin/pip install --quiet -r requirements-load.txt
	touch $@

bench: $(VENV)/.dev .venv-load/bin/python
	$(BIN)/python bench/rank_bench.py
	$(BIN)/python bench/assign_bench.py
	$(BIN)/python bench/polygon_bench.py
	$(BIN)/python bench/import_postcodes_bench.py
	$(BIN)/python bench/import_placements_bench.py
	$(BIN)/python bench/postcode_lookup_bench.py
	$(BIN)/python bench/import_ssda903_bench.py
	$(BIN)/python bench/import_police_uk_bench.py
	$(BIN)/python bench/capacity_bench.py
	$(BIN)/python bench/dfe_figures_bench.py
	$(BIN)/python bench/panel_bench.py
	$(BIN)/python bench/sign_in_timing_bench.py
	$(BIN)/python bench/web_path_bench.py
	$(BIN)/python bench/load_bench.py
	$(BIN)/python bench/import_areas_bench.py

assets:
	scripts/build-assets.sh

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# DfE's own SSDA903 validator (csc-validator-be-903, MIT) in an environment of its own: it pins
# pandas < 2, which the product cannot share. Used only to check planner/ssda903_rules.py against
# it (bench/dfe_validator_compare.py, tests/unit/test_ssda903_dfe_equality.py).
DFE_VENV := .venv-dfe
# The version the comparison was last run against; a newer one may add or change rules.
DFE_VALIDATOR_VERSION := 0.1.17
.PHONY: dfe-validator
dfe-validator: $(DFE_VENV)/.installed
$(DFE_VENV)/.installed:
	$(PYTHON) -m venv $(DFE_VENV)
	$(DFE_VENV)/bin/pip install --quiet csc-validator-be-903==$(DFE_VALIDATOR_VERSION)
	touch $@
