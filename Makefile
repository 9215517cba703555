# The two commands: `make run` and `make test`. Everything else is a convenience.
#
# Python: .python-version says 3.13 (pyenv resolves `python3` to it in this folder).
# The virtual environment is .venv; the locked dependencies are in requirements/ (below).
# DATABASE_URL unset -> an embedded PostgreSQL under var/pgdata (culture/devstack.py).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# pytest arguments for `make test`, e.g. make test PYTEST_ARGS="-x tests/culture"
PYTEST_ARGS ?=
# `make test` runs the suite in two pytest-xdist workers, each with its own test database,
# Redis database and Celery queue (culture/test_settings.py). Tests that time real processes
# share an xdist_group and run one after another in one worker (--dist loadgroup).
# Serially: make test PYTEST_ARGS="-n0" (a later -n wins), or PYTEST_PARALLEL=.
PYTEST_PARALLEL ?= -n 2 --dist loadgroup

.DEFAULT_GOAL := help
.PHONY: help venv venv-python venv-load lock run test lint fmt check-migrations pytest migrate seed shell bench clean clean-var messages

help:
	@echo "make run      start the app: web + Celery worker + one beat (http://127.0.0.1:$${PORT:-8000})"
	@echo "make test     lint, format check, migrations check, then the whole test suite"
	@echo "make lint     ruff check + mypy   make fmt      ruff format + ruff check --fix"
	@echo "make migrate  apply migrations    make seed     load the demo company if empty"
	@echo "make bench    benchmarks (bench/run.py; BENCH_ARGS=\"--people 2000\")"
	@echo "make load     the load test (locust; LOAD_USERS, LOAD_DURATION)"
	@echo "make screens the product screenshots in docs/screens/ (headless Chromium, demo company)"
	@echo "make messages update the translation catalogues (locale/) from the code and compile them"
	@echo "make lock     re-lock requirements/*.txt after changing pyproject.toml's dependencies"
	@echo "make clean    remove caches and collected static (keeps .venv and var/)"
	@echo "make clean-var CONFIRM=yes   also delete var/ (the embedded database, keys, queue)"

# Dependencies by purpose (pyproject.toml), each locked with hashes in requirements/:
#   runtime.txt  the production image only (Dockerfile)
#   dev.txt      runtime + the embedded PostgreSQL + test and lint tools: run, test, bench, ...
#   load.txt     runtime + locust: make load
# dev.txt and load.txt are compiled against runtime.txt (and load.txt against dev.txt), so
# one .venv can hold both with the same versions of what they share.
DEV_LOCK  := requirements/dev.txt
LOAD_LOCK := requirements/load.txt

# Create .venv if missing (Python 3.13).
venv-python:
	@if [ ! -x "$(PY)" ]; then \
		v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
		if [ "$$v" != "3.13" ]; then \
			echo "error: $(PYTHON) is Python $$v; this project needs 3.13 (pyenv install 3.13, or PYTHON=python3.13)"; \
			exit 1; \
		fi; \
		echo "Creating $(VENV) with $(PYTHON) ($$v)"; \
		$(PYTHON) -m venv $(VENV); \
	fi

# Install a lock only when something in it is not installed (a pip dry run with --no-index
# answers that offline in under a second); every file is checked against its hash.
define install_lock
	@if ! $(PY) -m pip install --dry-run --no-deps --no-index -q -r $(1) >/dev/null 2>&1; then \
		echo "Installing the locked dependencies ($(1))"; \
		$(PY) -m pip install -q --disable-pip-version-check uv && \
		$(VENV)/bin/uv pip install --python $(PY) --require-hashes -r $(1) \
		|| $(PY) -m pip install --disable-pip-version-check --require-hashes -r $(1); \
	fi
endef

venv: venv-python
	$(call install_lock,$(DEV_LOCK))

venv-load: venv-python
	$(call install_lock,$(LOAD_LOCK))

# Re-lock after changing pyproject.toml's dependencies (versions already locked are kept;
# LOCK_ARGS=--upgrade, or --upgrade-package NAME, moves them).
LOCK_ARGS ?=
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.13 \
	--generate-hashes --custom-compile-command "make lock" -q $(LOCK_ARGS)
lock: venv
	$(UV_COMPILE) -o requirements/runtime.txt
	$(UV_COMPILE) --group dev -c requirements/runtime.txt -o $(DEV_LOCK)
	$(UV_COMPILE) --group load -c $(DEV_LOCK) -o $(LOAD_LOCK)

run: venv
	$(PY) -m culture.devstack run

