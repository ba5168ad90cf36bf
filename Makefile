# The two commands of the README: `make demo` (main job) and `make test`.
# Each creates or refreshes .venv/ with the pinned stack first.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: env demo test clean-env

env:
	bash tools/setup_env.sh

demo: env
	$(PY) tools/run_demo.py

test: env
	$(PY) -m pytest tests

clean-env:
	rm -rf $(VENV)
