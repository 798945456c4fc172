# Everything a fresh machine needs: a venv, the packages, the exported model, an embedded Redis.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install model run test lint typecheck schema loadtest browser bench bench-scale bench-modes bench-plots bench-events eval evaluate clean

install: $(STAMP)

# torch first and pinned: it is only for the one-off ONNX export, and the pinned release is the
# CPU build pip finds locally; an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[embedded,export,dev]'
	touch $@

# Always asked: prepare-model returns at once when the folder holds the current export format, and
# exports again when it holds an older one.
model: $(STAMP)
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

# The browser test drives Debian's Chromium (never a browser downloaded by a test tool).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: install model lint typecheck browser
	$(BIN)/pytest $(PYTEST_ARGS)

# Two minutes of mixed traffic from 32 clients against a live server; prints numbers, fails on errors.
loadtest: install model
	$(BIN)/python -m loadtest.run $(LOADTEST_ARGS)

# The query path under load: the real server (own Redis), 1 and 8 keep-alive clients, cached and
# uncached query texts, for 1 worker x 2 ONNX threads and 2 workers x 1 thread (about 3 minutes).
# Table on stdout, JSON in bench-results/. BENCH_ARGS="--duration 5" for a quick look.
bench: install model
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# 100k synthetic products in a private Redis: ingest rate, memory, recall@10 per EF_RUNTIME, search
# latency per hybrid policy (about 12 minutes; BENCH_SCALE_ARGS="--count 20000" for a quick look).
bench-scale: install
	$(BIN)/python -m bench.scale $(BENCH_SCALE_ARGS)

# Search-stage p50 of the newer recommendation paths (similarProducts, diversity, HYBRID, KEYWORD, a second page) next to
# the plain KNN query on synthetic catalogs (20k and 100k products; a few minutes, mostly ingest).
bench-modes: install
	$(BIN)/python -m bench.modes $(BENCH_MODES_ARGS)

# nDCG@10 and hit@3 per search mode (SEMANTIC, KEYWORD, HYBRID) on the 50 labelled queries of eval/queries.json.
eval: install model
	$(BIN)/python -m bench.eval $(EVAL_ARGS)

# Next-item quality of the whole service on Amazon Beauty (leave-one-out, through the GraphQL API), beside the
# published table: HR@5/10/20, NDCG@5/10/20 on the test and validation targets, coverage, latency.
# All 22,363 users by default; EVALUATE_ARGS="--users 2000 --json result.json" for a quicker look.
EVALUATE_DATASET ?= eval/datasets/amazon-beauty
evaluate: install model
	$(BIN)/recommender evaluate $(EVALUATE_DATASET) $(EVALUATE_ARGS)

# The two figures of BENCHMARKS.md (docs/bench/*.png) from bench-results/latest.json and the newest
# bench-results/scale-*.json; needs matplotlib (the dev extra).
bench-plots: install
	$(BIN)/python -m bench.plots $(BENCH_PLOTS_ARGS)

# Events and exclusion: event path p50 and events/s, exclusion cost at N products, memory per user,
# stock updates/s (about 3 minutes; BENCH_EVENTS_ARGS="--products 100000 --users 5000").
bench-events: install model
	$(BIN)/python -m bench.events $(BENCH_EVENTS_ARGS)

clean:
	rm -rf $(VENV) .models .data .pytest_cache .mypy_cache .ruff_cache
