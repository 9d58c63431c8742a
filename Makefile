# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := backend

.PHONY: run test setup sysdeps sysdeps-test venv translations db vendor messages bench clean

run: sysdeps venv translations db  ## set everything up and serve on http://127.0.0.1:8000
	$(BIN)/honcho start

test: sysdeps-test venv translations  ## set up and run every test (SQLite and PostgreSQL lanes, browser)
	scripts/services.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: sysdeps venv translations db

sysdeps:
	scripts/sysdeps.sh run

sysdeps-test:
	scripts/sysdeps.sh test

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: venv  ## compile the .po catalogues (Bahasa Indonesia, English)
	$(BIN)/pybabel -q compile -d kiosk/translations

messages: venv  ## re-extract translatable strings and update the catalogues
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o kiosk/translations/messages.pot .
	$(BIN)/pybabel -q update -N -i kiosk/translations/messages.pot -d kiosk/translations

db: venv  ## migrate the database and load offices, categories and demo kiosks
	$(BIN)/flask db upgrade
	$(BIN)/flask seed

vendor: venv  ## re-fetch vendored front-end files from the npm registry (kiosk/static/vendor/manifest.json; tests: tests/vendor/manifest.json); the venv's fontTools cuts the screen font
	$(BIN)/python scripts/vendor.py
	$(BIN)/python scripts/vendor.py --manifest tests/vendor/manifest.json

bench: venv
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/relay.py
	$(BIN)/python bench/receipt.py
	$(BIN)/python bench/dashboard.py --n $${BENCH_DASHBOARD_N:-1000000}
	$(BIN)/python bench/weight.py

clean:
	rm -rf $(VENV) instance test-artifacts
