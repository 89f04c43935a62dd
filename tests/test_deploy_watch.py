"""make plan, make deploy and make delete as the user sees them: where they act, each event as it
happens, what a change replaces and what that costs, what a delete leaves, and doctor on a failure.

moto_server runs the whole path (it creates and deletes at once, with stack-level events only);
recorded answers (Stubber) give what moto does not: a resource that fails, a change set that
replaces, a delete that skips a log group.
"""

import datetime
import functools
import json
import re
from pathlib import Path

import boto3
import botocore.client
import botocore.exceptions
import botocore.session
import pytest
from botocore.stub import ANY, Stubber

from ops.deploy import changes, changeset, delete, package, stack_events
from ops.deploy import cli as deploy
from ops.shared.aws import Account
from ops.shared.errors import BadInput
from tests.helpers import ROOT, corpus_text

NOW = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)
STACK = "go-api-dev"
STACK_ID = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK}/0a1b2c3d"
CHANGE_SET_ID = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/plan-1/4e5f"
GO_API_PARAMS = str(ROOT / "params" / "go-api.dev.json")

# Every AWS operation each tool may call, by service. Read-only but for the change a tool
# exists to make: a plan makes and deletes a change set (and the empty stack CloudFormation
# makes to hold a new stack's change set), it never executes one.
# Before the change set of an update of go-api or the platform: the switch and the production
# rule read live (ops/preflight/switch.py, ops/preflight/traffic.py); doctor reads the same after a failure.
SWITCH_READS = {
    ("cloudformation", "DescribeStackResource"),
    ("ecs", "DescribeServices"),
    ("ecs", "DescribeServiceRevisions"),
    ("elasticloadbalancing", "DescribeRules"),
    ("elasticloadbalancing", "DescribeTargetHealth"),
}
OPERATIONS = {
    "plan": {
        ("sts", "GetCallerIdentity"),
        ("cloudformation", "DescribeStacks"),
        ("cloudformation", "CreateChangeSet"),
        ("cloudformation", "DescribeChangeSet"),
        ("cloudformation", "DeleteChangeSet"),
        ("cloudformation", "DeleteStack"),  # only a REVIEW_IN_PROGRESS stack the plan itself made
        ("s3", "PutObject"),  # with S3_BUCKET, or a template over 51,200 bytes
        ("cloudformation", "ListExports"),  # a template over 51,200 bytes without S3_BUCKET: the template bucket
        *SWITCH_READS,
    },
    "deploy": {
        ("sts", "GetCallerIdentity"),
        ("cloudformation", "DescribeStacks"),
        ("cloudformation", "CreateChangeSet"),
        ("cloudformation", "DescribeChangeSet"),
        ("cloudformation", "DeleteChangeSet"),  # an empty one, or one CloudFormation could not make
        ("cloudformation", "DeleteStack"),  # only the REVIEW_IN_PROGRESS stack such a change set of a new stack made
        ("cloudformation", "ExecuteChangeSet"),
        ("cloudformation", "DescribeStackEvents"),
        ("cloudformation", "ListStackResources"),  # doctor, after a failure
        ("s3", "PutObject"),  # with S3_BUCKET, or a template over 51,200 bytes
        ("cloudformation", "ListExports"),  # a template over 51,200 bytes without S3_BUCKET: the template bucket
        # doctor's reads of a failed stack's services (tests/test_doctor.py DOCTOR_READS)
        ("ecs", "DescribeServices"),
        ("ecs", "ListTasks"),
        ("ecs", "DescribeTasks"),
        ("elasticloadbalancing", "DescribeTargetHealth"),
        ("servicediscovery", "ListInstances"),
        *SWITCH_READS,
    },
    "delete": {
        ("sts", "GetCallerIdentity"),
        ("cloudformation", "DescribeStacks"),
        ("cloudformation", "ListStackResources"),
        ("cloudformation", "DescribeStackEvents"),
        ("cloudformation", "DeleteStack"),
        ("logs", "DescribeLogGroups"),
        ("ecs", "DescribeServices"),
        ("ecs", "ListTasks"),
        ("ecs", "DescribeTasks"),
        ("elasticloadbalancing", "DescribeTargetHealth"),
        ("servicediscovery", "ListInstances"),
    },
    "package": {("s3", "PutObject")},
    # without S3_BUCKET: the prerequisites stack's template bucket first
    "package-found": {("cloudformation", "ListExports"), ("s3", "PutObject")},
}


@pytest.fixture
def called(monkeypatch):
    """(service, operation) of every AWS call made in the test, in order."""
    seen = []
    real = botocore.client.BaseClient._make_api_call

    def record(client, operation, arguments):
        seen.append((client.meta.service_model.endpoint_prefix, operation))
        return real(client, operation, arguments)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    monkeypatch.setattr(stack_events, "POLL_SECONDS", 0)
    return seen


