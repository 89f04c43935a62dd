"""Parameter files and the make targets that deploy with them."""

import json
import os
import re
import shlex
import subprocess

import boto3
import pytest
import yaml
from awscli.customizations.cloudformation.deploy import DeployCommand

import templates
from ops.shared import params
from tests.helpers import ROOT, built, corpus_text, offline_aws_environment

# The project's files; a user's own params/*.local.json are theirs (git ignores them).
PARAMS = params.committed()
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
        "platform.hardened.json",  # docs/controls.md
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
        # The hardened file shows the settings that meet every control, on the production sizes.
        assert given["Environment"] == ("prod" if environment == "hardened" else environment)


def make(*arguments, env=None, cwd=ROOT) -> subprocess.CompletedProcess:
    # -o: never (re)install into .venv from a test, whatever the dates of its files say.
    # The flags of a make that runs the tests (make -s test) must not reach this one.
    clean = {k: v for k, v in (env or os.environ).items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
    )


def test_make_deploy_and_delete_reach_the_account_the_environment_names(moto_endpoint):
    """The targets as a user runs them: AWS_ENDPOINT_URL and AWS_DEFAULT_REGION reach the tools
    (tests/test_deploy_watch.py follows every step in detail)."""
    environment = offline_aws_environment(moto_endpoint)
    deployed = make("deploy", "TEMPLATE=go-api", "STACK=go-api-dev", "PARAMS=params/go-api.dev.json", env=environment)
    assert deployed.returncode == 0, deployed.stderr
    lines = deployed.stdout.splitlines()
    assert lines[0] == "account 123456789012 (arn:aws:sts::123456789012:user/moto), region us-east-1, stack go-api-dev"
    assert "go-api-dev: CREATE_COMPLETE" in lines
    deleted = make("delete", "STACK=go-api-dev", env=environment)
    assert deleted.returncode == 0, deleted.stderr
    assert "go-api-dev: deleted" in deleted.stdout.splitlines()


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["deploy", "STACK=x"], "TEMPLATE is required"),
        (["deploy", "TEMPLATE=go-api"], "STACK is required: the stack name, for example STACK=go-api-dev."),
        (["deploy", "TEMPLATE=nope", "STACK=x"], "TEMPLATE=nope is unknown"),
        (["deploy", "TEMPLATE=go-api", "STACK=x", "PARAMS=params/nope.json"], "does not exist"),
        (["plan", "STACK=x"], "TEMPLATE is required"),
        (["plan", "TEMPLATE=go-api"], "STACK is required"),
        (["delete"], "STACK is required"),
        (["package", "S3_BUCKET=b"], "TEMPLATE is required"),
    ],
)
def test_deploy_targets_refuse_missing_or_unknown_input(arguments, says):
    result = make(*arguments)
    assert result.returncode != 0
    assert says in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_make_from_another_directory_says_how_to_run_it_in_one_line(tmp_path):
    result = make("-f", str(ROOT / "Makefile"), "check", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert f"run this Makefile in its own directory: make -C {ROOT.resolve()} check (relative" in line


def test_make_from_another_directory_keeps_the_variables_given(tmp_path):
    given = ["TEMPLATE=go-api", "SPOT_DISCOUNT=60", "TEXT=two words"]
    result = make("-f", str(ROOT / "Makefile"), "cost", *given, cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    suggested = shlex.split(line.split("own directory: ", 1)[1].split(" (relative paths", 1)[0])
    # The command to run, as the shell reads it: every variable given, with its value (make's order).
    assert suggested[:4] == ["make", "-C", str(ROOT.resolve()), "cost"]
    assert sorted(suggested[4:]) == sorted(given)


def test_the_virtual_environment_does_not_shadow_the_users_aws_cli():
    """awscli (version 1) stays for the tests, which run it as python -m awscli; its `aws`
    script is removed so an activated .venv leaves the user's AWS CLI version 2 first on PATH."""
    makefile = (ROOT / "Makefile").read_text()
    assert "rm -f $(addprefix $(1)/bin/,$(AWS_CLI_V1_SCRIPTS))" in makefile
    installed = ROOT / ".venv" / ".installed"
    if installed.exists() and installed.stat().st_mtime > (ROOT / "requirements.txt").stat().st_mtime:
        assert not (ROOT / ".venv" / "bin" / "aws").exists()
    assert "$(AWS)" not in makefile  # no target runs an AWS CLI


def test_a_users_own_parameter_files_are_ignored_by_git():
    checked = subprocess.run(
        ["git", "check-ignore", "-q", "params/platform.prod.local.json"], cwd=ROOT, capture_output=True
    )
    if checked.returncode == 128:
        pytest.skip("not a git checkout")
    assert checked.returncode == 0
    assert subprocess.run(["git", "check-ignore", "-q", "params/platform.prod.json"], cwd=ROOT).returncode == 1


def require_calls(makefile: str) -> list[str]:
    """The argument text of every $(call require,...) in the Makefile, parentheses balanced."""
    calls = []
    for start in [m.end() for m in re.finditer(r"\$\(call require,", makefile)]:
        depth, end = 1, start
        while depth:
            depth += {"(": 1, ")": -1}.get(makefile[end], 0)
            end += 1
        calls.append(makefile[start : end - 1])
    return calls


def top_level_commas(text: str) -> int:
    depth = commas = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        commas += character == "," and depth == 0
    return commas


def test_every_required_variable_message_reaches_the_user_whole():
    """$(call require,NAME,TEXT): a bare comma in TEXT would start a third argument and cut the message."""
    calls = require_calls((ROOT / "Makefile").read_text())
    assert len(calls) >= 4
    for call in calls:
        assert top_level_commas(call) == 1, f"$(call require,{call}): write commas in the message as $(comma)"


# What exists in one region of one account only, per template (from each template's parameters).
REGION_SPECIFIC_KEYS = {
    "finfocus-plugin": {"VpcId", "SubnetIds"},
    "finfocus-plugin-10-region": {"VpcId", "SubnetIds"},
    "go-api": {"ImageUri", "TargetGroupArn", "AlbListenerArn", "VpcId", "AppSecurityGroupId", "SubnetIds"},
    "platform": {
        "VpcId",
        "PrivateAppSubnetIds",
        "PrivateAgentSubnetIds",
        "AlbListenerArn",
        "AlbSecurityGroupId",
        "VpcEndpointSecurityGroupId",
        "S3PrefixListId",
        "RdsSecurityGroupId",
        "BffImageUri",
        "AgentCoreImageUri",
        # A bucket is in one region and reached through that region's S3 gateway endpoint
        # (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html); its
        # name is unique across AWS, so every test region has a bucket under another name.
        "KnowledgeBaseBucketName",
    },
    # Address ranges and switches only: the same values work in every region.
    "prerequisites": set(),
}


def taskcat_tests() -> dict:
    return yaml.safe_load((ROOT / ".taskcat.yml").read_text())["tests"]


@pytest.mark.parametrize("name", sorted(REGION_SPECIFIC_KEYS))
def test_taskcat_reads_region_specific_values_in_each_region(name):
    """taskcat sends a test's parameters to all its regions: one VPC ID cannot be right in all of them."""
    parameters = taskcat_tests()[name]["parameters"]
    for key, value in parameters.items():
        if key in REGION_SPECIFIC_KEYS[name]:
            assert value == f"$[taskcat_ssm_/ecs-fargate-templates/{name}/{key}]", key
        else:
            assert not str(value).startswith("$["), key
    assert REGION_SPECIFIC_KEYS[name] <= set(parameters)


def test_taskcat_deploys_the_platform_only_where_bedrock_agents_is_offered():
    # https://docs.aws.amazon.com/bedrock/latest/userguide/agents-supported.html (not us-west-1),
    # kept to the regions where the project runs Fargate Spot.
    assert taskcat_tests()["platform"]["regions"] == [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "ap-south-1",
        "ca-central-1",
        "sa-east-1",
    ]
    assert not any(region.startswith("us-gov-") for test in taskcat_tests().values() for region in test["regions"])


def test_a_benchmark_run_writes_where_git_does_not_look():
    ran = [line for line in make("-n", "bench").stdout.splitlines() if "bench/run.py" in line]
    assert ran and "--output" not in ran[0]  # bench/run.py's default: bench/latest/
    updating = [line for line in make("-n", "bench", "BENCH_UPDATE=1").stdout.splitlines() if "bench/run.py" in line]
    assert updating[0].endswith("--output bench")
    checked = subprocess.run(["git", "check-ignore", "-q", "bench/latest/results.md"], cwd=ROOT)
    if checked.returncode != 128:  # 128: not a git checkout
        assert checked.returncode == 0


def test_deploy_without_a_parameter_file_keeps_the_stacks_values():
    # An update with no PARAMS keeps every parameter's current value (UsePreviousValue,
    # tests/test_deploy_watch.py); with PARAMS, the file is checked before any AWS call.
    without = make("-n", "deploy", "TEMPLATE=go-api", "STACK=go-api-dev")
    assert without.returncode == 0, without.stderr
    # OPS_MAKE_TARGET: the command's messages then name make's variables (ops/shared/invocation.py).
    # The virtual environment's python: .venv's, or VENV='s when make test was given one.
    environment, python, *command = without.stdout.split()
    assert environment == "OPS_MAKE_TARGET=deploy" and python.endswith("/bin/python")
    assert command == ["-m", "ops.deploy", "go-api", "go-api-dev"]
    given = make("-n", "deploy", "TEMPLATE=go-api", "STACK=go-api-dev", "PARAMS=params/go-api.dev.json")
    assert "-m ops.deploy go-api go-api-dev params/go-api.dev.json" in given.stdout


def test_every_taskcat_test_is_checked_for_region_specific_values():
    assert set(taskcat_tests()) == set(REGION_SPECIFIC_KEYS)


def test_the_deploying_guide_lists_what_to_store_for_every_taskcat_test():
    """docs/deploying.md's table: each template taskcat deploys, with exactly the parameters
    .taskcat.yml reads from SSM (a template left out there fails its first taskcat run)."""
    text = (ROOT / "docs" / "deploying.md").read_text()
    section = text.split("## taskcat", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| `")]
    listed = {name.strip().strip("`"): set(re.findall(r"`([^`]+)`", keys)) for name, keys in rows}
    assert listed == REGION_SPECIFIC_KEYS


def test_the_deploying_guide_lists_every_parameter_file():
    text = (ROOT / "docs" / "deploying.md").read_text()
    section = text.split("## Parameter files", 1)[1].split("\n## ", 1)[0]
    for path in PARAMS:
        assert f"`params/{path.name}`" in section, f"params/{path.name} is not in docs/deploying.md"


def test_a_blue_green_go_api_with_its_dashboard_creates_in_moto(moto_endpoint):
    """The traffic-shifting path as far as moto goes. moto creates the infrastructure role
    and the dashboard, skips the alarms (AWS::CloudWatch::Alarm, unsupported), and keeps
    none of what makes the release blue/green: the service's deployment configuration and
    load balancers, and the role's managed policy, are dropped (moto 5.2). The services
    name their alarms instead of referencing them, so the skipped alarms break nothing."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    cloudformation = session.client("cloudformation", endpoint_url=moto_endpoint)
    given = overrides(ROOT / "params" / "go-api.dev.json")
    listener = given["AlbListenerArn"]
    given.update(
        DeploymentStrategy="BLUE_GREEN",
        AlternateTargetGroupArn=given["TargetGroupArn"].replace(
            "go-api-dev/0123456789abcdef", "go-api-green/0123456789abcdee"
        ),
        ProductionListenerRuleArn=listener.replace(":listener/", ":listener-rule/") + "/0123456789abcdef",
        CreateDashboard="true",
    )
    cloudformation.create_stack(
        StackName="go-api-green",
        TemplateBody=(ROOT / "output" / "go-api.yaml").read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName="go-api-green", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    created = {
        r["LogicalResourceId"]: r["ResourceType"]
        for r in cloudformation.list_stack_resources(StackName="go-api-green")["StackResourceSummaries"]
        if r.get("LogicalResourceId")
    }
    assert created["LoadBalancerRole"] == "AWS::IAM::Role" and created["Service"] == "AWS::ECS::Service"
    assert created["Dashboard"] == "AWS::CloudWatch::Dashboard"
    assert not {title for title, kind in created.items() if kind == "AWS::CloudWatch::Alarm"}
    cloudwatch = session.client("cloudwatch", endpoint_url=moto_endpoint)
    assert json.loads(cloudwatch.get_dashboard(DashboardName="go-api-green-us-east-1")["DashboardBody"])["widgets"]


def test_make_explain_takes_a_text_with_quotes_and_dollars_as_it_is():
    # A real stack event (tests/fixtures/doctor/corpus.json) after a quote and a $, as pasted texts have.
    text = "it's $HOME: " + corpus_text("copilot-cli/issues/4659")
    result = make("explain", f"TEXT={text}", "FORMAT=json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["signature"] == "cloud-map-service-in-use"
    unknown = make("explain", "TEXT=nothing anyone has seen")
    assert unknown.returncode == 2  # the tool's 1 (unknown), as make reports every failure
    assert unknown.stdout.startswith("unknown: no known signature matches this text.")
