# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run dev test test-instants test-instants-ci bench lint format check messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m huaisi.devstack run

# For developers: Django's autoreloading server with DEBUG on, plus the worker and beat.
dev: $(STAMP)
	$(PY) -m huaisi.devstack dev

test: $(STAMP)
	$(PY) -m huaisi.devstack test $(PYTEST_ARGS)

# The suite at awkward instants (Asia/Shanghai): a Friday at 17:25, the eve of National Day,
# the last minute of a year, 00:30 on the 1st of a month. Every test must give the same answer
# at each. The browser's clock and a Celery worker process cannot be moved, so those tests run
# at the real time only (in `make test`), as does the two-minute fuzzing run, which reads no clock.
# `test-instants` runs the suite once per instant (about 16 minutes each on 2 cores);
# `test-instants-ci` runs it once, each test at one of the instants, shifted day by day, so
# CI stays within its 90 minutes and four days of CI put every test at every instant.
INSTANTS ?= 2026-12-11T17:25+08:00 2026-09-30T16:55+08:00 2026-12-31T23:59+08:00 2027-03-01T00:30+08:00
INSTANT_TESTS := -q -p no:cacheprovider -m "not browser and not celery_worker and not fuzz"
test-instants: $(STAMP)
	set -e; for at in $(INSTANTS); do \
	  echo "[huaisi] the suite at $$at"; \
	  $(PY) -m huaisi.devstack test $(INSTANT_TESTS) --at $$at $(PYTEST_ARGS); \
	done

test-instants-ci: $(STAMP)
	$(PY) -m huaisi.devstack test $(INSTANT_TESTS) --at "$$(echo $(INSTANTS) | tr ' ' ',')" $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m huaisi.devstack exec $(PY) -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/deptry .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh locale/zh_Hans from the sources (needs GNU gettext: apt-get install gettext).
messages: $(STAMP)
	$(PY) -m huaisi.devstack exec $(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location

clean:
	rm -rf $(VENV) var
