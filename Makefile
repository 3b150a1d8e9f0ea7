# camaudit — two entry points: `make demo` and `make test`. Both set up .venv as needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Debian packages the tests use (installed only when missing, only as root).
APT_TEST := nmap postgresql redis-server tcpdump poppler-utils fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium

.PHONY: demo test lint typecheck unit bench fuzz clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || scripts/ensure-apt.sh python3-venv
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setting up $(VENV): installing camaudit and its dependencies (first run only, about a minute)"
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]' 2>&1 \
		| grep --line-buffered -E "^(Collecting|Installing|Successfully|ERROR|error)" || true
	@$(BIN)/python -c "import camaudit" && rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/camaudit demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	@scripts/ensure-apt.sh $(APT_TEST)
	$(BIN)/camaudit kb check
	$(BIN)/python -m pytest -n 2 -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench

fuzz: $(STAMP)
	$(BIN)/python -m bench fuzz

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
