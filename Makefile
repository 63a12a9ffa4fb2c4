# 中职毕业审核验印系统 — everyday commands (see README.md)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
GATEWAY_PORT ?= 8000
TEST_DATABASE_URL ?= postgresql://root@127.0.0.1:5432/biye_test
export GATEWAY_PORT

.PHONY: venv setup-demo setup-test setup-bench up down run demo test test-unit lint admin bench status

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3.11 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip<26"
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Debian packages and local servers (deploy/setup.sh says what it does, and what is missing where it cannot)
setup-demo:
	@bash deploy/setup.sh demo

setup-test:
	@bash deploy/setup.sh test

setup-bench:
	@bash deploy/setup.sh bench

up: venv setup-demo
	$(PY) -m deploy.local up

down:
	@test -x $(PY) && $(PY) -m deploy.local down || true

run: venv
	$(PY) -m deploy.local run

status: venv
	$(PY) -m deploy.local status

demo: up
	$(PY) -m deploy.demo

admin: venv
	@test -n "$(USERNAME)" -a -n "$(PASSWORD)" || { echo "用法: make admin USERNAME=用户名 PASSWORD=密码"; exit 2; }
	$(PY) -m deploy.local createdb
	$(PY) -m gateway.cli admin "$(USERNAME)" "$(PASSWORD)"

lint: venv
	$(VENV)/bin/ruff check .

test: venv setup-test lint
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# the pure-logic tests alone, in seconds, for everyday work: no servers, no browser, no CUPS
test-unit: venv
	$(PY) -m pytest -p no:cacheprovider -m unit -q $(PYTEST_ARGS)

bench: venv setup-bench
	$(PY) -m bench.run $(BENCH_ARGS)
