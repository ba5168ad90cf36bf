# The two commands of the README: `make demo` (main job) and `make test`.
# Each creates or refreshes .venv/ with the pinned stack first.
# `make test-oldest` runs the suite on the oldest supported stack
# (.venv-oldest/, torch 2.1.2); `make lint` runs flake8, isort and yapf
# (settings in setup.cfg). CI runs lint, then both test targets.
# The suite runs in this many processes (pytest-xdist; each uses one torch
# thread). 2 on the project's 2-core machines: `make test` 987 tests in
# 8.8 min, `make test-oldest` 900 in 6.1 min (2026-12-06; 5.2 and 3.3 min
# for 930 and 845 tests on 2026-12-05's faster machine). -rs lists every skipped test with its reason.
TEST_WORKERS ?= 2
PYTEST_ARGS := -n $(TEST_WORKERS) --dist worksteal --durations=15 -rs
VENV := .venv
PY := $(VENV)/bin/python
PY_OLDEST := .venv-oldest/bin/python

.PHONY: env env-oldest demo lint test test-oldest clean-env

env:
	bash tools/misc/setup_env.sh

env-oldest:
	bash tools/misc/setup_env.sh oldest

demo: env
	$(PY) tools/misc/run_demo.py --jobs 2 --seeds 0

lint: env
	$(VENV)/bin/flake8 .
	$(VENV)/bin/isort --check-only --diff .
	$(VENV)/bin/yapf --recursive --diff .

test: env
	$(PY) -m pytest $(PYTEST_ARGS) tests

# The oldest stack runs the whole suite except the one-step runs of the 85
# paper-setting configs (their demo-config counterparts still run): those
# exercise no code the rest of the suite does not run on this stack, and they
# build the largest models of the suite. `make test` runs all of them.
test-oldest: env-oldest
	$(PY_OLDEST) -m pytest $(PYTEST_ARGS) tests -k "not test_config_trains_one_step or digits or fashion-mnist"

clean-env:
	rm -rf $(VENV) .venv-oldest
