# The two set-up commands of the README: `make demo` and `make test`.
# Everything installs into .venv (Python), tests/node/node_modules (npm) and, for the
# browser tests, Debian's chromium (apt-get, as root, once).

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: demo test lint typecheck unit browser lb pg deploy-tools node-deps bench soak clean config-docs

# The demo needs only the wallboard's own dependencies; the test tools (mypy, ruff,
# Playwright, pytest) come with `make test`.
# -qq: only errors, so that `make demo` ends with the address to open (pip's notices and a
# machine's index warnings are not the newcomer's business; a failure still prints).
PIP := $(BIN)/pip install -qq --disable-pip-version-check
$(BIN)/.runtime: pyproject.toml
	@echo "installing the wallboard into $(VENV) (the first time: a minute or two)"
	@$(PY) -m venv $(VENV)
	@$(PIP) --upgrade pip
	@$(PIP) -e .
	@touch $@

$(BIN)/.installed: $(BIN)/.runtime
	$(PIP) -e '.[test]'
	touch $@

demo: $(BIN)/.runtime
	@WALLBOARD_WEB_HOST=$(HOST) WALLBOARD_WEB_PORT=$(PORT) $(BIN)/wallboard demo

browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's nginx for the cluster's kiosk-failover test (the load balancer of deploy/cluster/).
lb:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		echo "installing Debian nginx-light for the cluster failover test"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx-light >/dev/null; }

# PostgreSQL's server binaries for the store suite's second run (tests/pgserver.py starts a
# throwaway server from them); this kind of machine ships them, a bare Debian gets them here.
pg:
	@[ -x /usr/lib/postgresql/15/bin/initdb ] || { \
		echo "installing Debian postgresql-15 for the store tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql-15 >/dev/null; }

# The tools that check deploy/ as they will run it (tests/integration/ops/test_deploy_tools.py):
# systemd-analyze and systemd-sysusers (systemd), caddy validate (caddy), promtool
# (prometheus), openssl for nginx -t's throwaway certificate. Services are not started.
deploy-tools:
	@command -v systemd-analyze >/dev/null 2>&1 && command -v caddy >/dev/null 2>&1 \
		&& command -v promtool >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 || { \
		echo "installing Debian systemd, caddy, prometheus and openssl for the deploy checks"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends \
			systemd caddy prometheus openssl >/dev/null; }

# The real socket.io servers (socket.io@2 = Engine.IO 3 like the vendor, socket.io@4) for
# the connector's tests; reinstalled only when missing or older than the lock file.
NODE_DIR := tests/node
node-deps: $(NODE_DIR)/node_modules/.package-lock.json

$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund || npm install --prefix $(NODE_DIR) --no-audit --no-fund
	touch $@

lint: $(BIN)/.installed
	$(BIN)/ruff check wallboard tests bench
	$(BIN)/ruff format --check wallboard tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

test: $(BIN)/.installed browser lb pg deploy-tools node-deps lint typecheck
	$(BIN)/pytest -q -p no:cacheprovider

bench: $(BIN)/.installed node-deps
	$(BIN)/python bench/fold.py
	$(BIN)/python bench/cdr_intake.py
	$(BIN)/python bench/cdr_store.py
	$(BIN)/python bench/history_load.py
	$(BIN)/python bench/worklist_page.py
	$(BIN)/python bench/simulator.py
	$(BIN)/python bench/eio3_receive.py
	$(BIN)/python bench/failover.py
	$(BIN)/python bench/fanout.py --clients 50 200 --seconds 60
	$(BIN)/python bench/cdr_intake_pg.py
	$(BIN)/python bench/nats_kv.py
	$(BIN)/python bench/cluster.py
	$(BIN)/python bench/kiosk_cls.py
	$(BIN)/python bench/alert_preview.py

# The settings reference, from the settings model (tests/unit/test_config_reference.py
# fails while it is stale): run after adding or changing a key.
config-docs: $(BIN)/.runtime
	$(BIN)/wallboard config-reference --output docs/configuration.md

soak: $(BIN)/.installed
	$(BIN)/python bench/soak.py --minutes 30

clean:
	rm -rf $(VENV) tests/node/node_modules .mypy_cache .ruff_cache .pytest_cache wallboard.egg-info artifacts
