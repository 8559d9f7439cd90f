# Standardiste: `make run` sets up what is missing and starts the assistant; `make test` sets up
# the same and runs the whole suite. Stamps make both idempotent: nothing is reinstalled or
# retrained unless its inputs changed.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
RASA_VENV := .venv-rasa
STAMPS := var/stamps
BIN := $(VENV)/bin
PIP_VERSION := 24.3.1
# Two pytest workers: much of the suite waits (real-time audio, Rasa, subprocesses); each starts
# its own Rasa server for the tests that need one (tests/conftest.py).
TEST_WORKERS ?= 2
# Debian packages the tests need: PostgreSQL (agenda concurrency), Chromium (staff pages).
APT_TEST_PACKAGES := postgresql postgresql-contrib chromium redis-server nginx
# Debian packages the local cluster runs (`make run-cluster`, docs/deployment.md).
APT_CLUSTER_PACKAGES := postgresql redis-server nginx

.PHONY: run run-cluster test setup bench lint typecheck lock models rasa-model db clean help screenshots
.DEFAULT_GOAL := help

help:
	@echo "make run    set up what is missing, then start the assistant (Ctrl-C stops it)"
	@echo "make run-cluster  the same, as PostgreSQL + Redis + Rasa + 2 gateways behind nginx"
	@echo "make test   set up what is missing, then run the whole suite"
	@echo "make bench  measure latencies and throughput (figures in docs/benchmarks.md)"
	@echo "make models download the French speech models (needs internet)"
	@echo "make screenshots  refresh the staff pages' and the widget's pictures in docs/screenshots/"

$(BIN)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check pip==$(PIP_VERSION)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# Rasa 3.6 does not declare Python 3.11 and pins SQLAlchemy 1.4, pydantic 1 and twilio 8, so it
# has its own environment, installed in two steps (see dialogue/rasa/requirements-rasa.txt).
$(RASA_VENV)/.installed: dialogue/rasa/requirements-rasa.txt
	@test -x $(RASA_VENV)/bin/python || $(PY) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --disable-pip-version-check pip==$(PIP_VERSION)
	$(RASA_VENV)/bin/pip install -q --disable-pip-version-check -r dialogue/rasa/requirements-rasa.txt
	$(RASA_VENV)/bin/pip install -q --disable-pip-version-check --no-deps --ignore-requires-python \
		rasa-sdk==3.6.2 rasa==3.6.21
	@touch $@

$(STAMPS)/apt-test: Makefile scripts/ensure-apt-packages.sh
	@mkdir -p $(STAMPS)
	scripts/ensure-apt-packages.sh $(APT_TEST_PACKAGES)
	@touch $@

$(STAMPS)/apt-cluster: Makefile scripts/ensure-apt-packages.sh
	@mkdir -p $(STAMPS)
	scripts/ensure-apt-packages.sh $(APT_CLUSTER_PACKAGES)
	@touch $@

.env:
	@cp .env.example .env
	@echo "created .env from .env.example: set TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL"

setup: $(BIN)/.installed $(RASA_VENV)/.installed .env db rasa-model

db: $(BIN)/.installed
	@$(BIN)/standardiste db upgrade

# Trains only when config, domain or data changed (the model is named by their hash).
rasa-model: $(BIN)/.installed $(RASA_VENV)/.installed
	@$(BIN)/python -m dialogue.rasa.server train

run: setup
	$(BIN)/standardiste run

# The production topology on loopback (docs/deployment.md); STANDARDISTE_CLUSTER_* in .env.
run-cluster: setup $(STAMPS)/apt-cluster
	$(BIN)/python -m cluster run

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(BIN)/.installed $(RASA_VENV)/.installed $(STAMPS)/apt-test rasa-model
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Refresh the pictures of the staff pages and the website widget in docs/screenshots/ (the tests
# write theirs to a temporary folder).
screenshots: $(BIN)/.installed $(RASA_VENV)/.installed $(STAMPS)/apt-test rasa-model
	STANDARDISTE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest \
		tests/staff/test_browser.py tests/dialogue/test_website_browser.py

bench: $(BIN)/.installed $(RASA_VENV)/.installed $(STAMPS)/apt-test rasa-model
	$(BIN)/python -m benchmarks

models: $(BIN)/.installed
	$(BIN)/standardiste models download

# Regenerate the gateway's lock from requirements.in (then commit requirements.lock).
lock:
	rm -rf /tmp/standardiste-lock && $(PY) -m venv /tmp/standardiste-lock
	/tmp/standardiste-lock/bin/pip install -q pip==$(PIP_VERSION) && /tmp/standardiste-lock/bin/pip install -q -r requirements.in
	/tmp/standardiste-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) $(RASA_VENV) var/stamps
