# Two commands for a fresh machine (see README.md):
#   make report   set everything up and render both reports from the sample data
#   make test     set everything up and run the tests (pytest, doctests, nbval, end-to-end)
#   make test-browser  the rendered reports in headless Chromium (needs chromium: see README.md)
#   make lint     ruff (lint and format check), mypy on pdu_lib and the import-linter layer contracts
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA ?= data/sample
OUT ?= outputs
JOBS ?= 2

.PHONY: setup report test test-browser lint lab preview sample benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	-$(VENV)/bin/nbstripout --install 2>/dev/null
	touch $@

report: setup
	$(VENV)/bin/pdu-report render all --data $(DATA) --out $(OUT) --jobs $(JOBS)

test: setup
	$(PY) -m pytest tests notebooks --nbval-lax -q -m "not browser"

# Both reports in headless Chromium (Debian's chromium package; see README.md).
test-browser: setup
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test,browser]"
	$(PY) -m pytest tests/test_browser.py -m browser -q

# The linters come from the pinned `dev` extra (pyproject.toml), installed once into the same .venv.
lint: setup $(VENV)/.lint-installed
	$(VENV)/bin/ruff check pdu_lib pdu_sample tests scripts
	$(VENV)/bin/ruff format --check pdu_lib pdu_sample tests scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

$(VENV)/.lint-installed: pyproject.toml requirements.lock
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test,dev]"
	touch $@

lab: setup
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test,lab]"
	$(VENV)/bin/jupyter lab notebooks

# One report served on this machine, updated as notebooks and data are saved (REPORT=interim for the other).
REPORT ?= final
preview: setup
	$(VENV)/bin/pdu-report preview $(REPORT) --data $(DATA) --out $(OUT) --jobs $(JOBS)

sample: setup
	$(PY) -m pdu_sample --out data/sample --seed 2019

benchmark: setup
	$(PY) scripts/benchmark.py $(BENCHMARK_ARGS)

clean:
	rm -rf $(OUT)/interim $(OUT)/final $(OUT)/*.failed
