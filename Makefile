# campusvoice — `make demo` and `make test` are the whole set-up contract.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Python 3.12+ (Django 6.1 needs it). PYTHON=/path/to/python overrides the search.
PYTHON_CANDIDATES := $(PYTHON) python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python) python3
FIND_PYTHON = for p in $(PYTHON_CANDIDATES); do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v $$p; exit 0; fi; done; exit 1

export CAMPUSVOICE_SECRET_KEY_FILE ?= $(CURDIR)/var/secret_key
# bench/ only once it holds a benchmark (git keeps no empty directory, and ruff refuses a missing path).
LINTED := campusvoice $(wildcard bench)

.PHONY: help venv lock demo demo-otp test lint bench eval messages clean

help:
	@echo "make demo   create .venv, install, migrate, load the demo organisation, serve on http://127.0.0.1:8000"
	@echo "            (with a fake Facebook Page on http://127.0.0.1:8765 adding live comments)"
	@echo "make demo-otp   print the demo admin's current two-factor code"
	@echo "make test   lint and run the whole test suite (SQLite; DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make bench  run the speed benchmarks in bench/ (results go in docs/benchmarks.md)"
	@echo "make eval   print the comment classifier's validation figures"
	@echo "make lock   regenerate the hashed locks in requirements/ after editing pyproject.toml"

# Every package is installed from a lock with hashes (make lock writes them from pyproject.toml):
# a tampered or swapped release fails to install. The build backend comes first, from its own lock,
# so the packages published only as source (crontab, parsons) and campusvoice itself build with it
# (--no-build-isolation) instead of fetching unchecked build tools. dev.txt holds runtime.txt.
LOCKS := requirements/build.txt requirements/runtime.txt requirements/dev.txt

$(VENV)/.installed: pyproject.toml $(LOCKS)
	@py=$$($(FIND_PYTHON)) || { echo "campusvoice needs Python 3.12 or newer (Django 6.1)."; \
	  echo "None found among: $(PYTHON_CANDIDATES)"; \
	  echo "Install one (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 ..."; exit 1; }; \
	echo "Using $$py ($$($$py --version))"; \
	[ -x $(BIN)/python ] || $$py -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/build.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-build-isolation -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

venv: $(VENV)/.installed

# Universal locks (Linux, macOS, Windows; Python 3.12+) resolved by uv against the package index:
# each release pinned, with the hashes of all its files. Transitive pins stay as they are unless
# asked: make lock LOCK_ARGS=--upgrade. ops/tests/test_dependency_locks.py fails when pyproject.toml
# and the locks disagree. A mirror: UV_DEFAULT_INDEX=https://mirror.example/simple make lock.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.12 --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_ARGS)

lock: venv
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	  | $(UV_COMPILE) - --output-file requirements/build.txt
	$(UV_COMPILE) pyproject.toml --output-file requirements/runtime.txt
	$(UV_COMPILE) pyproject.toml --group dev --constraint requirements/runtime.txt --output-file requirements/dev.txt

var/secret_key:
	@mkdir -p var
	@$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

# The demo runs in debug mode (plain HTTP on 127.0.0.1, the demo commands allowed) with the key
# in var/secret_key; production mode is the default everywhere else.
demo: export CAMPUSVOICE_DEBUG := true
# Mail is queued and listed at /petitions/mail/ but goes nowhere (the console would print every
# letter's PDF); set CAMPUSVOICE_EMAIL_URL to try a real server.
demo: export CAMPUSVOICE_EMAIL_URL ?= dummymail://
demo: venv var/secret_key
	$(BIN)/campusvoice migrate --no-input
	$(BIN)/campusvoice demo load
	$(BIN)/campusvoice demo run

# The demo admin's current two-factor code (the log-in asks for it).
demo-otp: export CAMPUSVOICE_DEBUG := true
demo-otp: venv var/secret_key
	@$(BIN)/campusvoice demo otp

test: venv var/secret_key
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

bench: venv var/secret_key
	$(BIN)/python -m bench

eval: venv var/secret_key
	$(BIN)/campusvoice classifier eval

messages: venv var/secret_key
	cd campusvoice && ../$(BIN)/campusvoice makemessages -l it --no-obsolete --ignore='static/*' && ../$(BIN)/campusvoice compilemessages -l it

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static
