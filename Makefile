SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv lock kafka-jars postgres run cluster test screenshots faults fuzz bench capacity lint clean distclean

venv: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "python3 -m venv failed: install it (apt-get install -y python3-venv)"; exit 1; }

# Dependencies come from requirements.lock (exact versions with hashes); `make lock` updates it.
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --require-hashes -r requirements.lock
	$(PY) -m pip install --no-deps -e .
	touch $(STAMP)

lock: venv
	$(PY) -m piptools compile --quiet --generate-hashes --extra dev --strip-extras \
	  --allow-unsafe --no-emit-find-links --output-file requirements.lock pyproject.toml

kafka-jars: venv
	$(PY) -m infra.kafka_broker fetch

postgres: venv
	$(PY) -m infra.postgres_server ensure

browser: venv
	$(PY) -m infra.browser ensure

run: venv kafka-jars
	$(PY) -m infra.run

cluster: venv kafka-jars postgres
	$(PY) -m infra.cluster

demo: venv
	$(PY) -m infra.demo

# Two parts (infra.suite): the tests not marked `alone` over GOALKEEPER_TEST_WORKERS (2)
# pytest-xdist workers, then those marked `alone` one at a time.
test: venv kafka-jars postgres browser
	$(PY) -m infra.suite $(PYTEST_ARGS)

# The browser tests that take the README's screenshots, saving them to docs/screenshots/
# (`make test` saves them under .run/screenshots/ and leaves tracked files alone).
SCREENSHOT_TESTS := fills_the_board_with_every_kind_of_goal or check_in_shows_on_the_goal_page_chart
screenshots: venv kafka-jars postgres browser
	GOALKEEPER_SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/web -p no:cacheprovider \
	  -k "$(SCREENSHOT_TESTS)" $(PYTEST_ARGS)

faults: venv kafka-jars postgres
	GOALKEEPER_FAULT_SECONDS=30 $(PY) -m pytest tests/faults -m faults -p no:cacheprovider $(PYTEST_ARGS)

# Schemathesis over every service's spec with conformance checks, 200 examples per operation.
fuzz: venv kafka-jars postgres
	GOALKEEPER_FUZZ_EXAMPLES=200 $(PY) -m pytest tests/security/test_fuzz.py -p no:cacheprovider $(PYTEST_ARGS)

bench: venv kafka-jars postgres
	$(PY) -m bench.run_all

# Capacity model (bench/results/capacity.md: a team-year measured on PostgreSQL and Kafka, rates
# from bench/results/events.md and api.md), then a compressed week of the 10k-team load on a
# 3-node cluster (bench/results/cluster_week.md, about 15 minutes).
capacity: venv kafka-jars postgres
	$(PY) -m bench.capacity
	$(PY) -m bench.capacity week

lint: venv
	$(PY) -m ruff check .

clean:
	rm -rf .run .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .cache
