# The two commands of the README: `make demo` (main job) and `make test`.
# Each creates or refreshes .venv/ with the pinned stack first.
# `make test-oldest` runs the suite on the oldest supported stack
# (.venv-oldest/, torch 2.1.2); CI runs both test targets.
VENV := .venv
PY := $(VENV)/bin/python
PY_OLDEST := .venv-oldest/bin/python

.PHONY: env env-oldest demo test test-oldest clean-env

env:
	bash tools/setup_env.sh

env-oldest:
	bash tools/setup_env.sh oldest

demo: env
	$(PY) tools/run_demo.py

test: env
	$(PY) -m pytest tests

test-oldest: env-oldest
	$(PY_OLDEST) -m pytest tests

clean-env:
	rm -rf $(VENV) .venv-oldest
