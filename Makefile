# The two commands of the README: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test test-fast lint typecheck pytest migrate clean bench-extraction bench audit

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-app

migrate: $(VENV)/.installed-app
	$(BIN)/python manage.py migrate --noinput

## run: set up, migrate, load the taxonomy/groups/seed, make a local superuser once, serve
run: migrate
	$(BIN)/python manage.py bootstrap --create-superuser
	@echo "Serving on http://$(HOST)/  (admin: http://$(HOST)/admin/)"
	$(BIN)/python manage.py runserver $(HOST)

## test: linters, type checks, migrations in sync, and the test suite
test: lint typecheck pytest

## test-fast: the same without the slow tests (live servers, real workers, fuzzing, browsers)
test-fast: PYTEST_ARGS += -m "not slow"
test-fast: lint typecheck pytest

## bench-extraction: time the importer on a 300-page document (text, web page, PDF); figures in docs/importing.md
bench-extraction: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.extraction

## bench: the app under gunicorn on PostgreSQL (100k commitments) against SQL floors; docs/benchmarks.md
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.harness $(BENCH_ARGS)

## audit: known vulnerabilities in the installed dependencies (pip-audit; tools/audit.py says what it could check)
audit: $(VENV)/.installed-dev
	$(BIN)/python tools/audit.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy .

pytest: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles sent-mail .pytest_cache .mypy_cache .ruff_cache