@pytest.fixture
def on_moto(moto_endpoint, monkeypatch, called):
    """The tools' own Account(), as a user's shell would configure it (AWS_ENDPOINT_URL, AWS_REGION)."""
    environment = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    for key in ("AWS_PROFILE", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    # One session for the module, made from that environment as Account() makes its own: each
    # service model is read once (tests/test_deploy_tooling.py runs the tools as processes).
    session = moto_session(moto_endpoint)
    for module in (deploy, delete, package):
        monkeypatch.setattr(module, "Account", lambda: Account(session))
    return boto3.client("cloudformation", region_name="us-east-1")


@functools.cache
def moto_session(endpoint: str) -> boto3.Session:
    return boto3.Session()


def run(capsys, tool, *argv) -> tuple[int, str, str]:
    status = tool.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def exists(cloudformation, name: str) -> bool:
    try:
        status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except botocore.exceptions.ClientError:
        return False
    return status != "DELETE_COMPLETE"


# --- The whole path on moto_server --------------------------------------------------------------


def test_a_plan_of_a_new_stack_lists_what_it_adds_and_leaves_nothing_behind(on_moto, capsys, called):
    status, out, err = run(capsys, deploy, "--plan", "go-api", "plan-only", GO_API_PARAMS)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "account 123456789012 (arn:aws:sts::123456789012:user/moto), region us-east-1, stack plan-only"
    assert "  + Service (AWS::ECS::Service) add" in lines
    assert "  + LogGroup (AWS::Logs::LogGroup) add" in lines
    assert lines[-1].startswith("nothing was changed (the change set is deleted; KEEP=1 keeps it")
    # The empty stack that held the change set went with it: the name is free for a deploy.
    assert not exists(on_moto, "plan-only")
    assert set(called) <= OPERATIONS["plan"]
    assert ("cloudformation", "ExecuteChangeSet") not in called


def test_a_plan_in_json_prints_only_json(on_moto, capsys):
    status, out, err = run(capsys, deploy, "--plan", "go-api", "plan-json", GO_API_PARAMS, "--json")
    assert status == 0, err
    answer = json.loads(out)  # the whole of standard output
    assert answer["kind"] == "CREATE" and answer["change_set"] is None
    assert {"logical_id": "Service", "type": "AWS::ECS::Service", "action": "Add"}.items() <= answer["changes"][
        -3
    ].items()
    assert "account 123456789012" in err  # the banner and progress go to standard error


def test_deploy_keep_a_plan_execute_it_then_delete(on_moto, capsys, called, tmp_path):
    status, out, err = run(capsys, deploy, "go-api", "watched", GO_API_PARAMS)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("account 123456789012") and "region us-east-1" in lines[0]
    assert f"{GO_API_PARAMS}: fits go-api (offline check)" in lines
    events = lines[lines.index("events (time, resource, status, reason):") + 1 :]
    assert [line.split()[1:3] for line in events[:2]] == [
        ["watched", "CREATE_IN_PROGRESS"],
        ["watched", "CREATE_COMPLETE"],
    ]
    assert "watched: CREATE_COMPLETE" in lines
    assert set(called) <= OPERATIONS["deploy"]

    # A plan kept for review, then executed as it is (with no template: the change set has it).
    entries = [e for e in json.loads((ROOT / "params" / "go-api.dev.json").read_text()) if "LogRetention" not in e]
    changed = tmp_path / "go-api.dev.local.json"
    changed.write_text(json.dumps([*entries, "LogRetentionDays=30"]))
    status, out, err = run(capsys, deploy, "--plan", "--keep", "go-api", "watched", str(changed))
    assert status == 0, err
    kept = out.splitlines()[-1]
    assert kept.startswith("kept change set plan-") and "make deploy TEMPLATE=go-api STACK=watched CHANGE_SET=" in kept
    name = kept.split("CHANGE_SET=")[1]
    status, out, err = run(capsys, deploy, "--change-set", name, "watched")
    assert status == 0, err
    assert f"executing the kept change set {name}:" in out and "watched: UPDATE_COMPLETE" in out
    stack = on_moto.describe_stacks(StackName="watched")["Stacks"][0]
    assert {"ParameterKey": "LogRetentionDays", "ParameterValue": "30"} in stack["Parameters"]
    # A change set is executed once.
    status, out, err = run(capsys, deploy, "--change-set", name, "watched")
    assert (status, err) == (
        1,
        f"deploy: change set {name} is EXECUTE_COMPLETE, not AVAILABLE: make a new one with make plan KEEP=1\n",
    )

    called.clear()
    status, out, err = run(capsys, delete, "watched")
    assert status == 0, err
    assert out.splitlines()[0].startswith("account 123456789012")
    assert "watched: deleted" in out
    assert not exists(on_moto, "watched")
    assert set(called) <= OPERATIONS["delete"]
    # Gone: one line, exit 2.
    status, out, err = run(capsys, delete, "watched")
    assert status == 2
    assert (
        err == "delete: no stack named watched in this region: aws cloudformation list-stacks shows the stacks there\n"
    )


def test_deploy_stops_on_the_parameter_file_before_any_aws_call(on_moto, capsys, called, tmp_path):
    broken = tmp_path / "go-api.broken.json"
    broken.write_text(json.dumps([*json.loads(Path(GO_API_PARAMS).read_text()), "MaxTask=6"]))
    status, out, err = run(capsys, deploy, "go-api", "never", str(broken))
    assert status == 1
    # One problem, one line: the file, the key, its likely intended name and the fix.
    assert out == ""
    assert err == f"deploy: {broken}: unknown parameter MaxTask: did you mean MaxTasks?: rename MaxTask to MaxTasks\n"
    assert called == []


def test_a_new_stack_without_a_parameter_file_is_one_line(on_moto, capsys):
    status, _, err = run(capsys, deploy, "--plan", "go-api", "no-params")
    assert status == 2
    assert (
        err.startswith("plan: PARAMS is required: go-api needs AlbListenerArn, AppSecurityGroupId, ImageUri,")
        and err.count("\n") == 1
    )


def test_a_large_template_without_any_bucket_is_one_line_naming_the_prerequisites(on_moto, capsys, monkeypatch):
    # No prerequisites stack in this account: no template bucket to find.
    monkeypatch.setattr(changeset.facts, "TEMPLATE_BODY_DIRECT_BYTES", 1000)
    status, _, err = run(capsys, deploy, "--plan", "go-api", "too-big", GO_API_PARAMS)
    assert status == 2
    assert err.startswith("plan: go-api.yaml is ") and err.count("\n") == 1
    assert "bytes, over the 1,000 a template body may have, and no prerequisites stack in us-east-1 exports a " in err
    assert "deploy or update one (make deploy TEMPLATE=prerequisites STACK=<name>), or give S3_BUCKET=" in err
    assert not exists(on_moto, "too-big")


def test_deploy_through_a_bucket_uploads_one_key_per_content(on_moto, capsys):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="deploy-templates")
    status, _, err = run(
        capsys,
        deploy,
        "--plan",
        "go-api",
        "via-s3",
        GO_API_PARAMS,
        "--s3-bucket",
        "deploy-templates",
        "--s3-prefix",
        "t/",
    )
    assert status == 0, err
    (key,) = [item["Key"] for item in s3.list_objects_v2(Bucket="deploy-templates")["Contents"]]
    assert key.startswith("t/go-api-") and key.endswith(".yaml") and len(key) == len("t/go-api-.yaml") + 16


