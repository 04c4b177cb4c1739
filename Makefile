# Two commands do everything on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers: one per core, and one more, since a browser or server test waits
WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages the suite and the site need: Chromium for the browser tests, a Chinese font
# for the printable licence (and for screenshots that show Chinese, not boxes), nginx to run
# the rendered proxy configuration in the routing test, and Go with golang.org/x/mod, whose
# sumdb/note and sumdb/tlog check the transparency log's checkpoints and proofs in the tests.
SYSTEM := $(VENV)/.system-3
$(SYSTEM): | $(BIN)/python
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/go ] || [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi micro hei"; then \
		echo "installing chromium, fonts-wqy-microhei, nginx-light, golang-go and golang-golang-x-mod-dev (Debian packages)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-wqy-microhei nginx-light golang-go golang-golang-x-mod-dev; \
	fi
	touch $(SYSTEM)

# The demo QR codes point at this development server, so a phone on the same machine opens them.
export CERTSVC_PUBLIC_URL ?= http://$(HOST):$(PORT)

run: $(STAMP) $(SYSTEM)
	$(BIN)/certsvc dev-setup
	$(BIN)/certsvc serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(SYSTEM)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n $(WORKERS) --durations=15

bench: $(STAMP)
	$(BIN)/python bench/qr.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/import_licences.py 100000
	$(BIN)/python bench/import_licences.py 100000 sm2
	$(BIN)/python bench/ofd.py
	$(BIN)/python bench/sm2_libraries.py
	$(BIN)/python bench/status_list.py
	$(BIN)/python bench/verify_http.py 1000000 4
	$(BIN)/python bench/verify_wsgi.py 1000000
	$(BIN)/python bench/console_pages.py 1000000 100000
	$(BIN)/python bench/log.py 1000000 100000

clean:
	rm -rf $(VENV) instance
