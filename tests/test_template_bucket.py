"""A template over CloudFormation's 51,200-byte TemplateBody limit (the platform) deployed without S3_BUCKET:
the prerequisites stack's template bucket, found by deploy, plan and package among the region's exports.

Two prerequisites stacks are made on moto_server from output/prerequisites.yaml; the platform's parameter file
is written from the second by params-from-stack, as an operator would, and the plan goes through that stack's
bucket. The 51,200 bytes are CloudFormation's quota for a template body in a request:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

import json
import re
from pathlib import Path

import boto3
import botocore.client
import pytest

from ops.deploy import cli as deploy
from ops.deploy import package, stack_events
from ops.params_from_stack import cli as params_from_stack
from ops.shared import template_bucket
from ops.shared.aws import Account
from ops.shared.errors import BadInput
from tests.helpers import ROOT
from tests.test_deploy_watch import OPERATIONS, run

# What the parameters' VPC decides between: two stacks of the prerequisites template in one region.
FIRST, SECOND = "prereq-first", "prereq-second"
DEV = ROOT / "params" / "prerequisites.dev.json"
# The platform's tasks reach AWS through interface endpoints only: params-from-stack asks for them.
WITH_ENDPOINTS = {"InterfaceEndpoints": "platform"}
THROUGH_BUCKET = re.compile(
    r"^platform\.yaml is [0-9,]+ bytes, over the 51,200 a template body may have: uploading it to (\S+), "
    r"the template bucket of (\S+) \((.+)\)$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def account(moto_endpoint):
    """An Account made as the tools make theirs, from a user's shell pointed at moto_server."""
    environment = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key in ("AWS_PROFILE", "AWS_DEFAULT_REGION"):
            patch.delenv(key, raising=False)
        for key, value in environment.items():
            patch.setenv(key, value)
        yield Account(boto3.Session())


@pytest.fixture
def on_moto(account, monkeypatch):
    """The tools use that Account (its clients already point at moto_server)."""
    for module in (deploy, package, params_from_stack):
        monkeypatch.setattr(module, "Account", lambda: account)
    monkeypatch.setattr(stack_events, "POLL_SECONDS", 0)
    return account


@pytest.fixture
def called(monkeypatch):
    """(service, operation) of every AWS call the tools make in the test."""
    seen = []
    real = botocore.client.BaseClient._make_api_call

    def record(client, operation, arguments):
        seen.append((client.meta.service_model.endpoint_prefix, operation))
        return real(client, operation, arguments)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return seen