def test_package_prints_the_region_s_url(on_moto, capsys, called):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="package-templates")
    called.clear()
    status, out, err = run(capsys, package, "platform", "package-templates", "--prefix", "templates/")
    assert status == 0, err
    assert out == "Template URL: https://package-templates.s3.us-east-1.amazonaws.com/templates/platform.yaml\n"
    assert set(called) == OPERATIONS["package"]


# --- Recorded answers: what moto does not do ---------------------------------------------------------


@functools.cache
def recorded_session() -> boto3.Session:
    """One session for the recorded tests: each service model is read once."""
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")


@pytest.fixture
def recorded(monkeypatch, called):
    """An Account whose clients answer from the Stubbers it returns; the tools use it."""
    account = Account(recorded_session())
    stubs = {name: Stubber(account.client(name)) for name in ("sts", "cloudformation", "logs")}
    stubs["sts"].add_response(
        "get_caller_identity",
        {"Account": "123456789012", "Arn": "arn:aws:sts::123456789012:assumed-role/deployer/me", "UserId": "AROA:me"},
    )
    for module in (deploy, delete):
        monkeypatch.setattr(module, "Account", lambda: account)
    for stub in stubs.values():
        stub.activate()
    yield stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def event(number: int, logical: str, status: str, reason: str = "", kind: str = "", physical: str = "") -> dict:
    return {
        "StackId": STACK_ID,
        "EventId": f"event-{number}",
        "StackName": STACK,
        "LogicalResourceId": logical,
        "PhysicalResourceId": physical or (STACK_ID if logical == STACK else ""),
        "ResourceType": kind or "AWS::CloudFormation::Stack",
        "Timestamp": NOW + datetime.timedelta(seconds=number),
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
    }


def newest_first(*events: dict) -> dict:
    return {"StackEvents": list(reversed(events))}


def stack(status: str, **more) -> dict:
    return {"Stacks": [{"StackName": STACK, "StackId": STACK_ID, "CreationTime": NOW, "StackStatus": status, **more}]}


def missing(stub: Stubber, operation: str, name: str) -> None:
    message = f"Stack with id {name} does not exist"
    stub.add_client_error(operation, "ValidationError", message, expected_params={"StackName": name})


def change_set(changes_: list[dict], status: str = "CREATE_COMPLETE") -> dict:
    return {
        "ChangeSetName": "plan-1",
        "ChangeSetId": CHANGE_SET_ID,
        "StackId": STACK_ID,
        "StackName": STACK,
        "Status": status,
        "ExecutionStatus": "AVAILABLE",
        "Changes": changes_,
    }


