# The README's two promises: `make demo` and `make test`, from a fresh clone.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
PIP   := $(PY) -m pip

# Newest runnable Python >= 3.12: plain names first, then pyenv's installed versions.
define find_python
for c in python3.14 python3.13 python3.12; do \
  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then command -v $$c; exit 0; fi; \
done; \
root=$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv); \
for v in $$(ls -1 $$root/versions 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])\.[0-9]+$$' | sort -t. -k1,1nr -k2,2nr -k3,3nr); do \
  p=$$root/versions/$$v/bin/python3; \
  if [ -x $$p ] && $$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then echo $$p; exit 0; fi; \
done; exit 1
endef

.PHONY: demo test test-slow lint bench bench-backtest aid-checks loco clean venv lock

$(VENV)/.created:
	@PYBIN=$$($(find_python)) || { echo "analogcast needs Python >= 3.12 and none was found (tried python3.14/3.13/3.12 on PATH and pyenv versions). Install one, e.g. 'pyenv install 3.12', and run make again." >&2; exit 1; }; \
	echo "Using $$PYBIN"; $$PYBIN -m venv $(VENV) && $(PIP) install -q --upgrade pip && touch $@

# Installs are pinned by constraints.txt (exact versions of every dependency; `make lock` refreshes it).
$(VENV)/.installed: $(VENV)/.created pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt -e . && touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt -e ".[dev]" && touch $@

venv: $(VENV)/.installed

# Set up (no dev tools) and run the main job on the shipped data.
demo: $(VENV)/.installed
	$(VENV)/bin/analogcast run fits/afghanistan.toml --backtest reports/backtest/strict

# Set up with the dev extra and run the default (non-slow) tests.
test: $(VENV)/.installed-dev
	$(PY) -m pytest

test-slow: $(VENV)/.installed-dev
	$(PY) -m pytest -m slow

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check src tests bench

# Benchmarks write JSON to bench/results/ (speed targets live there, never in timed tests).
bench: $(VENV)/.installed-dev
	$(PY) bench/bench_data.py
	$(PY) bench/bench_models.py --draws 1500 --tune 500
	$(VENV)/bin/analogcast run fits/afghanistan.toml --overwrite --quiet
	$(PY) bench/bench_report.py fits/runs/afghanistan

# The full 2005-2020 backtest with 1 and 2 workers (about an hour on a 2-core machine).
bench-backtest: $(VENV)/.installed-dev
	$(PY) bench/bench_backtest.py

# Recompute the kept checks of the aid terms (src/analogcast/evaluation/files/), once per data
# hash: the report reads them (about 30 s).
aid-checks: $(VENV)/.installed-dev
	$(PY) -m analogcast.evaluation.aid_checks

# Recompute the kept leave-one-country-out check of analogy priors in new regimes (about 10 min).
loco: $(VENV)/.installed-dev
	$(PY) bench/loco_new_regime.py

# Refresh constraints.txt: the newest versions pyproject.toml allows, resolved in a fresh venv
# (.venv-lock, removed afterwards), pinned by .ci/constraints.py. Review the diff, run the tests.
lock:
	@PYBIN=$$($(find_python)) || { echo "make lock needs Python >= 3.12" >&2; exit 1; }; \
	rm -rf .venv-lock && $$PYBIN -m venv .venv-lock && .venv-lock/bin/python -m pip install -q --upgrade pip \
	  && .venv-lock/bin/python -m pip install -q -e ".[dev]" \
	  && .venv-lock/bin/python .ci/constraints.py --out constraints.txt; rc=$$?; rm -rf .venv-lock; exit $$rc

clean:
	rm -rf $(VENV) .venv-lock build src/*.egg-info .pytest_cache