@pytest.fixture(scope="module")
def stacks(account) -> dict[str, dict]:
    """Both prerequisites stacks, created as `aws cloudformation create-stack` sends them (moto gives a stack
    made by a change set no outputs: tools/moto_gaps.py), with their outputs."""
    cloudformation = account.client("cloudformation")
    made = {}
    for name, extra in ((FIRST, {}), (SECOND, WITH_ENDPOINTS)):
        values = {**json_values(DEV), **extra}
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=(ROOT / "output" / "prerequisites.yaml").read_text(),
            Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()],
        )
        cloudformation.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1})
        (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        made[name] = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    return made


def json_values(path: Path) -> dict[str, str]:
    return dict(entry.split("=", 1) for entry in json.loads(path.read_text()))


def keys(account: Account, bucket: str) -> list[str]:
    return [item["Key"] for item in account.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.fixture(scope="module")
def platform_file(account, stacks, tmp_path_factory) -> tuple[Path, str]:
    """params-from-stack for the platform from the second stack, its placeholders filled in as a user would."""
    path = tmp_path_factory.mktemp("params") / "platform.dev.local.json"
    told = params_from_stack.run(SECOND, "platform", "dev", output=path, account=account)
    filled = [
        entry.replace("<fill in: image tag>", "v1.0.0").replace(
            "<fill in: the path the BFF answers on the shared listener, e.g. /app/*>", "/app/*"
        )
        for entry in json.loads(path.read_text())
    ]
    path.write_text(json.dumps(filled))
    return path, told


def test_params_from_stack_names_the_bucket_and_writes_only_parameters(on_moto, stacks, platform_file):
    path, told = platform_file
    bucket = stacks[SECOND]["TemplateBucketName"]
    assert re.search(
        r"^  platform\.yaml is [0-9,]+ bytes, over the 51,200 a template body may have: make deploy uploads it to "
        rf"this stack's template bucket, {re.escape(bucket)}$",
        told,
        re.MULTILINE,
    )
    # A CloudFormation parameter file holds the template's parameters and nothing else.
    written = json_values(path)
    assert "TemplateBucketName" not in written and bucket not in written.values()
    assert written["VpcId"] == stacks[SECOND]["VpcId"]


def test_plan_goes_through_the_template_bucket_of_the_parameters_vpc(on_moto, stacks, capsys, platform_file, called):
    path, _ = platform_file
    called.clear()
    status, out, err = run(capsys, deploy, "--plan", "platform", "platform-dev", str(path))
    assert status == 0, err
    assert ("cloudformation", "ListExports") in called and set(called) <= OPERATIONS["plan"]
    (found,) = THROUGH_BUCKET.findall(out)
    bucket, stack, why = found
    assert (bucket, stack) == (stacks[SECOND]["TemplateBucketName"], SECOND)
    assert why == f"the prerequisites stack of {stacks[SECOND]['VpcId']}, the parameters' VPC"
    (key,) = keys(on_moto, bucket)
    assert re.fullmatch(r"templates/platform-[0-9a-f]{16}\.yaml", key)
    assert keys(on_moto, stacks[FIRST]["TemplateBucketName"]) == []


def test_a_vpc_of_neither_stack_is_refused_in_one_line_naming_both_buckets(on_moto, stacks, capsys, tmp_path):
    elsewhere = tmp_path / "platform.other.json"
    values = json_values(ROOT / "params" / "platform.dev.json")  # vpc-0123456789abcdef0: not a prerequisites VPC
    elsewhere.write_text(json.dumps([f"{key}={value}" for key, value in values.items()]))
    before = {name: keys(on_moto, outputs["TemplateBucketName"]) for name, outputs in stacks.items()}
    status, _, err = run(capsys, deploy, "--plan", "platform", "platform-other", str(elsewhere))
    assert status == 2
    assert err.count("\n") == 1
    assert err.startswith("plan: platform.yaml is ") and "over the 51,200 a template body may have; 2 " in err
    assert f"none uses the VPC {values['VpcId']} of the parameters: give S3_BUCKET= one of " in err
    for name, outputs in stacks.items():
        assert f"{outputs['TemplateBucketName']} ({name})" in err
    assert {name: keys(on_moto, outputs["TemplateBucketName"]) for name, outputs in stacks.items()} == before
    with pytest.raises(Exception, match="does not exist"):
        on_moto.client("cloudformation").describe_stacks(StackName="platform-other")


def test_s3_bucket_given_wins_over_the_template_bucket(on_moto, stacks, capsys, platform_file):
    path, _ = platform_file
    on_moto.client("s3").create_bucket(Bucket="my-cfn-templates")
    status, out, err = run(
        capsys, deploy, "--plan", "platform", "platform-own", str(path), "--s3-bucket", "my-cfn-templates"
    )
    assert status == 0, err
    assert not THROUGH_BUCKET.search(out)
    (key,) = keys(on_moto, "my-cfn-templates")
    assert key.startswith("templates/platform-")


def test_package_without_a_bucket_needs_one_prerequisites_stack_or_a_choice(
    on_moto, stacks, capsys, monkeypatch, called
):
    # Two stacks and no parameters to choose by: one line naming both.
    status, out, err = run(capsys, package, "platform")
    assert status == 2 and out == ""
    assert err.startswith("package: no S3_BUCKET given to upload platform.yaml to; 2 prerequisites stacks ")
    assert "nothing says which: give S3_BUCKET= one of " in err and err.count("\n") == 1
    # The region's exports as they are, less the first stack's: the second is then the only one.
    listed = template_bucket.exports(on_moto)
    monkeypatch.setattr(
        template_bucket,
        "exports",
        lambda account: [e for e in listed if e["ExportingStackId"].split("/")[1] != FIRST],
    )
    called.clear()
    status, out, err = run(capsys, package, "platform")
    assert status == 0, err
    assert set(called) == OPERATIONS["package-found"] - {("cloudformation", "ListExports")}  # exports: as listed
    bucket = stacks[SECOND]["TemplateBucketName"]
    assert out.splitlines() == [
        f"uploading platform.yaml to {bucket}, the template bucket of {SECOND} (the only prerequisites stack in "
        "us-east-1)",
        f"Template URL: https://{bucket}.s3.us-east-1.amazonaws.com/templates/platform.yaml",
    ]


def test_exports_of_other_stacks_are_not_taken_for_a_template_bucket(on_moto, stacks):
    listed = template_bucket.exports(on_moto)
    found = template_bucket.prerequisites(listed)
    assert sorted(found) == [FIRST, SECOND]
    assert {name: values["TemplateBucketName"] for name, values in found.items()} == {
        name: outputs["TemplateBucketName"] for name, outputs in stacks.items()
    }
    # An export named like the output by a stack of another name is not a prerequisites stack's.
    stranger = {
        "ExportingStackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/other/0a1b",
        "Name": f"{FIRST}-TemplateBucketName",
        "Value": "not-mine",
    }
    assert template_bucket.prerequisites([*listed, stranger]) == found


def test_a_stack_made_before_the_template_bucket_is_told_how_to_get_one(on_moto, stacks):
    (described,) = on_moto.client("cloudformation").describe_stacks(StackName=SECOND)["Stacks"]
    older = {**described, "Outputs": [o for o in described["Outputs"] if o["OutputKey"] != "TemplateBucketName"]}
    line = params_from_stack.bucket_line(older, "platform")
    assert (
        f"stack {SECOND} has no template bucket (it is older): update it (make deploy TEMPLATE=prerequisites " in line
    )
    assert "or give make deploy S3_BUCKET=" in line
    # A template under the limit needs no bucket and gets no line.
    assert params_from_stack.bucket_line(described, "go-api") is None


def test_the_bucket_holds_what_deploy_uploads_encrypted_with_kms(on_moto, stacks):
    bucket = stacks[FIRST]["TemplateBucketName"]
    s3 = on_moto.client("s3")
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_find_without_any_prerequisites_stack_names_the_fix(on_moto, stacks, monkeypatch):
    monkeypatch.setattr(template_bucket, "exports", lambda account: [])
    with pytest.raises(BadInput) as refused:
        template_bucket.find(on_moto, "platform.yaml is 77,086 bytes, over the 51,200 a template body may have")
    assert str(refused.value).startswith(
        "platform.yaml is 77,086 bytes, over the 51,200 a template body may have, and no prerequisites stack in "
        "us-east-1 exports a template bucket: deploy or update one (make deploy TEMPLATE=prerequisites "
    )


def test_a_template_within_the_limit_is_sent_as_it_is(on_moto, stacks, capsys, called):
    # go-api is under 51,200 bytes: no bucket is looked for, nothing is uploaded.
    status, out, err = run(
        capsys, deploy, "--plan", "go-api", "go-api-inline", str(ROOT / "params" / "go-api.dev.json")
    )
    assert status == 0, err
    assert ("cloudformation", "ListExports") not in called and ("s3", "PutObject") not in called
    assert "uploading it to" not in out


def test_an_update_without_parameters_chooses_by_the_vpc_the_stack_keeps():
    kept = {"Parameters": [{"ParameterKey": "VpcId", "ParameterValue": "vpc-0aaaaaaaaaaaaaaaa"}]}
    assert deploy.vpc_of(None, kept) == "vpc-0aaaaaaaaaaaaaaaa"
    assert deploy.vpc_of(None, None) is None
    given = str(ROOT / "params" / "platform.dev.json")  # VpcId=vpc-0123456789abcdef0: the file wins
    assert deploy.vpc_of(given, kept) == "vpc-0123456789abcdef0"