def resource_change(action: str, logical: str, kind: str, replacement: str = "", *details: tuple) -> dict:
    """One entry of DescribeChangeSet's Changes, shaped as the API reference shows it:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html"""
    change = {"Action": action, "LogicalResourceId": logical, "ResourceType": kind}
    if action == "Modify":
        change |= {
            "PhysicalResourceId": f"{logical.lower()}-1",
            "Replacement": replacement,
            "Scope": ["Properties"],
            "Details": [
                {
                    "Target": {"Attribute": "Properties", "Name": name, "RequiresRecreation": recreation},
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
                for name, recreation in details
            ],
        }
    return {"Type": "Resource", "ResourceChange": change}


LOG_GROUP_EXISTS = corpus_text("amazon-marketing-cloud-uploader-from-aws/issues/167")
ROLLBACK_SUMMARY = corpus_text("copilot-cli/issues/4313")
EXPORT_IN_USE = corpus_text("rlister/stax/issues/40")


def test_a_failed_deploy_streams_each_event_once_then_names_the_cause_and_the_way_out(recorded, capsys, called):
    cfn = recorded["cloudformation"]
    missing(cfn, "describe_stacks", STACK)
    cfn.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID}, {
        "StackName": STACK, "ChangeSetName": ANY, "ChangeSetType": "CREATE", "Parameters": ANY,
        "Capabilities": ["CAPABILITY_IAM"], "TemplateBody": ANY,
    })  # fmt: skip
    added = [
        resource_change("Add", "LogGroup", "AWS::Logs::LogGroup"),
        resource_change("Add", "Cluster", "AWS::ECS::Cluster"),
    ]
    cfn.add_response("describe_change_set", change_set(added), {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    review = event(0, STACK, "REVIEW_IN_PROGRESS", "User Initiated")
    cfn.add_response("describe_stack_events", newest_first(review), {"StackName": STACK_ID})
    cfn.add_response("execute_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    happened = [
        review,
        event(1, STACK, "CREATE_IN_PROGRESS", "User Initiated"),
        event(2, "LogGroup", "CREATE_IN_PROGRESS", "", "AWS::Logs::LogGroup"),
        event(3, "LogGroup", "CREATE_FAILED", LOG_GROUP_EXISTS, "AWS::Logs::LogGroup"),
        event(4, "Cluster", "CREATE_FAILED", "Resource creation cancelled", "AWS::ECS::Cluster"),
        event(5, STACK, "ROLLBACK_IN_PROGRESS", ROLLBACK_SUMMARY),
        event(6, STACK, "ROLLBACK_COMPLETE"),
    ]
    # Two reads while it runs: the second page repeats what the first showed.
    cfn.add_response("describe_stacks", stack("CREATE_IN_PROGRESS"), {"StackName": STACK_ID})
    cfn.add_response("describe_stack_events", newest_first(*happened[:3]), {"StackName": STACK_ID})
    cfn.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": STACK_ID})
    cfn.add_response("describe_stack_events", newest_first(*happened), {"StackName": STACK_ID})
    # doctor
    cfn.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": STACK})
    cfn.add_response("describe_stack_events", newest_first(*happened), {"StackName": STACK})
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": []}, {"StackName": STACK})

    status, out, err = run(capsys, deploy, "go-api", STACK, GO_API_PARAMS)
    assert status == 1, err
    lines = out.splitlines()
    assert (
        lines[0]
        == f"account 123456789012 (arn:aws:sts::123456789012:assumed-role/deployer/me), region us-east-1, stack {STACK}"
    )
    start = lines.index("events (time, resource, status, reason):") + 1
    streamed = lines[start : start + 6]
    assert [line.split()[0] for line in streamed] == [f"12:00:0{n}" for n in range(1, 7)]  # oldest first, each once
    assert streamed[2].split()[1:3] == ["LogGroup", "CREATE_FAILED"] and "already exists" in streamed[2]
    after = lines[start + 6 :]
    assert after[0] == f"{STACK}: ROLLBACK_COMPLETE: the deploy failed. What doctor finds:"
    assert after[1].startswith("NOT healthy. Likely cause (signature:log-group-exists)")  # the cause, not the rollback
    assert after[2].startswith("Fix: ")
    assert after[3] == f"Then: aws cloudformation delete-stack --stack-name {STACK} && aws cloudformation wait " \
        f"stack-delete-complete --stack-name {STACK} (nothing of it is kept), then deploy again"  # fmt: skip
    assert after[4] == f"every finding: make doctor STACK={STACK}"
    assert set(called) <= OPERATIONS["deploy"]


# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
TAKES_A_CHANGE_SET = {
    "REVIEW_IN_PROGRESS",  # a change set never executed: the stack is created
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}
STATES = botocore.session.get_session().get_service_model("cloudformation").shape_for("StackStatus").enum


@pytest.mark.parametrize("status", STATES)
def test_a_change_set_is_made_only_for_a_stack_that_can_take_one(status):
    client = boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        stub.add_response("describe_stacks", stack(status), {"StackName": STACK})
        if status not in TAKES_A_CHANGE_SET:
            with pytest.raises(changeset.StackNotReady) as refused:
                changeset.target(client, STACK)
            reason = str(refused.value)
            assert reason.startswith(f"{STACK} is {status}, so no change set can be made for it now: ")
            assert "aws cloudformation" in reason or f"make doctor STACK={STACK}" in reason
        else:
            goal = changeset.target(client, STACK)
            assert goal.kind == ("CREATE" if status == "REVIEW_IN_PROGRESS" else "UPDATE"), status


def test_a_plan_says_what_each_replacement_costs(recorded, capsys, called):
    cfn = recorded["cloudformation"]
    parameters = [
        {"ParameterKey": "ImageUri", "ParameterValue": "x"},
        {"ParameterKey": "MaxTasks", "ParameterValue": "4"},
    ]
    cfn.add_response("describe_stacks", stack("UPDATE_COMPLETE", Parameters=parameters), {"StackName": STACK})
    cfn.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID}, {
        "StackName": STACK, "ChangeSetName": ANY, "ChangeSetType": "UPDATE", "Capabilities": ["CAPABILITY_IAM"],
        "TemplateBody": ANY,
        # Keys the stack has and the file does not give keep their values; the file's are sent.
        "Parameters": ANY,
    })  # fmt: skip
    scalable = "AWS::ApplicationAutoScaling::ScalableTarget"
    modified = [
        resource_change("Modify", "LogGroup", "AWS::Logs::LogGroup", "Conditional", ("LogGroupName", "Conditionally")),
        resource_change(
            "Modify", "Service", "AWS::ECS::Service", "True", ("Cluster", "Always"), ("LaunchType", "Never")
        ),
        resource_change("Modify", "TaskDefinition", "AWS::ECS::TaskDefinition", "True", ("Cpu", "Always")),
        resource_change("Modify", "ScalableTarget", scalable, "False", ("MaxCapacity", "Never")),
        resource_change("Remove", "CpuScaling", "AWS::ApplicationAutoScaling::ScalingPolicy"),
    ]
    cfn.add_response("describe_change_set", change_set(modified), {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    cfn.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})

    status, out, err = run(capsys, deploy, "--plan", "go-api", STACK, GO_API_PARAMS)
    assert status == 0, err
    assert out.splitlines()[3:] == [
        "  ~ LogGroup (AWS::Logs::LogGroup) may be replaced, because of LogGroupName",
        "  ~ Service (AWS::ECS::Service) replaced, because of Cluster",
        "  ~ TaskDefinition (AWS::ECS::TaskDefinition) replaced, because of Cpu",
        "  ~ ScalableTarget (AWS::ApplicationAutoScaling::ScalableTarget) changed in place: MaxCapacity",
        "  - CpuScaling (AWS::ApplicationAutoScaling::ScalingPolicy) remove",
        "  WARNING: LogGroup may be replaced: the new log group starts empty; the old logs stay in the old group",
        f"  WARNING: Service replaced: {changes.TRAFFIC['AWS::ECS::Service']}",
        "nothing was changed (the change set is deleted; KEEP=1 keeps it for make deploy CHANGE_SET=...)",
    ]
    assert ("cloudformation", "ExecuteChangeSet") not in called


