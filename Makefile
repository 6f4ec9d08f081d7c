# plangraph — 规划图谱.  `make run` builds corpus/ and serves it; `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run build test lint test-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

build: install
	$(BIN)/plangraph build corpus/

run: build
	$(BIN)/plangraph serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium (CJK fonts for screenshots); the SPARQL-server tests start
# Virtuoso from Debian's package. Install them when missing.
test-deps:
	@command -v chromium >/dev/null 2>&1 && command -v virtuoso-t >/dev/null 2>&1 \
	  && fc-list 2>/dev/null | grep -qi "noto.*cjk" || \
	  ( $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-noto-cjk virtuoso-opensource >/dev/null )

lint: install
	$(BIN)/ruff check .

test: install test-deps lint
	$(BIN)/python -m pytest -n 2 -q

# The load test and the 4,000-plan run (about an hour on 2 cores) come first: the last command folds
# their figures into bench/RESULTS.md.
bench: install
	$(BIN)/python bench/load.py --clients 8 --seconds 30 --out bench/RESULTS-load.md
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/run.py --sizes 4000 --no-compare --budget 99999 --out bench/RESULTS-4000.md
	$(BIN)/python bench/run.py --sizes 2,40,400 --budget 99999

clean:
	rm -rf instance .pytest_cache tests/artifacts
