# Two commands for a fresh machine (see README.md):
#   make report   set everything up and render both reports from the sample data
#   make test     set everything up and run the tests (pytest, doctests, nbval, end-to-end)
#   make test-browser  the rendered reports in headless Chromium (needs chromium: see README.md)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA ?= data/sample
OUT ?= outputs
JOBS ?= 2

.PHONY: setup report test test-browser lab sample benchmark clean

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

lab: setup
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test,lab]"
	$(VENV)/bin/jupyter lab notebooks

sample: setup
	$(PY) -m pdu_sample --out data/sample --seed 2019

benchmark: setup
	$(PY) scripts/benchmark.py $(BENCHMARK_ARGS)

clean:
	rm -rf $(OUT)/interim $(OUT)/final $(OUT)/*.failed
