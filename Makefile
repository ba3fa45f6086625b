# Two entry points for humans and CI: `make run` (set up + serve) and `make test` (set up + lint + tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint tools bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/edigw serve

# Independent peers used by the tests (openssl CLI, OpenSSH client and server), the headless browser of
# the console tests (chromium + chromedriver, driven by Selenium) and the redis-server binary that the
# broker-restart test starts and kills, from the OS packages.
tools:
	@command -v openssl >/dev/null && command -v sftp >/dev/null && test -x /usr/sbin/sshd \
	  && command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl openssh-client openssh-server chromium chromium-driver redis-server >/dev/null; \
	  else echo "install openssl, openssh-client, openssh-server, chromium, chromium-driver and redis-server for the peer, browser and broker-restart tests"; fi; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy gateway partners translators
	$(BIN)/lint-imports

test: setup tools lint
	$(BIN)/pytest

bench: setup
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done
