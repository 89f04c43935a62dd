"""Parameter files and the make targets that deploy with them."""

import json
import re
import subprocess

import pytest
from awscli.customizations.cloudformation.deploy import DeployCommand

import templates
from tests.helpers import ROOT, built, offline_aws_environment

PARAMS = sorted((ROOT / "params").glob("*.json"))
# What the console checks for AWS-specific types before it calls CloudFormation.
TYPE_PATTERNS = {
    "AWS::EC2::VPC::Id": r"^vpc-[0-9a-f]{8,17}$",
    "AWS::EC2::SecurityGroup::Id": r"^sg-[0-9a-f]{8,17}$",
    "List<AWS::EC2::Subnet::Id>": r"^subnet-[0-9a-f]{8,17}(,subnet-[0-9a-f]{8,17})*$",
}


def overrides(path) -> dict[str, str]:
    """The file as `aws cloudformation deploy --parameter-overrides file://...` reads it."""
    entries = json.loads(path.read_text())
    assert isinstance(entries, list) and all(isinstance(e, str) for e in entries), "a JSON list of Key=Value"
    return DeployCommand(session=None).parse_key_value_arg(entries, "parameter-overrides")


def test_every_template_has_parameter_files_and_platform_one_per_environment():
    names = {path.name.split(".")[0] for path in PARAMS}
    assert names == set(templates.TEMPLATES)
    assert {p.name for p in PARAMS if p.name.startswith("platform.")} == {
        "platform.dev.json",
        "platform.test.json",
        "platform.prod.json",
    }


@pytest.mark.parametrize("path", PARAMS, ids=[p.name for p in PARAMS])
def test_parameter_file_fits_its_template(path):
    name, environment = path.name.split(".")[:2]
    parameters = built(name)["Parameters"]
    given = overrides(path)
    assert set(given) <= set(parameters), f"unknown keys {set(given) - set(parameters)}"
    required = {key for key, parameter in parameters.items() if "Default" not in parameter}
    assert required <= set(given), f"required but missing: {required - set(given)}"
    for key, value in given.items():
        parameter = parameters[key]
        if "AllowedValues" in parameter:
            assert value in [str(v) for v in parameter["AllowedValues"]], key
        if "AllowedPattern" in parameter:
            assert re.match(parameter["AllowedPattern"], value), key
        if parameter["Type"] == "Number":
            assert parameter.get("MinValue", -1e9) <= float(value) <= parameter.get("MaxValue", 1e9), key
        if parameter["Type"] in TYPE_PATTERNS:
            assert re.match(TYPE_PATTERNS[parameter["Type"]], value), key
    if "Environment" in parameters:
        assert given["Environment"] == environment


def make(*arguments, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *arguments], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )


def test_make_deploy_and_delete_a_stack(moto_endpoint):
    """The go-api stack through `make deploy` with its parameter file, then `make delete`.

    moto has no Cloud Map resources, so the other two templates cannot be created there.
    """
    environment = offline_aws_environment(moto_endpoint)
    deployed = make("deploy", "TEMPLATE=go-api", "STACK=go-api-dev", "PARAMS=params/go-api.dev.json", env=environment)
    assert deployed.returncode == 0, deployed.stderr
    assert "cloudformation deploy --template-file output/go-api.yaml --stack-name go-api-dev" in deployed.stdout
    described = subprocess.run(
        ["aws", "cloudformation", "describe-stacks", "--stack-name", "go-api-dev", "--output", "json"],
        capture_output=True,
        text=True,
        env={**environment, "PATH": f"{ROOT / '.venv' / 'bin'}:{environment['PATH']}"},
    )
    stack = json.loads(described.stdout)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["ImageUri"] == overrides(ROOT / "params" / "go-api.dev.json")["ImageUri"]
    deleted = make("delete", "STACK=go-api-dev", env=environment)
    assert deleted.returncode == 0, deleted.stderr


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["deploy", "STACK=x"], "TEMPLATE is required"),
        (["deploy", "TEMPLATE=go-api"], "STACK is required"),
        (["deploy", "TEMPLATE=nope", "STACK=x"], "TEMPLATE=nope is unknown"),
        (["deploy", "TEMPLATE=go-api", "STACK=x", "PARAMS=params/nope.json"], "does not exist"),
        (["delete"], "STACK is required"),
        (["package", "TEMPLATE=platform"], "S3_BUCKET is required"),
    ],
)
def test_deploy_targets_refuse_missing_or_unknown_input(arguments, says):
    result = make(*arguments)
    assert result.returncode != 0
    assert says in result.stderr
