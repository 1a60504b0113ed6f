# The two commands of the quick start: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Only this machine reaches the development server; LISTEN=0.0.0.0 opens it to the network.
LISTEN ?= 127.0.0.1
# Tests run on PostgreSQL (the local server, trust auth) unless DATABASE_URL says otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/khuenkhondee

.PHONY: run test lint typecheck check seed risk-demo messages clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_periodic_tasks
	$(PY) manage.py seed_demo --if-empty
	@echo "Serving on http://$(LISTEN):$(PORT)/  (Ctrl-C stops it)"
	$(PY) manage.py runserver $(LISTEN):$(PORT)

test: $(VENV)/.dev
	DJANGO_ENV=test DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(VENV)/.dev
	DJANGO_ENV=test $(PY) -m mypy .

check: lint typecheck test

seed: $(VENV)/.runtime
	$(PY) manage.py seed_demo

# Train a candidate risk model on the demo cases; a manager approves it at /models/, then `manage.py risk_score`.
risk-demo: $(VENV)/.runtime
	$(PY) manage.py risk_train

messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l th --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l th --ignore=.venv

clean:
	rm -rf $(VENV) var
