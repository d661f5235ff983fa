# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TORCH := torch==2.13.0

.PHONY: install browser run migrate test test-fast lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

# torch goes first and pinned: left to resolve itself it pulls gigabytes of CUDA packages.
# Then the server (`pip install tacit` alone is the command-line client: pyproject.toml).
# Then the bundled model is exported to ONNX (float32, and int8 for this CPU) under the venv,
# offline, so that TACIT_EMBEDDING_BACKEND=onnx|onnx-int8 loads at once (app/embedding/export.py).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(TORCH)
	$(BIN)/pip install -e '.[server]'
	HF_HUB_OFFLINE=1 $(BIN)/python -m app.embedding.export
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -e '.[server,dev]'
	touch $@

install: $(VENV)/.installed $(VENV)/.installed-dev

migrate: $(VENV)/.installed
	$(BIN)/tacit migrate

run: migrate
	$(BIN)/tacit serve --host $(HOST) --port $(PORT)

# The browser test drives Debian's chromium through Playwright (never a browser download).
# Without apt it is skipped locally; in CI (CI set) a missing chromium fails the run.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	  chromium fonts-dejavu-core; } || \
	  { [ -z "$$CI" ] || exit 1; echo "chromium could not be installed: tests/browser will be skipped" >&2; }

# pytest-xdist: each worker a process with its own PostgreSQL server and templates. A unit of
# work is a module's tests on one kind of database (--dist loadgroup, tests/scheduling.py).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadgroup

# The import contracts first: an upward import fails the run in a second, before the suite.
test: $(VENV)/.installed-dev browser
	$(BIN)/lint-imports
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# The inner loop: unit tests and the integration tests on SQLite only; `make test` before a push.
test-fast: $(VENV)/.installed-dev
	$(BIN)/pytest $(XDIST) --db sqlite tests/unit tests/integration $(PYTEST_ARGS)

# lint-imports checks the layers in pyproject.toml ([tool.importlinter]); first, since an upward
# import can also surface as a confusing type error from the import cycle it makes.
lint: $(VENV)/.installed-dev
	$(BIN)/lint-imports
	$(BIN)/ruff check app tests scripts migrations
	$(BIN)/ruff format --check app tests scripts migrations
	$(BIN)/mypy app

clean:
	rm -rf $(VENV) var .pytest_cache
