# Two commands: `make demo` runs the order workflow on the embedded engine; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: setup demo test bench compat-temporal clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

demo: setup
	$(BIN)/python demo.py

test: setup
	$(BIN)/python -m pytest
	DURABLE_TEST_BACKEND=moto $(BIN)/python -m pytest tests/compat

bench: setup
	$(BIN)/python benchmarks/local_steps.py

# The compatibility suite against real Temporal (temporalio + its time-skipping test server).
compat-temporal: setup
	test -x .temporal-venv/bin/python || $(PYTHON) -m venv .temporal-venv
	.temporal-venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-compat.txt
	DURABLE_COMPAT_BACKEND=temporal .temporal-venv/bin/python -m pytest tests/compat

clean:
	rm -rf $(VENV) .temporal-venv .pytest_cache
