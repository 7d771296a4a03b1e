# Herdbook: `make run` starts everything with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test test-fast lint fmt bench venv system-packages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	scripts/system-packages.sh run
	scripts/run.sh

test: venv
	scripts/system-packages.sh test
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The unit tests on TEST_WORKERS processes (pytest-xdist; 0 = in this process), one test file per
# process at a time so that a module-scoped fixture is built once.
TEST_WORKERS ?= 2
test-fast: venv
	$(PY) -m pytest -q -m "not integration and not browser and not slow" -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: venv
	scripts/system-packages.sh test
	@for script in $$(grep -l '__main__' bench/*.py); do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf var/test-*.sqlite3 test-artifacts
