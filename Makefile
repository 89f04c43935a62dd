# Two commands are the whole set-up on a machine with only Python:
#   make template   build output/ (creates .venv from requirements.txt first)
#   make test       output/ up to date, cfn-lint (+ our rules) in every region,
#                   ruff, import-linter, checkov, pytest
# `make` alone (or `make help`) lists every target and the variables it takes.
# A target is listed when its line ends in "## what it does"; a variable when the
# line above its `?=` starts with "## ".

# The paths below (build.py, output/, tools/) are this directory's: from elsewhere, say how
# to run it in one line rather than fail on a missing file.
MAKEFILE_DIR := $(realpath $(dir $(firstword $(MAKEFILE_LIST))))
ifneq ($(MAKEFILE_DIR),$(realpath $(CURDIR)))
$(error run this Makefile in its own directory: $(strip make -C $(MAKEFILE_DIR) $(MAKECMDGOALS) $(MAKEOVERRIDES)) (relative paths such as PARAMS= are then read from there))
endif

## The Python that creates the virtual environments: 3.11 to 3.13 (a newer one is used with a warning).
PYTHON ?= python3
## Where the tools are installed (a throwaway directory works, e.g. VENV=/tmp/venv).
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The YAML templates; each output/*.json is the same document (tests/test_all_templates.py
# proves it), so linting and scanning it too would check every template twice.
TEMPLATE_FILES = $(wildcard output/*.yaml)
# Every region any template is for (templates/facts.py); read when used.
LINT_REGIONS = $(shell $(BIN)/python -c 'from templates import facts; print(*facts.ALL_REGIONS)')

CHECKOV := .venv-checkov
.DEFAULT_GOAL := help
.PHONY: help template check lint style imports security test test-deep golden bench bench-peers deploy delete package plan preflight doctor explain probe timeline controls cost cost-refresh params-from-stack rehearse moto clean FORCE

# Inside make function calls a comma separates arguments, so messages use $(comma).
comma := ,

# --- Virtual environments -------------------------------------------------------------
# Before any goal that uses one, tools/venv.sh says what to do: nothing, install the
# requirements again (they changed), or create the environment anew (missing, broken,
# or made by another Python than a PYTHON given on the command line). A Python older
# than 3.11 stops make here with one line, before pip can print a page of errors; one
# newer than 3.13, the newest tested, is used after a one-line warning.
GOALS_WITHOUT_VENV := help clean
PYTHON_GIVEN := $(filter command line environment,$(origin PYTHON))
venv_action = $(shell sh tools/venv.sh state '$(PYTHON)' '$(1)' '$(2)' '$(PYTHON_GIVEN)')

ifneq ($(filter-out $(GOALS_WITHOUT_VENV),$(MAKECMDGOALS)),)
VENV_ACTION := $(call venv_action,$(VENV),requirements.txt)
ifneq ($(filter security test,$(MAKECMDGOALS)),)
CHECKOV_ACTION := $(call venv_action,$(CHECKOV),requirements-checkov.txt)
endif
endif
ifeq ($(firstword $(VENV_ACTION)),error:)
$(error $(subst error: ,,$(VENV_ACTION)))
endif
ifeq ($(firstword $(CHECKOV_ACTION)),error:)
$(error $(subst error: ,,$(CHECKOV_ACTION)))
endif
# A Python newer than the newest tested is used, with one line saying what to fall back to.
python_warning = $(if $(filter warning:,$(word 2,$(1))),$(wordlist 3,999,$(1)))
PYTHON_WARNING := $(or $(call python_warning,$(VENV_ACTION)),$(call python_warning,$(CHECKOV_ACTION)))
ifneq ($(PYTHON_WARNING),)
$(info warning: $(PYTHON_WARNING))
endif
ifneq ($(filter create install,$(VENV_ACTION)),)
$(INSTALLED): FORCE
endif
ifneq ($(filter create install,$(CHECKOV_ACTION)),)
$(CHECKOV)/.installed: FORCE
endif

# $(call install_venv,DIR,REQUIREMENTS,ACTION)
define install_venv
$(if $(filter create,$(3)),$(PYTHON) -m venv --clear $(1))
$(1)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
$(1)/bin/python -m pip install --quiet --disable-pip-version-check -r $(2)
rm -f $(addprefix $(1)/bin/,$(AWS_CLI_V1_SCRIPTS))
sh tools/venv.sh stamp '$(PYTHON)' '$(1)' '$(2)' > $(1)/.installed
endef
# The pinned awscli (version 1) serves the tests, which run it as python -m awscli. Its
# scripts would put an `aws` in front of the user's AWS CLI version 2 whenever the virtual
# environment is activated, so they are removed after each install.
AWS_CLI_V1_SCRIPTS := aws aws.cmd aws_completer aws_bash_completer aws_zsh_completer.sh

$(INSTALLED):
	$(call install_venv,$(VENV),requirements.txt,$(VENV_ACTION))

# checkov pins an old boto3, so it gets a virtual environment of its own.
$(CHECKOV)/.installed:
	$(call install_venv,$(CHECKOV),requirements-checkov.txt,$(CHECKOV_ACTION))

FORCE:

help: ## This list (the default goal)
	@echo "Usage: make TARGET [VARIABLE=value ...]"
	@echo
	@echo "Targets:"
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))
	@echo
	@echo "Variables (default in brackets):"
	@awk '/^## / { doc = substr($$0, 4); next } \
	  /^[A-Z_0-9]+ \?= / && doc { name = $$1; sub(/^[A-Z_0-9]+ \?= /, ""); printf "  %-12s %s [%s]\n", name, doc, $$0 } \
	  { doc = "" }' $(firstword $(MAKEFILE_LIST))

template: $(INSTALLED) ## Build output/ and the generated docs tables (creates .venv first)
	$(BIN)/python build.py

check: $(INSTALLED) ## Fail naming each file in output/ or docs/ that the build would change
	$(BIN)/python build.py --check

lint: $(INSTALLED) ## cfn-lint with the rules in lint_rules/, in every region of the templates
	$(BIN)/cfn-lint --include-checks I --append-rules lint_rules --regions $(LINT_REGIONS) -- $(TEMPLATE_FILES)
	@echo "cfn-lint (with lint_rules/): no findings in $(words $(TEMPLATE_FILES)) template files x $(words $(LINT_REGIONS)) regions"

style: $(INSTALLED) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Without a cache: it takes well under a second, and writes nothing into the checkout.
imports: $(INSTALLED) ## import-linter: each package imports only the layers below it (pyproject.toml)
	$(BIN)/lint-imports --no-cache

security: $(CHECKOV)/.installed ## checkov on the built templates (its own venv: .venv-checkov)
	$(CHECKOV)/bin/checkov --framework cloudformation --skip-download --quiet --compact $(addprefix -f ,$(TEMPLATE_FILES))

# check, lint and security are one process each: side by side on the 2 cores, then pytest on both.
# (pytest beside them was slower: its workers lost more to the shared cores than the overlap saved.)
test: ## All of the above, then pytest
	$(MAKE) --no-print-directory -j3 --output-sync=target check lint security style imports
	$(BIN)/python -m pytest

# Property tests with fresh random examples, about thirty times as many (several minutes),
# the whole rehearsal on moto (about ten seconds: make rehearse, as a test), and make test
# in a fresh copy with each supported Python the machine has (minutes each; -rs names the
# ones it lacks).
test-deep: $(INSTALLED) ## Property tests with about thirty times as many fresh examples, the rehearsal, make test on each supported Python (minutes)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest tests/test_properties.py
	REHEARSAL=1 $(BIN)/python -m pytest -n 0 tests/test_rehearsal.py
	PYTHON_VERSIONS=1 $(BIN)/python -m pytest -n 0 -rs tests/test_python_versions.py

# --- Benchmark: results.md, results.png, results.json (targets are read, not asserted) ---
# Written to bench/latest/ (git ignores it); BENCH_UPDATE=1 rewrites the committed bench/ ones.
$(VENV)/.bench-installed: $(INSTALLED) bench/requirements-bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-installed ## Benchmark: results in bench/latest/ (BENCH_UPDATE=1: the committed bench/results.md)
	$(BIN)/python bench/run.py $(if $(BENCH_UPDATE),--output bench)

# Also the AWS CDK and ecs-compose-x on the same job (their own venvs under bench/.work/).
bench-peers: $(VENV)/.bench-installed ## The benchmark beside the AWS CDK and ecs-compose-x
	$(BIN)/python bench/run.py --peers $(if $(BENCH_UPDATE),--output bench)

# --- Deploying (boto3, like preflight and doctor: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL) ---
#   make plan    TEMPLATE=go-api STACK=go-api-dev PARAMS=params/go-api.dev.json [KEEP=1] [FORMAT=json]
#   make deploy  TEMPLATE=go-api STACK=go-api-dev PARAMS=params/go-api.dev.json [S3_BUCKET=b] [CHANGE_SET=name]
#   make delete  STACK=go-api-dev
#   make package TEMPLATE=platform [S3_BUCKET=my-templates]  (upload for the console or StackSets)
# A template over 51,200 bytes (the platform) goes through S3: S3_BUCKET=, else the template
# bucket of the region's prerequisites stack (the one of the parameters' VPC when there are several).
# Each prints the account and region first and the stack's events as they happen. make turns
# any failing command's status into 2: scripts that need the tools' own 0/1/2 run the module
# (.venv/bin/python -m ops.deploy ..., docs/deploying.md#exit-status).
TEMPLATES = $(patsubst output/%.yaml,%,$(wildcard output/*.yaml))
## The S3 key prefix for package, and for deploy through a bucket (a trailing / is optional).
S3_PREFIX ?= templates

# The commands below run as $(TOOL) <module>: OPS_MAKE_TARGET tells them make ran them, so their
# messages name make's variables (SPOT_DISCOUNT=) rather than their options (--spot-discount).
TOOL = OPS_MAKE_TARGET=$@ $(BIN)/python -m
# FORMAT= of the commands that print a report: text (the default) or json, in any case.
lower = $(subst J,j,$(subst S,s,$(subst O,o,$(subst N,n,$(subst T,t,$(subst E,e,$(subst X,x,$(1))))))))
define format_flag
$(if $(filter-out text json,$(call lower,$(FORMAT))),$(error FORMAT=$(FORMAT) is unknown: use FORMAT=text or FORMAT=json))$(if $(filter json,$(call lower,$(FORMAT))),--json)
endef

define require
$(if $($(1)),,$(error $(1) is required: $(2)))
endef
define known_template
$(if $(filter $(TEMPLATE),$(TEMPLATES)),,$(error TEMPLATE=$(TEMPLATE) is unknown: use one of $(TEMPLATES)))
endef
define existing_params
$(if $(PARAMS),$(if $(wildcard $(PARAMS)),,$(error PARAMS=$(PARAMS) does not exist: see params/ (your own go in params/*.local.json))))
endef

deploy: $(INSTALLED) ## Create or update a stack through a change set, events as they happen: TEMPLATE= STACK= [PARAMS=] [S3_BUCKET=] [CHANGE_SET=]
	$(call require,STACK,the stack name$(comma) for example STACK=$(or $(TEMPLATE),go-api)-dev)
	$(if $(CHANGE_SET),,$(call require,TEMPLATE,one of $(TEMPLATES)))
	$(if $(TEMPLATE),$(call known_template))
	$(call existing_params)
	@$(TOOL) ops.deploy $(TEMPLATE) $(STACK) $(PARAMS) $(if $(S3_BUCKET),--s3-bucket $(S3_BUCKET) --s3-prefix '$(S3_PREFIX)') $(if $(CHANGE_SET),--change-set $(CHANGE_SET))

plan: $(INSTALLED) ## What a deploy would add, change, replace, remove (a change set, never run): TEMPLATE= STACK= [PARAMS=] [KEEP=1] [FORMAT=json]
	$(call require,TEMPLATE,one of $(TEMPLATES))
	$(call require,STACK,the stack name$(comma) for example STACK=$(TEMPLATE)-dev)
	$(call known_template)
	$(call existing_params)
	@$(TOOL) ops.deploy --plan $(TEMPLATE) $(STACK) $(PARAMS) $(if $(S3_BUCKET),--s3-bucket $(S3_BUCKET) --s3-prefix '$(S3_PREFIX)') $(if $(KEEP),--keep) $(format_flag)

delete: $(INSTALLED) ## Delete a stack, events as they happen, then name what it kept: STACK=
	$(call require,STACK,the stack name to delete)
	@$(TOOL) ops.deploy.delete $(STACK)

package: $(INSTALLED) ## Upload a template to S3 and print its URL: TEMPLATE= [S3_BUCKET=] [S3_PREFIX=]
	$(call require,TEMPLATE,one of $(TEMPLATES))
	$(call known_template)
	@$(TOOL) ops.deploy.package $(TEMPLATE) $(S3_BUCKET) --prefix '$(S3_PREFIX)'

golden: $(INSTALLED) ## Rewrite tests/golden/ (the build-option variants) from the code
	$(BIN)/python -m tests.goldens

# --- Before and after a deploy (read-only; docs/preflight-doctor.md) ---
#   make preflight TEMPLATE=platform PARAMS=params/platform.dev.json [STACK=platform-dev] [FORMAT=json]
#   make doctor STACK=platform-dev [FORMAT=json]
#   make explain TEXT='<an AWS error text>'   (or: pbpaste | make explain)
preflight: $(INSTALLED) ## Check a parameter file, then the account (read-only): TEMPLATE= PARAMS= [STACK=] [FORMAT=json]
	$(call require,TEMPLATE,one of $(TEMPLATES))
	@$(TOOL) ops.preflight $(TEMPLATE) $(PARAMS) $(if $(STACK),--stack $(STACK)) $(format_flag)

doctor: $(INSTALLED) ## Explain a failed or unhealthy stack (read-only): STACK= [FORMAT=json]
	$(call require,STACK,the stack name to examine)
	@$(TOOL) ops.doctor $(STACK) $(format_flag)

explain: $(INSTALLED) ## Explain one AWS error text, no AWS call: TEXT='...' (or on standard input) [FORMAT=json]
	@$(TOOL) ops.doctor --explain $(if $(TEXT),"$$TEXT") $(format_flag)
# TEXT reaches the command through the environment, so its quotes and $ need no escaping.
explain: export TEXT := $(value TEXT)

# --- After a deploy: are the plugin's clients answered? (docs/finfocus-plugin.md) ---
#   make probe STACK=finfocus-dev [PARAMS=params/finfocus-plugin.probe.local.json] [FORMAT=json]
# Runs one short-lived Fargate task in the stack's subnets that asks every regional port, then
# removes the task definition revision and security group it registered. Exit 0: every port answered.
probe: $(INSTALLED) ## Ask every regional port of a plugin stack from inside its VPC (one short task): STACK= [PARAMS=] [FORMAT=json]
	$(call require,STACK,the plugin stack's name$(comma) for example STACK=finfocus-dev)
	$(call existing_params)
	@$(TOOL) ops.probe $(STACK) $(PARAMS) $(format_flag)

# --- Before a release: how long it takes and what keeps answering (offline; docs/ecs-deployment.md) ---
#   make timeline TEMPLATE=platform PARAMS=params/platform.prod.json [FORMAT=json]
#   make timeline TEMPLATE=go-api TARGET_GROUP=interval=10,healthy=2   (the target group's values, as preflight prints them)
#   make timeline TEMPLATE=go-api TASK_START=40,90                     (seconds a task takes to start: measured, typical,worst)
timeline: $(INSTALLED) ## Release and recovery times, fewest tasks answering (offline): TEMPLATE= [PARAMS=] [FORMAT=json] [TARGET_GROUP=] [TASK_START=]
	$(call require,TEMPLATE,one of $(TEMPLATES))
	@$(TOOL) ops.timeline $(TEMPLATE) $(PARAMS) $(if $(TARGET_GROUP),--target-group '$(TARGET_GROUP)') $(if $(TASK_START),--task-start '$(TASK_START)') $(format_flag)

# --- AWS Control Tower proactive controls (Guard rules in guard/rules/; docs/controls.md) ---
#   make controls [TEMPLATE=go-api] [FORMAT=json]   every template x parameter file (defaults, params/*.json) x control
controls: $(INSTALLED) ## The control matrix: template x parameter file x control -> pass / FAIL / n/a: [TEMPLATE=] [FORMAT=json]
	$(if $(TEMPLATE),$(call known_template))
	@$(TOOL) guard $(TEMPLATE) $(format_flag)

# --- What a stack costs a month (docs/cost.md) ---
#   make cost TEMPLATE=platform PARAMS=params/platform.dev.json [REGION=us-east-1] [FORMAT=json]
#   make cost TEMPLATE=platform PARAMS=params/platform.dev.json SPOT_DISCOUNT=60 LOG_GB=5
# Offline, from the price snapshot ops/cost/prices.json; cost-refresh is the one target that
# reads the AWS Price List (public offer files, no credentials).
cost: $(INSTALLED) ## Monthly estimate of a stack, offline: TEMPLATE= [PARAMS=] [REGION=] [FORMAT=json] [SPOT_DISCOUNT=70] [LOG_GB=1] [DATA_GB=0] [ALB_LCU=1] [STORED_GB=1]
	$(call require,TEMPLATE,one of $(TEMPLATES))
	@$(TOOL) ops.cost $(TEMPLATE) $(PARAMS) $(if $(REGION),--region $(REGION)) $(format_flag) $(if $(SPOT_DISCOUNT),--spot-discount $(SPOT_DISCOUNT)) $(if $(LOG_GB),--log-gb-per-task $(LOG_GB)) $(if $(DATA_GB),--data-gb $(DATA_GB)) $(if $(ALB_LCU),--alb-lcu $(ALB_LCU)) $(if $(STORED_GB),--stored-gb $(STORED_GB))

cost-refresh: $(INSTALLED) ## Rewrite the price snapshot from the AWS Price List (network), then the docs
	$(BIN)/python -m ops.cost.refresh
	$(BIN)/python build.py

# --- From an empty account (docs/prerequisites.md) ---
#   make params-from-stack STACK=prereq-dev TEMPLATE=go-api ENV=dev   (writes params/go-api.dev.local.json, or OUTPUT=)
#   make rehearse        the whole path on a local moto_server: prerequisites, go-api, a release, delete
params-from-stack: $(INSTALLED) ## Write params/<TEMPLATE>.<ENV>.local.json from a prerequisites stack: STACK= TEMPLATE= ENV= [OUTPUT=]
	$(call require,STACK,the name of the prerequisites stack)
	$(call require,TEMPLATE,the template to write parameters for$(comma) for example TEMPLATE=go-api)
	$(call require,ENV,the environment$(comma) for example ENV=dev (the file is params/<TEMPLATE>.<ENV>.local.json))
	@$(TOOL) ops.params_from_stack '$(STACK)' '$(TEMPLATE)' '$(ENV)' $(if $(OUTPUT),--output '$(OUTPUT)')

## The port of make moto's server on 127.0.0.1 (empty: a free one).
MOTO_PORT ?=

moto: $(INSTALLED) ## A local moto server for your own day-2 commands, with the exports to use (until Ctrl-C): [MOTO_PORT=]
	@$(TOOL) tools.moto_server $(if $(MOTO_PORT),--port '$(MOTO_PORT)')

rehearse: $(INSTALLED) ## Rehearse prerequisites -> go-api -> release -> delete on a local moto_server (offline): [OUTPUT=]
	@$(TOOL) tools.rehearse $(if $(OUTPUT),--output '$(OUTPUT)')

clean: ## Remove .venv, .venv-checkov and caches
	rm -rf $(VENV) $(CHECKOV) bench/.work .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
