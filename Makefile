# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TORCH := torch==2.13.0

.PHONY: install run migrate test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

# torch goes first and pinned: left to resolve itself it pulls gigabytes of CUDA packages.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(TORCH)
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(VENV)/.installed $(VENV)/.installed-dev

migrate: $(VENV)/.installed
	$(BIN)/tacit migrate

run: migrate
	$(BIN)/tacit serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app tests scripts migrations
	$(BIN)/ruff format --check app tests scripts migrations
	$(BIN)/mypy app

clean:
	rm -rf $(VENV) var .pytest_cache
