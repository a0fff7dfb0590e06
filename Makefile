# The two set-up commands are `make run` and `make test`; everything else is for developers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(patsubst %.po,%.mo,$(wildcard radio/translations/*/LC_MESSAGES/messages.po))
PORT ?= 5000
export PORT

.PHONY: install run test bench lint format messages

install: $(STAMP) $(CATALOGS)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

run: install
	$(BIN)/radio db upgrade
	$(BIN)/radio demo
	$(BIN)/radio serve --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the translation catalogs after changing user-facing text.
messages: $(STAMP)
	$(BIN)/pybabel extract --no-location -F babel.cfg -k _l -o radio/translations/messages.pot \
		. $$($(BIN)/python -c 'import os, wtforms; print(os.path.dirname(wtforms.__file__))')
	$(BIN)/pybabel update --no-fuzzy-matching -i radio/translations/messages.pot -d radio/translations
