# 注销助手 — `make run` sets up, builds, trains when needed and serves; `make test` runs everything.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_PIPELINE := build/spacy_zh
SOCKET_IO_CLIENT := build/web/socket.io.min.js
MODEL := models/current.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') \
                   $(SPACY_PIPELINE)/meta.json $(wildcard chinese_nlp/*.py) shapes/__init__.py

# Quiet TensorFlow, no telemetry (these machines are offline).
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: setup dev-setup system-packages train run check test bench clean

# What the product runs on.
$(VENV)/.installed: requirements.txt constraints.txt
	test -x $(PY) || "$$(scripts/find_python310.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

# Tests, benchmarks and style tools on top.
$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

$(SPACY_PIPELINE)/meta.json: $(VENV)/.installed chinese_nlp/spacy_pipeline.py chinese_nlp/userdict.txt shapes/__init__.py
	$(PY) -m chinese_nlp.spacy_pipeline $(SPACY_PIPELINE)

# Front-end dependencies come from the npm registry (package-lock.json) and are served locally.
$(SOCKET_IO_CLIENT): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(@D)
	cp web/node_modules/socket.io-client/dist/socket.io.min.js $@

setup: $(VENV)/.installed $(SPACY_PIPELINE)/meta.json $(SOCKET_IO_CLIENT)

dev-setup: setup $(VENV)/.dev-installed

system-packages:
	scripts/install_system_packages.sh

$(MODEL): $(TRAINING_INPUTS) | setup
	$(RASA) train --fixed-model-name current --out models

train: setup $(MODEL)

run: train
	scripts/serve.sh

# Seconds, no trained model: lint, format, and the unit tests.
check: dev-setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q tests/unit

test: check train system-packages
	$(PY) -m pytest

bench: dev-setup train
	$(PY) scripts/bench.py

clean:
	rm -rf build models results reports .pytest_cache
