# 注销助手 — `make run` sets up, builds, trains when needed and serves; `make test` runs everything.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_PIPELINE := build/spacy_zh
MODEL := models/current.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') \
                   $(SPACY_PIPELINE)/meta.json $(wildcard chinese_nlp/*.py)

# Quiet TensorFlow, no telemetry (these machines are offline).
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: setup train run test bench clean

$(VENV)/.installed: requirements.txt constraints.txt
	test -x $(PY) || "$$(scripts/find_python310.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(SPACY_PIPELINE)/meta.json: $(VENV)/.installed chinese_nlp/spacy_pipeline.py chinese_nlp/userdict.txt
	$(PY) -m chinese_nlp.spacy_pipeline $(SPACY_PIPELINE)

setup: $(VENV)/.installed $(SPACY_PIPELINE)/meta.json

$(MODEL): $(TRAINING_INPUTS) | setup
	$(RASA) train --fixed-model-name current --out models

train: setup $(MODEL)

run: train
	scripts/serve.sh

test: train
	$(PY) -m pytest

bench: train
	$(PY) scripts/bench.py

clean:
	rm -rf build models results reports .pytest_cache
