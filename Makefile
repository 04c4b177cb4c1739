# Two commands do everything on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo QR codes point at this development server, so a phone on the same machine opens them.
export CERTSVC_PUBLIC_URL ?= http://$(HOST):$(PORT)

run: $(STAMP)
	$(BIN)/certsvc dev-setup
	$(BIN)/certsvc serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/qr.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/import_licences.py 100000
	$(BIN)/python bench/status_list.py

clean:
	rm -rf $(VENV) instance