def test_the_parameters_of_an_update_keep_what_the_file_does_not_give():
    current = {
        "Parameters": [
            {"ParameterKey": "MaxTasks", "ParameterValue": "9"},
            {"ParameterKey": "Gone", "ParameterValue": "1"},
        ]
    }
    sent = changeset.parameters("go-api", GO_API_PARAMS, current)
    assert {"ParameterKey": "MaxTasks", "UsePreviousValue": True} in sent
    assert not any(p["ParameterKey"] == "Gone" for p in sent)  # the template no longer declares it
    given = [p["ParameterKey"] for p in sent if "ParameterValue" in p]
    assert "ImageUri" in given and "MaxTasks" not in given


def test_a_delete_whose_resource_list_is_refused_deletes_and_still_names_what_it_kept(recorded, capsys, called):
    cfn, logs = recorded["cloudformation"], recorded["logs"]
    cfn.add_response("describe_stacks", stack("UPDATE_COMPLETE"), {"StackName": STACK})
    cfn.add_client_error("list_stack_resources", "AccessDenied", "not authorized", expected_params={"StackName": STACK})
    cfn.add_response("describe_stack_events", newest_first(event(0, STACK, "UPDATE_COMPLETE")), {"StackName": STACK_ID})
    cfn.add_response("delete_stack", {}, {"StackName": STACK_ID})
    cfn.add_response("describe_stacks", stack("DELETE_COMPLETE"), {"StackName": STACK_ID})
    group, gone = f"/ecs/{STACK}", f"/ecs/{STACK}/exec"
    happened = [
        event(1, STACK, "DELETE_IN_PROGRESS", "User Initiated"),
        event(2, "Service", "DELETE_COMPLETE", "", "AWS::ECS::Service"),
        event(3, "LogGroup", "DELETE_SKIPPED", "", "AWS::Logs::LogGroup", group),
        event(4, "ExecLogGroup", "DELETE_SKIPPED", "", "AWS::Logs::LogGroup", gone),
        event(5, STACK, "DELETE_COMPLETE"),
    ]
    cfn.add_response(
        "describe_stack_events", newest_first(event(0, STACK, "UPDATE_COMPLETE"), *happened), {"StackName": STACK_ID}
    )
    # A prefix finds longer names too, which are not the stack's; the second group was removed
    # by hand meanwhile, and only a longer name is left under its prefix.
    found = {"logGroups": [{"logGroupName": group}, {"logGroupName": f"{group}-old"}]}
    logs.add_response("describe_log_groups", found, {"logGroupNamePrefix": group})
    left = {"logGroups": [{"logGroupName": f"{gone}-old"}]}
    logs.add_response("describe_log_groups", left, {"logGroupNamePrefix": gone})

    status, out, err = run(capsys, delete, STACK)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[1] == (
        "warning: cannot list the stack's resources (no permission: cloudformation:ListStackResources); deleting anyway"
    )
    assert [line.split()[1:3] for line in lines[3:8]] == [
        [STACK, "DELETE_IN_PROGRESS"],
        ["Service", "DELETE_COMPLETE"],
        ["LogGroup", "DELETE_SKIPPED"],
        ["ExecLogGroup", "DELETE_SKIPPED"],
        [STACK, "DELETE_COMPLETE"],
    ]
    assert lines[8] == f"{STACK}: deleted"
    assert lines[-1] == f"  log group {group}: aws logs delete-log-group --log-group-name {group}"
    assert f"{group}-old" not in out and f"--log-group-name {gone}" not in out
    assert set(called) <= OPERATIONS["delete"]


def test_a_failed_delete_names_what_blocks_it(recorded, capsys):
    cfn, logs = recorded["cloudformation"], recorded["logs"]
    cfn.add_response("describe_stacks", stack("UPDATE_COMPLETE"), {"StackName": STACK})
    group = {
        "LogicalResourceId": "LogGroup",
        "PhysicalResourceId": f"/ecs/{STACK}",
        "ResourceType": "AWS::Logs::LogGroup",
    }
    summary = {**group, "LastUpdatedTimestamp": NOW, "ResourceStatus": "UPDATE_COMPLETE"}
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": [summary]}, {"StackName": STACK})
    cfn.add_response("describe_stack_events", newest_first(event(0, STACK, "UPDATE_COMPLETE")), {"StackName": STACK_ID})
    cfn.add_response("delete_stack", {}, {"StackName": STACK_ID})
    happened = [
        event(1, STACK, "DELETE_IN_PROGRESS", "User Initiated"),
        event(2, STACK, "DELETE_FAILED", EXPORT_IN_USE),
    ]
    cfn.add_response("describe_stacks", stack("DELETE_FAILED"), {"StackName": STACK_ID})
    cfn.add_response("describe_stack_events", newest_first(*happened), {"StackName": STACK_ID})
    cfn.add_response("describe_stacks", stack("DELETE_FAILED"), {"StackName": STACK})
    cfn.add_response("describe_stack_events", newest_first(*happened), {"StackName": STACK})
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": []}, {"StackName": STACK})
    del logs

    status, out, err = run(capsys, delete, STACK)
    assert status == 1, err
    assert f"{STACK}: DELETE_FAILED: the delete failed. What doctor finds:" in out
    assert "Likely cause (signature:export-in-use)" in out
    assert out.splitlines()[-1] == f"every finding: make doctor STACK={STACK}"


