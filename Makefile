# Huiyin: `make demo` serves the demo street; `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The suite on every core (pytest-xdist; huiyin/testing/workers.py). PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= auto

.PHONY: demo test lint format install install-dev browser directory messages clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml | directory
	$(BIN)/pip install --quiet -e '.[dev]'
	@$(BIN)/pip install --quiet -e '.[ldap]' \
	  || echo "Could not build python-ldap (needs libldap2-dev, libsasl2-dev); the LDAP sign-in tests will be skipped."
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/huiyin demo --port $(PORT) $(if $(PASSWORD),--password $(PASSWORD))

# Debian's Chromium for the browser journeys and LibreOffice to print the documents; each
# skipped with one line where it can't be had.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser journeys..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	      || echo "Could not install chromium; browser journeys will be skipped."; \
	  else echo "chromium is not installed and cannot be installed here; browser journeys will be skipped."; fi; \
	fi
	@if ! command -v soffice >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's LibreOffice Writer (headless) to print the documents in the tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk >/dev/null) \
	      || echo "Could not install LibreOffice; the printing tests will be skipped."; \
	  else echo "LibreOffice is not installed and cannot be installed here; the printing tests will be skipped."; fi; \
	fi

# Debian's OpenLDAP server for the LDAP sign-in tests (a real slapd on a loopback port) and the
# headers python-ldap is built against (the `ldap` extra); skipped with one line where they
# can't be had.
directory:
	@if [ ! -x /usr/sbin/slapd ] || [ ! -f /usr/include/ldap.h ] || [ ! -f /usr/include/sasl/sasl.h ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's slapd, ldap-utils and the LDAP headers for the directory sign-in tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slapd ldap-utils libldap2-dev libsasl2-dev gcc python3-dev >/dev/null) \
	      || echo "Could not install slapd; the LDAP sign-in tests will be skipped."; \
	  else echo "slapd or the LDAP headers are not installed and cannot be installed here; the LDAP sign-in tests will be skipped."; fi; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install-dev
	cd huiyin && ../$(BIN)/huiyin makemessages -l zh_Hans --no-location --no-obsolete
	cd huiyin && ../$(BIN)/huiyin compilemessages -l zh_Hans

test: install-dev browser lint
	HUIYIN_DEBUG=1 $(BIN)/huiyin makemigrations --check --dry-run >/dev/null || { echo "A model change has no migration: run huiyin makemigrations"; exit 1; }
	$(BIN)/pytest -n $(PYTEST_WORKERS)
	@if [ -n "$$HUIYIN_TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on $$HUIYIN_TEST_DATABASE_URL =="; \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser"; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
