# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test setup migrate lint catalogs clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	$(PY) -m bot migrate

run: setup
	$(PY) -m bot run

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 3 --dist worksteal

lint: $(VENV)/.installed
	$(PY) -m ruff check .

catalogs: $(VENV)/.installed
	$(PY) -m bot.i18n_tools

clean:
	rm -rf $(VENV) data
