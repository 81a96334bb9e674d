# Retouch — the two commands a user needs are `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-tls test lint typecheck bench clean services-up services-down

# scripts/install-app.sh is the same install step the container images run (Dockerfile, Dockerfile.gpu).
$(VENV)/.installed: pyproject.toml scripts/install-app.sh
	PYTHON=$(PY) bash scripts/install-app.sh $(VENV) --editable
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed scripts/install-test-deps.sh scripts/install-gpu-stack.sh
	PYTHON=$(PY) bash scripts/install-app.sh $(VENV) --editable test
	bash scripts/install-test-deps.sh
	touch $@

run: $(VENV)/.installed
	$(BIN)/retouch serve --host $(HOST) --port $(PORT)

# https with a certificate from a local CA made in ./data/tls (the fal client speaks only https); it prints the
# variables to export for the client.
run-tls: $(VENV)/.installed
	$(BIN)/retouch serve --host $(HOST) --port 8443 --tls-self-signed

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	bash scripts/run-tests.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python bench/overhead.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
