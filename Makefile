# sklrnn: `make demo` runs the showcase, `make test` runs the tests. Both create the virtual
# environment and install everything they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARED_DATA := $(abspath ../shared/data)

export NUMBA_CACHE_DIR := $(CURDIR)/.numba_cache
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
# The reference data sets live beside the repository on development machines and in CI.
ifneq ($(wildcard $(SHARED_DATA)),)
export SKLRNN_DATA_HOME ?= $(SHARED_DATA)
endif

.PHONY: install demo test test-slow test-all lint bench docs docs-noplot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch first, so that no CUDA build is ever downloaded.
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) examples/showcase.py

test: install
	$(PY) -m pytest -q

# The slow tests alone (sktime's check_estimator, multi-process reproducibility, two-process
# accelerate, a Dask worker killed, the slow documentation groups); CI runs them after `make test`.
test-slow: install
	$(PY) -m pytest -q -m slow

test-all: install
	$(PY) -m pytest -q -m "slow or not slow"

lint: install
	$(VENV)/bin/ruff check sklrnn tests examples benchmarks
	$(VENV)/bin/ruff format --check sklrnn tests examples benchmarks

bench: install
	$(PY) benchmarks/overhead.py

# The gallery runs every example (about 7 minutes on 2 cores); docs-noplot does not run them and
# fails on any warning (CI runs it). Links into other projects' documentation are made only when
# their sites answer (docs/conf.py), so both build offline.
docs: install
	$(PY) -m pip install --quiet -e ".[docs]"
	OMP_NUM_THREADS=1 $(VENV)/bin/sphinx-build -b html docs docs/_build/html

docs-noplot: install
	$(PY) -m pip install --quiet -e ".[docs]"
	$(VENV)/bin/sphinx-build -E -W --keep-going -b html -D plot_gallery=0 docs docs/_build/html

clean:
	rm -rf $(VENV) .numba_cache .pytest_cache build dist *.egg-info docs/_build docs/generated \
	  docs/auto_examples docs/sg_execution_times.rst