test: venv lint check-migrations pytest

# mypy checks the packages [tool.mypy] lists in pyproject.toml. Its Django plugin imports
# culture.test_settings, which needs no environment (DATABASE_URL unset is fine: no query).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The translation catalogues (README, "Adding a language"): every language of settings.LANGUAGES
# but the default, from the templates, the Python and the scripts; then compiled (.mo files are
# committed, so a deploy needs no gettext). tests/culture/test_translations.py fails when they
# are stale. Needs GNU gettext (Debian: apt-get install gettext).
MESSAGE_LANGUAGES = $(shell $(PY) -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings"); from django.conf import settings; print(" ".join("-l " + c for c, _ in settings.LANGUAGES if c != settings.LANGUAGE_CODE))' 2>/dev/null)
MESSAGE_IGNORE = --ignore='*/.venv/*' --ignore='.venv/*' --ignore='tests/*' --ignore='bench/*' \
	--ignore='load/*' --ignore='staticfiles/*' --ignore='var/*'
messages: venv
	@command -v msgfmt >/dev/null || { echo "error: GNU gettext is missing (apt-get install gettext)"; exit 1; }
	$(PY) manage.py makemessages $(MESSAGE_LANGUAGES) -d django --no-location --no-obsolete -e html,txt,py $(MESSAGE_IGNORE)
	$(PY) manage.py makemessages $(MESSAGE_LANGUAGES) -d djangojs --no-location --no-obsolete -i 'static/vendor/*' $(MESSAGE_IGNORE)
	$(PY) manage.py compilemessages --ignore='.venv' $(MESSAGE_LANGUAGES)

# Through devstack so that the history check sees the same database as the tests.
check-migrations: venv
	$(PY) -m culture.devstack manage makemigrations --check --dry-run

# pytest exit code 5 ("no tests collected") is a failure here, as in CI.
pytest: venv
	@$(PY) -m culture.devstack test $(PYTEST_PARALLEL) $(PYTEST_ARGS); code=$$?; \
	if [ $$code -eq 5 ]; then echo "error: pytest collected no tests"; exit 1; fi; \
	exit $$code

migrate: venv
	$(PY) -m culture.devstack manage migrate

seed: venv
	$(PY) -m culture.devstack manage seed_demo --if-empty

shell: venv
	$(PY) -m culture.devstack manage shell

# Benchmarks (bench/run.py); never part of `make test`. With DATABASE_URL unset they use
# their own embedded database (culture_bench), since they rebuild the company they measure;
# with REDIS_URL unset, a private redis-server they start and stop. First, bench/preflight.py
# checks wrk, Chromium and redis-server: as root it installs missing ones with apt-get,
# otherwise it stops at once with the `sudo apt-get install -y ...` line that does.
BENCH_ARGS ?=
bench: venv
	$(PY) -m culture.devstack bench $(BENCH_ARGS)

# Product screenshots (docs/screens/, README): the demo company in Debian's Chromium at desktop
# and phone size. CI=true: a missing Chromium stops it with the apt-get line, never a skip.
.PHONY: screens
screens: venv
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || { echo "error: Chromium is missing: sudo apt-get install -y chromium"; exit 1; }
	CI=true $(PY) -m culture.devstack test tests/e2e/screens.py -q -p no:randomly -n0

# Load test (load/run.py, issues 8 and 26) against production's shape: nginx, 3 uvicorn
# processes, 2 Celery workers and beat, PgBouncer (Debian's nginx and pgbouncer); never part
# of `make test`. Needs DATABASE_URL (seeded with the 10,000-person company, flushed if it
# holds another) and REDIS_URL. LOAD_DRILLS=true adds the fault drills (load/README.md).
LOAD_USERS ?= 400
LOAD_DURATION ?= 600
.PHONY: load
load: venv-load
	LOAD_USERS=$(LOAD_USERS) LOAD_DURATION=$(LOAD_DURATION) $(PY) load/run.py

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache .mypy_cache test-results
	find . -name __pycache__ -type d -not -path "./.venv/*" -prune -exec rm -rf {} +
	@echo "Kept .venv and var/ (data). To delete var/: make clean-var CONFIRM=yes"

clean-var:
	@if [ "$(CONFIRM)" != "yes" ]; then \
		echo "var/ holds the embedded database, the secret key and the task queue."; \
		echo "Refusing to delete it without: make clean-var CONFIRM=yes"; \
		exit 1; \
	fi
	$(PY) -m culture.devstack stop || true
	rm -rf var
