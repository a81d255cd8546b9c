# Two commands: `make demo` runs the order workflow on the embedded engine; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt requirements-cdk.txt pyproject.toml | cksum | cut -d' ' -f1)
# The pinned CDK CLI (package.json / package-lock.json), for `make synth` and `npx cdk ...`.
NPM_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)
# The browser the web UI's test drives: Debian's chromium (playwright downloads no browser).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# jsii (the CDK's Python bindings) warns at length on Node 20; it works.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: setup dev demo check test replay-check bench bench-steps bench-payloads bench-sandbox bench-http bench-replay bench-converter bench-tracing bench-codec bench-dev-persist bench-archival bench-capacity bench-timers bench-waiting bench-drain bench-load compat-temporal clean synth openapi screenshot

setup: $(STAMP) $(NPM_STAMP) $(CHROMIUM)

$(STAMP): requirements.txt requirements-dev.txt requirements-cdk.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-cdk.txt
	# The package itself (distribution durable-workflows), editable (its dependencies came above):
	# gives .venv/bin/durable. A venv made before the rename holds it as `durable`: dropped first.
	$(BIN)/pip uninstall --quiet --disable-pip-version-check --yes durable 2>/dev/null || true
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-* && touch $@

# Only when it is missing: about a minute on a clean machine, apt's lists included.
$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

# The dev server: HTTP API, web UI and engine on the embedded AWS emulation, on 127.0.0.1:8233.
dev: setup
	$(BIN)/durable dev

# The README's picture of the web UI, taken by the browser test (tests write .artifacts/ui.png).
screenshot: setup
	DURABLE_UI_SCREENSHOT=docs/ui.png $(BIN)/python -m pytest -q tests/ui -k order

demo: setup
	$(BIN)/python demo.py

# Lint, format and type checks (mypy strict on durable/ and tests/typing/, see pyproject.toml).
check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The compatibility suite runs three ways: in process on the in-memory backend and over HTTP
# (tests/client/test_compat_over_http.py, a dev server in front of a time-skipping engine),
# both in the first line, then in process on moto.
test: setup check
	$(BIN)/python -m pytest
	DURABLE_TEST_BACKEND=moto $(BIN)/python -m pytest tests/compat

bench: setup
	$(BIN)/python benchmarks/local_steps.py

# A 1 MB round trip through the payload store (S3) on moto, and the cost of small steps beside it.
bench-steps: setup
	$(BIN)/python benchmarks/step_cost.py

bench-payloads: setup
	$(BIN)/python benchmarks/payloads.py

# The determinism sandbox: cost per workflow task with and without it, per run start, per guarded call.
bench-sandbox: setup
	$(BIN)/python benchmarks/sandbox.py

# HTTP round trips to a dev server in process: start + signal + describe per second through
# Client.connect and as keep-alive requests, and one keep-alive request's latency (last line: JSON).
bench-http: setup
	$(BIN)/python benchmarks/http_round_trips.py

# Replay cost: a cold replay of a long history, and the cost per step as a workflow grows.
bench-replay: setup
	$(BIN)/python benchmarks/replay.py

# The default JSON converter on a 50-item order: encode and decode, the pydantic serializer
# against the value walk it replaced.
bench-converter: setup
	$(BIN)/python benchmarks/converter.py

# What TracingInterceptor costs per step (100 sequential activities, spans to memory).
bench-tracing: setup
	$(BIN)/python benchmarks/tracing.py

# What an encryption codec (AES-GCM) costs per activity step, in memory and on moto.
bench-codec: setup
	$(BIN)/python benchmarks/codec.py

# What the dev server's SQLite file (durable dev --db-filename) costs per step, against memory.
bench-dev-persist: setup
	$(BIN)/python benchmarks/dev_persist.py

# What archiving adds to a run (AWS requests per run on moto, archival off and on) and its price.
bench-archival: setup
	$(BIN)/python benchmarks/archival.py

# What one namespace sustains (activity steps/s, starts/s) from AWS's published quotas and the
# requests per step and per start counted on moto, and which quota binds first.
bench-capacity: setup
	$(BIN)/python benchmarks/capacity.py
# AWS requests of one timer of 1 minute, 1 hour, 24 hours and 30 days (timer adapter and relay on moto).
bench-timers: setup
	$(BIN)/python benchmarks/timer_cost.py
# DynamoDB requests per second of a caller waiting on GET /result: the API as deployed, the dev server.
bench-waiting: setup
	$(BIN)/python benchmarks/waiting.py

# The dev server's inbox drain with 10,000 queued signals, without and with 100 waiting callers (moto).
bench-drain: setup
	$(BIN)/python benchmarks/drain.py

# N workflows x M signals through the HTTP API on the dev server: throughput, p50/p95, lost, duplicated.
bench-load: setup
	$(BIN)/python benchmarks/load.py

# Before `cdk deploy`: replay the most recent runs of a deployed stack (or the dev server)
# against this code; fails naming each run the change would break. ADDRESS=<the stack's ApiUrl>.
replay-check: setup
	$(BIN)/durable replay --from $(or $(ADDRESS),http://127.0.0.1:8233) --last $(or $(LAST),50)

# The compatibility suite against real Temporal (temporalio + its time-skipping test server).
compat-temporal: setup
	test -x .temporal-venv/bin/python || $(PYTHON) -m venv .temporal-venv
	.temporal-venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-compat.txt
	DURABLE_COMPAT_BACKEND=temporal .temporal-venv/bin/python -m pytest tests/compat

# The CloudFormation template of one namespace (NAMESPACE=dev), with the Lambda assets
# bundled locally (pip for the Lambda platform, no docker) and cdk-nag's AwsSolutions checks.
NAMESPACE ?= dev
synth: setup
	npx --no-install cdk synth --quiet -c namespace=$(NAMESPACE)

# The HTTP API's OpenAPI document, generated from the code (a test checks it is current).
openapi: setup
	$(BIN)/python -m durable._http.openapi > docs/openapi.json

clean:
	rm -rf $(VENV) .temporal-venv .pytest_cache .hypothesis
