# Set-up and everyday commands. `make demo` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_DIR ?= $(CURDIR)/.lab
export LEAKHOUND_LAB_DIR := $(LAB_DIR)

.PHONY: demo test lint system-deps venv lab-build lab-up lab-down bench clean

# System packages the lab and the integration tests use (nginx; Java and Maven build the
# OpenSearch launcher; Redis, PostgreSQL and MariaDB servers). Installs only what is missing;
# apt may be locked for a moment by another install, so it is retried. Go and Node.js are
# checked below.
system-deps:
	@missing=""; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null || missing="$$missing nginx-light"; \
	{ command -v redis-server || test -x /usr/bin/redis-server; } >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	{ command -v mariadbd || test -x /usr/sbin/mariadbd; } >/dev/null || missing="$$missing mariadb-server"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jdk-headless"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  for try in 1 2 3 4 5 6; do \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing && break; \
	    [ $$try = 6 ] && exit 1; echo "apt busy or failing, retrying in 20 s"; sleep 20; \
	  done; \
	fi
	@# Go builds FerretDB and MinIO, Node.js runs Azurite and pouchdb-server (the Go module proxy
	@# and npm serve them at the first `lab up` or `lab-build`). Debian 12's own golang (1.19)
	@# and nodejs (18) are too old, so these are checked, not installed.
	@{ command -v go || test -x /usr/local/go/bin/go; } >/dev/null || \
	  { echo "Go 1.24+ is needed (the lab builds FerretDB and MinIO with it)"; exit 1; }
	@{ command -v node && command -v npm; } >/dev/null || \
	  { echo "Node.js 20+ and npm are needed (the lab runs Azurite and pouchdb-server)"; exit 1; }

$(BIN)/leakhound: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,lab,ner,dask]'
	@touch $@

venv: $(BIN)/leakhound

# Start the lab (OpenSearch + nginx, the database servers, the object stores and CouchDB on
# loopback), seed it, scan it, show the report.
demo: system-deps venv
	$(BIN)/leakhound lab up
	$(BIN)/leakhound lab seed
	$(BIN)/leakhound lab targets > $(LAB_DIR)/targets.txt
	$(BIN)/leakhound scan @$(LAB_DIR)/targets.txt --db $(LAB_DIR)/findings.db
	@echo "Markdown report: $(BIN)/leakhound report last --db $(LAB_DIR)/findings.db --format markdown"
	@echo "Stop the lab:    $(BIN)/leakhound lab down"

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Build the lab's servers into its cache before the tests (OpenSearch launcher with Maven;
# FerretDB and MinIO with Go; npm installs of Azurite and pouchdb-server): a cold first build
# takes minutes, more than one test's timeout. A no-op once cached.
lab-build: venv
	$(BIN)/python -m leakhound.lab build

# Lint, then every test (unit, hostile, fuzz, integration against the real lab servers).
test: system-deps venv lint lab-build
	$(BIN)/pytest -q --durations=30 -n auto --dist loadgroup

lab-down: venv
	$(BIN)/leakhound lab down

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