def test_the_events_of_a_long_operation_come_page_by_page_oldest_first_each_once():
    client = boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    old = event(0, STACK, "UPDATE_COMPLETE")
    new = [event(n, f"Resource{n}", "CREATE_COMPLETE", "", "AWS::SNS::Topic") for n in range(1, 5)]
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass

    with Stubber(client) as stub:
        stub.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"), {"StackName": STACK_ID})
        stub.add_response(
            "describe_stack_events", {"StackEvents": [new[1], new[0]], "NextToken": "2"}, {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", {"StackEvents": [old]}, {"StackName": STACK_ID, "NextToken": "2"})
        stub.add_response("describe_stacks", stack("UPDATE_COMPLETE"), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", newest_first(old, *new), {"StackName": STACK_ID})
        status, events = stack_events.follow(client, STACK_ID, "event-0", poll=0, out=Out())
    assert status == "UPDATE_COMPLETE"
    assert [e["EventId"] for e in events] == ["event-1", "event-2", "event-3", "event-4"]
    assert sum(text.count("\n") for text in lines) == 4


def test_deploy_and_plan_refuse_bad_input_in_one_line(capsys, called):
    for argv, says in [
        (["go-api"], "deploy: STACK is required"),
        (["nope", "x"], "deploy: unknown template 'nope': use one of finfocus-plugin,"),
        (["--plan", "go-api"], "plan: STACK is required"),
    ]:
        status, _, err = run(capsys, deploy, *argv)
        assert (status, err.count("\n")) == (2, 1), (argv, err)
        assert err.startswith(says), err
    assert called == []


def test_create_only_properties_come_from_the_resource_schemas():
    assert "LogGroupName" in changes.create_only_properties("AWS::Logs::LogGroup")
    assert "RetentionInDays" not in changes.create_only_properties("AWS::Logs::LogGroup")
    assert {"ServiceName", "Cluster"} <= changes.create_only_properties("AWS::ECS::Service")


def test_a_replacement_under_the_same_fixed_name_fails_and_under_a_new_name_does_not():
    same = changes.Change("Logs", "AWS::Logs::LogGroup", "Modify", "True", ["KmsKeyId"], ["KmsKeyId"], "LogGroupName")
    renamed = changes.Change(
        "Logs", "AWS::Logs::LogGroup", "Modify", "True", ["LogGroupName"], ["LogGroupName"], "LogGroupName"
    )
    assert any("has a fixed LogGroupName: the update fails" in w for w in same.warnings())
    assert not any("fixed" in w for w in renamed.warnings())
    assert any("starts empty" in w for w in renamed.warnings())
    in_place = changes.Change("Logs", "AWS::Logs::LogGroup", "Modify", "False", [], ["RetentionInDays"], "LogGroupName")
    assert in_place.warnings() == []


def test_a_change_set_cloudformation_refuses_is_explained_in_one_line(recorded, capsys):
    """The message of a real ValidationError (boto/botocore#2598), as CreateChangeSet answers it."""
    message = corpus_text("boto/botocore/issues/2598").split(" operation: ", 1)[1]
    cfn = recorded["cloudformation"]
    missing(cfn, "describe_stacks", STACK)
    cfn.add_client_error("create_change_set", "ValidationError", message)
    status, _, err = run(capsys, deploy, "go-api", STACK, GO_API_PARAMS)
    assert status == 2
    assert err.startswith(f"deploy: CloudFormation refused the change set: {message}. Cause (parameter-missing): ")
    assert err.count("\n") == 1 and "Fix: " in err


def test_an_update_that_rolls_back_is_a_failed_deploy(recorded, capsys):
    cfn = recorded["cloudformation"]
    cfn.add_response("describe_stacks", stack("UPDATE_COMPLETE", Parameters=[]), {"StackName": STACK})
    cfn.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID})
    changed = [resource_change("Modify", "Service", "AWS::ECS::Service", "False", ("TaskDefinition", "Never"))]
    cfn.add_response("describe_change_set", change_set(changed), {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    cfn.add_response("describe_stack_events", newest_first(event(0, STACK, "UPDATE_COMPLETE")), {"StackName": STACK_ID})
    cfn.add_response("execute_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    stuck = corpus_text("widdix/aws-cf-templates/issues/355")
    happened = [
        event(1, STACK, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(2, "Service", "UPDATE_FAILED", stuck, "AWS::ECS::Service"),
        event(3, STACK, "UPDATE_ROLLBACK_IN_PROGRESS"),
        event(4, STACK, "UPDATE_ROLLBACK_COMPLETE"),
    ]
    cfn.add_response("describe_stacks", stack("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID})
    cfn.add_response("describe_stack_events", newest_first(*happened), {"StackName": STACK_ID})
    cfn.add_response("describe_stacks", stack("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK})
    cfn.add_response("describe_stack_events", newest_first(*happened), {"StackName": STACK})
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": []}, {"StackName": STACK})

    status, out, err = run(capsys, deploy, "go-api", STACK, GO_API_PARAMS)
    assert status == 1, err
    assert f"{STACK}: UPDATE_ROLLBACK_COMPLETE: the deploy failed. What doctor finds:" in out
    assert "Then: the stack is back on its previous version" in out
    assert "outputs:" not in out


def test_a_kept_plan_with_nothing_to_change_keeps_nothing(recorded, capsys):
    cfn = recorded["cloudformation"]
    cfn.add_response("describe_stacks", stack("UPDATE_COMPLETE", Parameters=[]), {"StackName": STACK})
    cfn.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID})
    empty = change_set([], status="FAILED") | {
        "StatusReason": "The submitted information didn't contain changes. Submit different information to create a "
        "change set."
    }
    cfn.add_response("describe_change_set", empty, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    cfn.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    status, out, err = run(capsys, deploy, "--plan", "--keep", "go-api", STACK, GO_API_PARAMS)
    assert status == 0, err
    assert out.splitlines()[-1] == "nothing to change: the stack already matches the template and the values"


# --- What a deploy leaves and says when something goes wrong before it starts -------------------


@pytest.mark.parametrize("plan", [False, True], ids=["deploy", "plan"])
def test_a_change_set_that_fails_for_a_new_stack_leaves_no_stack_behind(recorded, capsys, called, plan):
    """CloudFormation makes a REVIEW_IN_PROGRESS stack to hold a new stack's change set; when the
    change set fails, the tool deletes both. The reason is a real one
    (https://github.com/aws-samples/sessions-with-aws-sam/pull/7)."""
    reason = corpus_text("sessions-with-aws-sam/pull/7").split("Reason: ", 1)[1]
    cfn = recorded["cloudformation"]
    missing(cfn, "describe_stacks", STACK)
    cfn.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID})
    failed = change_set([], status="FAILED") | {"StatusReason": reason}
    cfn.add_response("describe_change_set", failed, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    cfn.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    cfn.add_response("delete_stack", {}, {"StackName": STACK})
    status, _, err = run(capsys, deploy, *(["--plan"] if plan else []), "go-api", STACK, GO_API_PARAMS)
    assert status == 1, err
    program = "plan" if plan else "deploy"
    assert err.startswith(f"{program}: CloudFormation could not make the change set: Template format error: ")
    assert err.count("\n") == 1
    assert called[-2:] == [("cloudformation", "DeleteChangeSet"), ("cloudformation", "DeleteStack")]
    assert ("cloudformation", "ExecuteChangeSet") not in called


def test_a_failed_change_set_of_an_existing_stack_deletes_only_the_change_set(recorded, capsys, called):
    reason = corpus_text("sessions-with-aws-sam/pull/7").split("Reason: ", 1)[1]
    cfn = recorded["cloudformation"]
    cfn.add_response("describe_stacks", stack("UPDATE_COMPLETE", Parameters=[]), {"StackName": STACK})
    cfn.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID})
    failed = change_set([], status="FAILED") | {"StatusReason": reason}
    cfn.add_response("describe_change_set", failed, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    cfn.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK})
    status, _, err = run(capsys, deploy, "go-api", STACK, GO_API_PARAMS)
    assert status == 1 and err.count("\n") == 1, err
    assert ("cloudformation", "DeleteStack") not in called


# Bodies an endpoint answered HTTP 500 with, which botocore cannot parse (ResponseParserError,
# not a BotoCoreError): AWS's own "Internal Failure" as plain text
# (https://github.com/cartography-cncf/cartography/pull/2132), and an HTML error page
# (https://github.com/localstack/serverless-localstack/issues/57).
UNREADABLE = {
    "internal-failure": (b"Internal Failure", "b'Internal Failure'"),
    "html-page": (
        b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>500 Internal Server Error</title>\n'
        b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete "
        b"your request. Either the server is overloaded or there is an error in the application.</p>\n",
        'b\'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\\n<title>500 Internal Server Error</title>',
    ),
}


class _Body:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


@pytest.mark.parametrize("answer", UNREADABLE, ids=list(UNREADABLE))
@pytest.mark.parametrize("plan", [False, True], ids=["deploy", "plan"])
def test_an_answer_botocore_cannot_read_is_one_line(monkeypatch, capsys, answer, plan):
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config

    from ops.shared import aws

    body, shown = UNREADABLE[answer]
    # One attempt: the retries' backoff would only make the test slow.
    monkeypatch.setattr(aws, "CLIENT_CONFIG", Config(retries={"mode": "standard", "max_attempts": 1}))
    account = Account(recorded_session())
    monkeypatch.setattr(deploy, "Account", lambda: account)
    account.client("sts").meta.events.register(
        "before-send", lambda request, **_: AWSResponse(request.url, 500, {"Content-Type": "text/html"}, _Body(body))
    )
    status, out, err = run(capsys, deploy, *(["--plan"] if plan else []), "go-api", STACK, GO_API_PARAMS)
    program = "plan" if plan else "deploy"
    assert (status, err.count("\n")) == (2, 1), err
    assert err.startswith(
        f"{program}: AWS error: sts:GetCallerIdentity: the answer could not be read (Unable to parse response "
        f"(syntax error: line 1, column "
    ), err
    assert shown in err and "Traceback" not in err + out
    advice = "run the command again, and if it lasts, check AWS_ENDPOINT_URL and the AWS Health Dashboard"
    assert err.rstrip().endswith(advice)


# ECR's own pattern for a repository name (RepositoryName in ECR's API model, as botocore ships it):
# the project's check must agree with it on every sample.
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
ECR_NAME = botocore.session.get_session().get_service_model("ecr").shape_for("RepositoryName").metadata


@pytest.mark.parametrize(
    "name",
    [
        "prereq-dev/go-api",
        "prereq--dev/go-api",  # a run of hyphens
        "prereq__dev/bidopsai/app",  # a double underscore
        "prereq___dev/go-api",  # three: refused
        "prereq.dev/go-api",
        "Prereq-Dev/go-api",  # upper case: refused
        "prereq-/go-api",  # a stack name may end in a hyphen; a component may not
        "p",
    ],
)
def test_the_repository_name_check_agrees_with_ecr(name):
    from ops.shared.stack import REPOSITORY_NAME, REPOSITORY_NAME_LENGTH

    ecr_takes = bool(re.fullmatch(ECR_NAME["pattern"], name)) and ECR_NAME["min"] <= len(name) <= ECR_NAME["max"]
    low, high = REPOSITORY_NAME_LENGTH
    assert (bool(REPOSITORY_NAME.match(name)) and low <= len(name) <= high) == ecr_takes


@pytest.mark.parametrize("plan", [False, True], ids=["deploy", "plan"])
def test_a_stack_name_ecr_would_refuse_stops_before_any_aws_call(capsys, called, plan):
    """The prerequisites' repositories are named <stack>/go-api, ...: an upper-case stack name
    would reach CloudFormation, then roll the create back on the first repository."""
    argv = [*(["--plan"] if plan else []), "prerequisites", "Prereq-Dev", str(ROOT / "params/prerequisites.dev.json")]
    status, _, err = run(capsys, deploy, *argv)
    program = "plan" if plan else "deploy"
    assert (status, err.count("\n")) == (2, 1), err
    assert err == (
        f"{program}: stack name Prereq-Dev makes the ECR repository names Prereq-Dev/bidopsai/agent, "
        "Prereq-Dev/bidopsai/app, Prereq-Dev/go-api, which ECR refuses (lower-case letters and digits, separated "
        "by '.', '_', '__', '-' or '/'; 2-256 characters): the create would roll back. Give the stack a "
        "lower-case name, such as prereq-dev\n"
    )
    assert called == []
    # A name ECR takes, hyphens run together and all, passes the same check.
    deploy.check_stack_name("prerequisites", "prereq--dev", None)


# The plugin's DesiredCount was 0-8 with default 1 and is now 2-8 (CHANGELOG.md): a stack made
# with the old default holds DesiredCount=1, and an update that keeps it is refused.
PLUGIN_DEV = str(ROOT / "params" / "finfocus-plugin.dev.json")
STORED_FROM_THE_OLD_DEFAULT = [{"ParameterKey": "DesiredCount", "ParameterValue": "1"}]


@pytest.mark.parametrize("plan", [False, True], ids=["deploy", "plan"])
def test_a_kept_value_the_new_template_refuses_stops_before_the_change_set(recorded, capsys, called, plan):
    cfn = recorded["cloudformation"]
    current = stack("UPDATE_COMPLETE", Parameters=STORED_FROM_THE_OLD_DEFAULT)
    cfn.add_response("describe_stacks", current, {"StackName": STACK})
    status, _, err = run(capsys, deploy, *(["--plan"] if plan else []), "finfocus-plugin", STACK, PLUGIN_DEV)
    program = "plan" if plan else "deploy"
    assert (status, err) == (
        2,
        f"{program}: the stack's DesiredCount=1, which the update keeps because the parameter file does not give "
        "DesiredCount, no longer fits the template (1 is below the minimum 2), and CloudFormation would refuse the "
        "update: set DesiredCount to a number from 2 to 8 in the parameter file\n",
    )
    assert ("cloudformation", "CreateChangeSet") not in called


def test_kept_values_are_checked_against_the_new_template_only_where_they_are_shown():
    three = {"Parameters": [{"ParameterKey": "DesiredCount", "ParameterValue": "3"}]}
    fits = changeset.parameters("finfocus-plugin", PLUGIN_DEV, three)
    assert {"ParameterKey": "DesiredCount", "UsePreviousValue": True} in fits
    with pytest.raises(
        BadInput, match=r"because no parameter file was given, .* in a parameter file \(PARAMS=\.\.\.\)$"
    ):
        changeset.parameters("finfocus-plugin", None, {"Parameters": STORED_FROM_THE_OLD_DEFAULT})
    # A NoEcho value reads as asterisks: not compared.
    assert not changeset._comparable({"Type": "String", "NoEcho": "true", "AllowedPattern": "[a-z]+"})


@pytest.mark.parametrize("plan", [False, True], ids=["deploy", "plan"])
def test_a_switch_to_blue_green_ecs_would_refuse_is_refused_before_any_change_set(
    recorded, capsys, called, tmp_path, plan
):
    """A rolling go-api behind a load balancer without its advanced configuration: ECS wants a
    rolling deployment that adds it before the strategy changes (update-rolling-to-bluegreen),
    so the one update is refused in one line with the next step, and nothing is made."""
    rule = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/public-alb/0123456789abcdef/"
        "fedcba9876543210/9683b2d02a6cabee"
    )
    green = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/go-api-dev-green/fedcba9876543210"
    given = json.loads(Path(GO_API_PARAMS).read_text())
    params_file = tmp_path / "go-api.json"
    params_file.write_text(
        json.dumps(
            [
                *given,
                "DeploymentStrategy=BLUE_GREEN",
                f"AlternateTargetGroupArn={green}",
                f"ProductionListenerRuleArn={rule}",
            ]
        )
    )
    service_arn = "arn:aws:ecs:us-east-1:123456789012:service/go-api-dev-Cluster/go-api-dev-Service"
    cfn = recorded["cloudformation"]
    before = [{"ParameterKey": "DeploymentStrategy", "ParameterValue": "ROLLING"}]
    cfn.add_response("describe_stacks", stack("UPDATE_COMPLETE", Parameters=before), {"StackName": STACK})
    resource = {
        "LogicalResourceId": "Service",
        "PhysicalResourceId": service_arn,
        "ResourceType": "AWS::ECS::Service",
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": "UPDATE_COMPLETE",
    }
    cfn.add_response(
        "describe_stack_resource",
        {"StackResourceDetail": resource},
        {"StackName": STACK, "LogicalResourceId": "Service"},
    )
    balancer = {"targetGroupArn": given[1].split("=", 1)[1], "containerName": "api", "containerPort": 8080}
    described = {"serviceArn": service_arn, "serviceName": "go-api-dev-Service", "status": "ACTIVE"}
    described |= {"loadBalancers": [balancer], "deployments": [{"id": "ecs-svc/1", "rolloutState": "COMPLETED"}]}
    with Stubber(deploy.Account().client("ecs")) as ecs:
        ecs.add_response("describe_services", {"services": [described]})
        status, out, err = run(capsys, deploy, *(["--plan"] if plan else []), "go-api", STACK, str(params_file))
        ecs.assert_no_pending_responses()
    assert status == 1, err
    (line,) = err.splitlines()
    assert "without an advanced configuration" in line
    assert "Next: two updates: first DeploymentStrategy=ROLLING with AlternateTargetGroupArn" in line
    assert "making change set" not in out
    assert set(called) <= OPERATIONS["plan"] and ("cloudformation", "CreateChangeSet") not in called
