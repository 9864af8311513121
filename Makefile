# 注销助手 — `make run` sets up, builds, trains when needed and serves; `make test` runs everything.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_PIPELINE := build/spacy_zh
SOCKET_IO_CLIENT := build/web/socket.io.min.js
ECHARTS := build/web/echarts.min.js
MODEL := models/current.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') \
                   $(SPACY_PIPELINE)/meta.json $(wildcard chinese_nlp/*.py) $(wildcard shapes/*.py) dialogue/names.py

# Quiet TensorFlow, no telemetry (these machines are offline).
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: setup dev-setup system-packages train run cluster cluster-stop check test bench clean

# What the product runs on.
$(VENV)/.installed: requirements.txt requirements-nodeps.txt constraints.txt
	test -x $(PY) || "$$(scripts/find_python310.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

# Tests, benchmarks and style tools on top.
$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

$(SPACY_PIPELINE)/meta.json: $(VENV)/.installed chinese_nlp/spacy_pipeline.py chinese_nlp/userdict.txt $(wildcard shapes/*.py) dialogue/names.py
	$(PY) -m chinese_nlp.spacy_pipeline $(SPACY_PIPELINE)

# Front-end dependencies come from the npm registry (package-lock.json) and are served locally:
# socket.io-client (chat page, console) and Apache ECharts (the insights' charts); ESLint and
# TypeScript (make check) and axe-core (browser tests) are development tools.
web/node_modules/.installed: web/package.json web/package-lock.json
	command -v npm >/dev/null || scripts/install_system_packages.sh
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(SOCKET_IO_CLIENT): web/node_modules/.installed
	mkdir -p $(@D)
	cp web/node_modules/socket.io-client/dist/socket.io.min.js $@

$(ECHARTS): web/node_modules/.installed
	mkdir -p $(@D)
	cp web/node_modules/echarts/dist/echarts.min.js $@

setup: $(VENV)/.installed $(SPACY_PIPELINE)/meta.json $(SOCKET_IO_CLIENT) $(ECHARTS)

dev-setup: setup $(VENV)/.dev-installed

system-packages:
	scripts/install_system_packages.sh

# Rasa's own validation of the data is a test (tests/test_data_and_dialogue.py): training skips it.
$(MODEL): $(TRAINING_INPUTS) | setup
	$(RASA) train --skip-validation --fixed-model-name current --out models

train: setup $(MODEL)

run: train
	scripts/serve.sh

# The production profile on this machine: 2 Rasa replicas, 2 action servers, nginx on :8000, on the
# local PostgreSQL (database zhuxiao_cluster) and Redis. README, "Several replicas".
cluster: train system-packages
	$(PY) -m devtools.cluster start

cluster-stop:
	$(PY) -m devtools.cluster stop

# Seconds, no trained model: lint, format, the front end's lint and type check, the unit tests.
check: dev-setup web/node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd web && npm run --silent lint
	cd web && npm run --silent typecheck
	$(PY) -m pytest -q tests/unit

test: check train system-packages
	$(PY) -m pytest

bench: dev-setup train system-packages
	$(PY) -m bench

clean:
	rm -rf build models results reports .pytest_cache
