# Set-up and everyday commands. `make demo` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_DIR ?= $(CURDIR)/.lab
export LEAKHOUND_LAB_DIR := $(LAB_DIR)

.PHONY: demo test lint system-deps venv lab-up lab-down bench clean

# System packages the lab and the integration tests use (nginx; Java and Maven build the
# OpenSearch launcher). Installs only what is missing.
system-deps:
	@missing=""; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null || missing="$$missing nginx-light"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jdk-headless"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(BIN)/leakhound: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,lab,ner,dask]'
	@touch $@

venv: $(BIN)/leakhound

# Start the lab (a real OpenSearch node + nginx on loopback), seed it, scan it, show the report.
demo: system-deps venv
	$(BIN)/leakhound lab up
	$(BIN)/leakhound lab seed
	$(BIN)/leakhound lab targets > $(LAB_DIR)/targets.txt
	$(BIN)/leakhound scan @$(LAB_DIR)/targets.txt --db $(LAB_DIR)/findings.db
	@echo "Markdown report: $(BIN)/leakhound report last --db $(LAB_DIR)/findings.db --format markdown"
	@echo "Stop the lab:    $(BIN)/leakhound lab down"

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Lint, then every test (unit, hostile, fuzz, integration against the real lab servers).
test: system-deps venv lint
	$(BIN)/pytest -q

lab-down: venv
	$(BIN)/leakhound lab down

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
