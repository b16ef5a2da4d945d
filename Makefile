# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core, which the browser tests inject into every page they visit (package.json).
AXE := node_modules/axe-core/axe.min.js
export NGHEDAN_DATABASE_URL ?= sqlite:///./nghedan.db

.PHONY: run test test-sqlite test-postgres bench bench-postgres install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# npm ci only when the pinned axe-core is missing or the lock file changed.
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/nghedan db upgrade
	$(VENV)/bin/nghedan demo
	@# The scheduler runs in its own process (never inside the web server); both stop together.
	$(VENV)/bin/nghedan worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/nghedan serve --host 127.0.0.1 --port 8000

# The suite runs once per backend: SQLite always, PostgreSQL when a server can be
# started here (scripts/with-postgres). In CI a missing PostgreSQL is a failure.
test: $(STAMP) $(AXE)
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	env -u NGHEDAN_TEST_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider

test-postgres: $(STAMP)
	bash scripts/with-postgres $(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(PY) -m bench

# The same benchmarks on a throwaway PostgreSQL cluster with durable settings.
bench-postgres: $(STAMP)
	NGHEDAN_PG_DURABLE=1 NGHEDAN_PG_REPLICA=0 bash scripts/with-postgres \
	  sh -c 'BENCH_DATABASE_URL="$$NGHEDAN_TEST_DATABASE_URL" exec $(PY) -m bench'

clean:
	rm -rf $(VENV) nghedan.db nghedan.db-wal nghedan.db-shm
