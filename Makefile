# Set-up and everyday commands. `make demo` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_DIR ?= $(CURDIR)/.lab
export LEAKHOUND_LAB_DIR := $(LAB_DIR)

.PHONY: demo test lint system-deps venv lab-build lab-up lab-down bench clean

# System packages the lab and the integration tests use (nginx; Java and Maven build the
# OpenSearch launcher; Redis, PostgreSQL and MariaDB servers; Go, already on the machine, builds
# FerretDB at `lab up`). Installs only what is missing; apt may be locked for a moment by
# another install, so it is retried.
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

$(BIN)/leakhound: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,lab,ner,dask]'
	@touch $@

venv: $(BIN)/leakhound

# Start the lab (OpenSearch + nginx and the database servers on loopback), seed it, scan it,
# show the report.
demo: system-deps venv
	$(BIN)/leakhound lab up
	$(BIN)/leakhound lab seed
	# Only the kinds leakhound scans today; the database targets are listed by `lab targets`.
	$(BIN)/leakhound lab targets --kind elasticsearch > $(LAB_DIR)/targets.txt
	$(BIN)/leakhound scan @$(LAB_DIR)/targets.txt --db $(LAB_DIR)/findings.db
	@echo "Markdown report: $(BIN)/leakhound report last --db $(LAB_DIR)/findings.db --format markdown"
	@echo "Stop the lab:    $(BIN)/leakhound lab down"

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# Build the lab's launchers (OpenSearch with Maven, FerretDB with Go) ahead of the tests: a
# cold first build takes minutes, which must not count against the first lab test's timeout.
lab-build: venv
	$(BIN)/leakhound lab build

# Lint, then every test (unit, hostile, fuzz, integration against the real lab servers).
test: system-deps venv lint lab-build
	$(BIN)/pytest -q

lab-down: venv
	$(BIN)/leakhound lab down

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
