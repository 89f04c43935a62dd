# Two commands are the whole set-up on a machine with only Python:
#   make template   build output/ (creates .venv from requirements.txt first)
#   make test       output/ up to date, cfn-lint (+ our rules) in every region,
#                   ruff, checkov, pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The regions of the plugin's region table (GovCloud included); read when used.
TEMPLATE_FILES = $(wildcard output/*.yaml) $(filter-out %.task-definition.json,$(wildcard output/*.json))
LINT_REGIONS = $(shell $(BIN)/python -c 'from templates import regions; print(*regions.TABLE)')

CHECKOV := .venv-checkov
.PHONY: template check lint style security test test-deep clean

# Rebuilt when missing or older than requirements.txt.
$(INSTALLED): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# checkov pins an old boto3, so it gets a virtual environment of its own.
$(CHECKOV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(CHECKOV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

template: $(INSTALLED)
	$(BIN)/python build.py

check: $(INSTALLED)
	$(BIN)/python build.py --check

lint: $(INSTALLED)
	$(BIN)/cfn-lint --include-checks I --append-rules lint_rules --regions $(LINT_REGIONS) -- $(TEMPLATE_FILES)
	@echo "cfn-lint (with lint_rules/): no findings in $(words $(TEMPLATE_FILES)) template files x $(words $(LINT_REGIONS)) regions"

style: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

security: $(CHECKOV)/.installed
	$(CHECKOV)/bin/checkov --framework cloudformation --skip-download --quiet --compact $(addprefix -f ,$(TEMPLATE_FILES))

test: check lint style security
	$(BIN)/python -m pytest

# Property tests with fresh random examples, ten times as many (a few minutes).
test-deep: $(INSTALLED)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest tests/test_properties.py

clean:
	rm -rf $(VENV) $(CHECKOV) .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
