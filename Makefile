# Two commands are the whole set-up on a machine with only Python:
#   make template   build output/ (creates .venv from requirements.txt first)
#   make test       output/ up to date, cfn-lint (+ our rules) in every region,
#                   ruff, checkov, pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The YAML templates; each output/*.json is the same document (tests/test_all_templates.py
# proves it), so linting and scanning it too would check every template twice.
TEMPLATE_FILES = $(wildcard output/*.yaml)
# The regions of the plugin's region table (GovCloud included); read when used.
LINT_REGIONS = $(shell $(BIN)/python -c 'from templates import regions; print(*regions.TABLE)')

CHECKOV := .venv-checkov
.PHONY: template check lint style security test test-deep bench bench-peers deploy delete package clean

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

# lint and security are one process each: run side by side on the 2 cores, then pytest on both.
test: check
	$(MAKE) --no-print-directory -j2 --output-sync=target lint security style
	$(BIN)/python -m pytest

# Property tests with fresh random examples, about thirty times as many (several minutes).
test-deep: $(INSTALLED)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest tests/test_properties.py

# --- Benchmark: bench/results.md and bench/results.png (targets are read, not asserted) ---
$(VENV)/.bench-installed: $(INSTALLED) bench/requirements-bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py

# Also the AWS CDK and ecs-compose-x on the same job (their own venvs under bench/.work/).
bench-peers: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py --peers

# --- Deploying (thin wrappers over the AWS CLI; each prints the command it runs) ---
#   make deploy TEMPLATE=go-api STACK=go-api-dev PARAMS=params/go-api.dev.json [S3_BUCKET=b]
#   make delete STACK=go-api-dev
#   make package TEMPLATE=platform S3_BUCKET=my-templates   (upload for the console or StackSets)
AWS ?= $(BIN)/aws
TEMPLATES = $(patsubst output/%.yaml,%,$(wildcard output/*.yaml))
S3_PREFIX ?= templates/

define require
$(if $($(1)),,$(error $(1) is required: $(2)))
endef

deploy: $(INSTALLED)
	$(call require,TEMPLATE,one of $(TEMPLATES))
	$(call require,STACK,the stack name, e.g. STACK=$(TEMPLATE)-dev)
	$(if $(filter $(TEMPLATE),$(TEMPLATES)),,$(error TEMPLATE=$(TEMPLATE) is unknown: use one of $(TEMPLATES)))
	$(if $(PARAMS),$(if $(wildcard $(PARAMS)),,$(error PARAMS=$(PARAMS) does not exist: see params/)))
	$(AWS) cloudformation deploy --template-file output/$(TEMPLATE).yaml --stack-name $(STACK) \
	  --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
	  $(if $(PARAMS),--parameter-overrides file://$(PARAMS)) $(if $(S3_BUCKET),--s3-bucket $(S3_BUCKET) --s3-prefix $(S3_PREFIX))

delete: $(INSTALLED)
	$(call require,STACK,the stack name to delete)
	$(AWS) cloudformation delete-stack --stack-name $(STACK)
	$(AWS) cloudformation wait stack-delete-complete --stack-name $(STACK)

package: $(INSTALLED)
	$(call require,TEMPLATE,one of $(TEMPLATES))
	$(call require,S3_BUCKET,a bucket to upload the template to)
	$(if $(filter $(TEMPLATE),$(TEMPLATES)),,$(error TEMPLATE=$(TEMPLATE) is unknown: use one of $(TEMPLATES)))
	$(AWS) s3 cp output/$(TEMPLATE).yaml s3://$(S3_BUCKET)/$(S3_PREFIX)$(TEMPLATE).yaml
	@echo "Template URL: https://$(S3_BUCKET).s3.amazonaws.com/$(S3_PREFIX)$(TEMPLATE).yaml"

clean:
	rm -rf $(VENV) $(CHECKOV) bench/.work .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
