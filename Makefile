# Two entry points (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT := build/demo
DEMO_DATASTORE := s3://my-bucket/flowc

.PHONY: demo test venv dev lint typecheck pytest js-tools browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install --quiet -e .

demo: venv
	$(BIN)/flowc check examples/*.py
	$(BIN)/flowc graph examples/foreach_tuning.py --format mermaid
	@for target in argo sfn airflow; do \
		$(BIN)/flowc compile examples/foreach_tuning.py --target $$target \
			--datastore $(DEMO_DATASTORE) -o $(DEMO_OUT)/$$target || exit 1; \
	done
	$(BIN)/flowc run examples/linear_etl.py --param alpha=0.3
	$(BIN)/python -c "from flowc import Flow; run = Flow('LinearEtlFlow').latest_run; print('client:', run.id, run.successful, run.data.summary)"

dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,airflow]'

js-tools:
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v dot >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver graphviz >/dev/null)

lint: dev
	$(BIN)/ruff check flowc transpile backends runtime_shim tests bench
	$(BIN)/ruff format --check flowc transpile backends runtime_shim

# mypy cannot follow setuptools' editable-install import hook for the
# package-dir mapping, so it checks a real (non-editable) install of flowc.
typecheck: dev
	rm -rf build/typecheck
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --target build/typecheck .
	cd build/typecheck && ../../$(BIN)/mypy --strict --config-file ../../pyproject.toml -p flowc

pytest: dev browser js-tools
	$(BIN)/pytest -q

test: lint typecheck pytest

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
