# 青农: the two commands of README.md, and the pieces they are made of.
#   make demo  – set up, load the Anqing demo, serve http://127.0.0.1:8000
#   make test  – set up, lint, type-check, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: demo test setup lint typecheck pytest bench clean

$(BIN)/.installed: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

static_vendor/.installed: package-lock.json scripts/vendor_static.sh
	scripts/vendor_static.sh
	@touch $@

setup: $(BIN)/.installed static_vendor/.installed

demo: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "青农已启动：http://127.0.0.1:$(PORT)/  （Ctrl+C 停止）"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy covers core and every app's services and selectors (the domain layer), modules or packages.
MYPY_FILES = qingnong/core $(filter-out qingnong/core/%,$(wildcard qingnong/*/services.py qingnong/*/selectors.py) \
	$(dir $(wildcard qingnong/*/services/__init__.py qingnong/*/selectors/__init__.py)))

typecheck: setup
	$(BIN)/mypy $(MYPY_FILES)

pytest: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static_vendor var
