# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format check messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m huaisi.devstack run

test: $(STAMP)
	$(PY) -m huaisi.devstack test $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m huaisi.devstack exec $(PY) -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh locale/zh_Hans from the sources (needs GNU gettext: apt-get install gettext).
messages: $(STAMP)
	$(PY) -m huaisi.devstack exec $(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location

clean:
	rm -rf $(VENV) var
