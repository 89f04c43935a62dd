"""`make doctor`: the signature table, the generated doc block, and a diagnosis from recorded responses."""

import copy
import datetime
import json
import re

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from ops import doctor, signatures
from ops.aws import Account
from ops.errors import BadInput
from tests import aws_world
from tests.helpers import ROOT, corpus_text

RECORDED = ROOT / "tests" / "fixtures" / "doctor"
# What a read-only doctor may call: the API names of the policy in docs/preflight-doctor.md.
DOCTOR_READS = {
    "DescribeStacks",
    "DescribeStackEvents",
    "ListStackResources",
    "DescribeServices",
    "ListTasks",
    "DescribeTasks",
    "DescribeTargetHealth",
    "ListInstances",
    "DescribeRules",
    "DescribeServiceRevisions",
}

HEALTHY = "(service api) has reached a steady state."


LOG_GROUP_EXISTS = corpus_text("amazon-marketing-cloud-uploader-from-aws/issues/167")
PULL_TIMEOUT = corpus_text("terraform-aws-retool-ecs-fargate/issues/20")


def test_the_troubleshooting_docs_are_generated_from_the_signatures():
    # build.py --check (test_build_cli) fails when a generated block is stale; this
    # makes sure the troubleshooting table is one of the blocks it keeps current.
    text = (ROOT / "docs" / "reference" / "doctor.md").read_text()
    block = re.search(r"<!-- generated:doctor.signatures -->\n(.*?)<!-- /generated:doctor.signatures -->", text, re.S)
    assert block, "docs/reference/doctor.md has no doctor.signatures block"
    assert block.group(1) == signatures.markdown_table()
    for signature in signatures.SIGNATURES:
        assert f"| `{signature.name}` |" in block.group(1)


NOW = datetime.datetime(2026, 11, 22, tzinfo=datetime.UTC)
SERVICE = "arn:aws:ecs:us-east-1:123456789012:service/go-api-dev-Cluster/go-api-dev-Service"
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/go-api/0123456789abcdef"
TASK = "arn:aws:ecs:us-east-1:123456789012:task/go-api-dev-Cluster/0123456789abcdef0123456789abcdef"
ALTERNATE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/go-api-green/fedcba9876543210"
RULE = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/public-alb/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2/9683b2d02a6cabee"
)
REVISION = "arn:aws:ecs:us-east-1:123456789012:service-revision/go-api-dev-Cluster/go-api-dev-Service/4058285838"
# A blue/green service's entry as DescribeServices gives it (API_LoadBalancer, API_AdvancedConfiguration).
SHIFTING = {
    "targetGroupArn": TARGET_GROUP,
    "containerName": "api",
    "containerPort": 8080,
    "advancedConfiguration": {
        "alternateTargetGroupArn": ALTERNATE,
        "productionListenerRule": RULE,
        "roleArn": "arn:aws:iam::123456789012:role/go-api-dev-LoadBalancerRole-AbCdEf",
    },
}


@pytest.fixture(scope="module")
def shared_account():
    # One Account for the module: each client is made once; the Stubber answers every call.
    return Account(aws_world.session())


@pytest.fixture
def account(shared_account):
    aws_world.CALLED.clear()
    yield shared_account
    writes = sorted(set(aws_world.CALLED) - DOCTOR_READS)
    assert writes == [], f"doctor called {writes}, not in the read-only list"


def stubbed_account(account, stack_status, stopped_reason, events, balancer=None, live=None):
    """``balancer``: the service's load balancer entry; ``live``: (rule weights, revision's groups)."""
    stubs = {}
    for service in ("cloudformation", "ecs", "elbv2"):
        stubs[service] = Stubber(account.client(service))
    cfn = stubs["cloudformation"]
    stack = {"StackName": "go-api-dev", "StackStatus": stack_status, "CreationTime": NOW}
    cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "go-api-dev"})
    event = {"StackId": "id", "StackName": "go-api-dev", "Timestamp": NOW}
    cfn.add_response(
        "describe_stack_events",
        {"StackEvents": [{**event, "EventId": str(i), **e} for i, e in enumerate(events)]},
        {"StackName": "go-api-dev"},
    )
    summary = {"LastUpdatedTimestamp": NOW, "ResourceStatus": "CREATE_COMPLETE"}
    cfn.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                {
                    **summary,
                    "LogicalResourceId": "Service",
                    "PhysicalResourceId": SERVICE,
                    "ResourceType": "AWS::ECS::Service",
                },
            ]
        },
        {"StackName": "go-api-dev"},
    )
    ecs = stubs["ecs"]
    running = 0 if stopped_reason else 1
    ecs.add_response(
        "describe_services",
        {
            "services": [
                {
                    "serviceName": "go-api-dev-Service",
                    "runningCount": running,
                    "desiredCount": 1,
                    "events": [{"id": "1", "createdAt": NOW, "message": HEALTHY}],
                    "deployments": [{"id": "d", "rolloutState": "COMPLETED"}],
                    "loadBalancers": [
                        balancer or {"targetGroupArn": TARGET_GROUP, "containerName": "api", "containerPort": 8080}
                    ],
                    **({"currentServiceRevisions": [{"arn": REVISION}]} if live else {}),
                }
            ]
        },
    )
    stopped = [TASK] if stopped_reason else []
    ecs.add_response("list_tasks", {"taskArns": stopped})
    if stopped:
        ecs.add_response(
            "describe_tasks",
            {
                "tasks": [
                    {
                        "taskArn": TASK,
                        "stopCode": "TaskFailedToStart",
                        "stoppedReason": stopped_reason,
                        "containers": [{"name": "api", "reason": "", "exitCode": 1}],
                    }
                ]
            },
        )
    stubs["elbv2"].add_response("describe_target_health", {"TargetHealthDescriptions": []})
    if live:
        weights, groups = live
        stubs["elbv2"].add_response("describe_target_health", {"TargetHealthDescriptions": []})
        forward = {"TargetGroups": [{"TargetGroupArn": g, "Weight": w} for g, w in weights.items()]}
        rule = {"RuleArn": RULE, "Actions": [{"Type": "forward", "ForwardConfig": forward}]}
        stubs["elbv2"].add_response("describe_rules", {"Rules": [rule]}, {"RuleArns": [RULE]})
        balancers = [{"targetGroupArn": g, "productionListenerRule": RULE} for g in groups]
        revision = {"serviceRevisionArn": REVISION, "resolvedConfiguration": {"loadBalancers": balancers}}
        stubs["ecs"].add_response("describe_service_revisions", {"serviceRevisions": [revision]})
    for stub in stubs.values():
        stub.activate()
    return stubs


STARTED = {"LogicalResourceId": "go-api-dev", "ResourceStatus": "CREATE_IN_PROGRESS", "ResourceType": "S"}


def test_healthy_stack(account):
    stubs = stubbed_account(account, "CREATE_COMPLETE", "", [STARTED])
    results = doctor.diagnose(account, "go-api-dev")
    assert all(r.status == "pass" for r in results), results
    assert doctor.summary(results).startswith("healthy")
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


@pytest.mark.parametrize(
    ("weights", "groups", "status"),
    [
        ({TARGET_GROUP: 0, ALTERNATE: 100}, [ALTERNATE], "pass"),  # an odd number of releases: fine
        ({TARGET_GROUP: 100, ALTERNATE: 0}, [ALTERNATE], "fail"),  # the rule put back while the tasks stayed
    ],
)
def test_doctor_reads_both_groups_and_where_production_traffic_goes(account, weights, groups, status):
    stubs = stubbed_account(account, "UPDATE_COMPLETE", "", [STARTED], balancer=SHIFTING, live=(weights, groups))
    results = {r.check: r for r in doctor.diagnose(account, "go-api-dev")}
    for stub in stubs.values():
        stub.assert_no_pending_responses()  # the alternate group's target health was read too
        stub.deactivate()
    assert results["traffic:go-api-dev-Service"].status == status
    if status == "fail":
        assert (
            "forwards to go-api but the service's tasks are in go-api-green"
            in results["traffic:go-api-dev-Service"].detail
        )


def test_failed_stack_names_the_first_failure_and_the_signature(account):
    events = [  # newest first, as CloudFormation returns them
        {"LogicalResourceId": "go-api-dev", "ResourceStatus": "ROLLBACK_COMPLETE", "ResourceType": "S"},
        {
            "LogicalResourceId": "Service",
            "ResourceStatus": "CREATE_FAILED",
            "ResourceType": "AWS::ECS::Service",
            "ResourceStatusReason": "Resource creation cancelled",
        },
        {
            "LogicalResourceId": "LogGroup",
            "ResourceStatus": "CREATE_FAILED",
            "ResourceType": "AWS::Logs::LogGroup",
            "ResourceStatusReason": LOG_GROUP_EXISTS,
        },
        STARTED,
    ]
    stubs = stubbed_account(account, "ROLLBACK_COMPLETE", PULL_TIMEOUT, events)
    results = {r.check: r for r in doctor.diagnose(account, "go-api-dev")}
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()
    assert results["stack"].status == "fail"
    assert results["stack.first-failure"].detail.startswith("LogGroup (AWS::Logs::LogGroup) CREATE_FAILED")
    assert results["signature:log-group-exists"].status == "fail"
    assert "aws logs delete-log-group --log-group-name" in results["signature:log-group-exists"].fix
    assert results["signature:image-pull-network"].fix.startswith("Private subnets")
    # The stack's own state says what to do with it once the cause is fixed.
    assert "aws cloudformation delete-stack --stack-name go-api-dev" in results["stack"].fix
    assert results["service:go-api-dev-Service"].detail == "0 of 1 tasks running"
    assert doctor.summary(list(results.values())).startswith("NOT healthy")


def test_no_such_stack_is_one_line_and_exit_2(account, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "Account", lambda: account)
    with Stubber(account.client("cloudformation")) as stub:
        stub.add_client_error("describe_stacks", "ValidationError", "Stack with id nope does not exist", 400)
        assert doctor.main(["nope"]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if not line.startswith("reading")]
    assert lines == ["doctor: no stack named 'nope' in this region: aws cloudformation list-stacks"]
    assert captured.out == ""


def test_no_such_stack_is_bad_input(account):
    with Stubber(account.client("cloudformation")) as stub:
        stub.add_client_error("describe_stacks", "ValidationError", "Stack with id nope does not exist")
        with pytest.raises(BadInput, match="no stack named 'nope'"):
            doctor.diagnose(account, "nope")


# --- Recorded responses (tests/fixtures/doctor/*.json): each call's parameters and answer --


def recording(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.json").read_text())


def replay(account, recorded: dict) -> list:
    """diagnose() on the recorded answers; every recorded call must be made, with its parameters."""
    stubs = {}
    for call in recorded["calls"]:
        if call["service"] not in stubs:
            stubs[call["service"]] = Stubber(account.client(call["service"]))
        stubs[call["service"]].add_response(call["operation"], call["response"], call["params"])
    for stub in stubs.values():
        stub.activate()
    try:
        results = doctor.diagnose(account, recorded["stack"])
        for stub in stubs.values():
            stub.assert_no_pending_responses()
    finally:
        for stub in stubs.values():
            stub.deactivate()
    return results


def answer(recorded: dict, operation: str) -> dict:
    return next(call["response"] for call in recorded["calls"] if call["operation"] == operation)


def test_unhealthy_target_is_reported_with_the_health_check_signature(account):
    results = {r.check: r for r in replay(account, recording("unhealthy-targets"))}
    # Both tasks run: the service itself is fine, its target health is not.
    assert results["service:go-api-dev-Service-GhIjKl"].status == "pass"
    health = results["signature:target-response-code"]
    assert health.status == "fail"
    assert "10.0.12.45 unhealthy Target.ResponseCodeMismatch" in health.detail
    assert "health-check path" in health.fix
    assert doctor.summary(list(results.values())).startswith(
        "NOT healthy. Likely cause (signature:target-response-code)"
    )


def test_healthy_and_starting_targets_are_not_findings(account):
    recorded = copy.deepcopy(recording("unhealthy-targets"))
    (_, unhealthy) = answer(recorded, "describe_target_health")["TargetHealthDescriptions"]
    unhealthy["TargetHealth"] = {"State": "initial", "Reason": "Elb.InitialHealthChecking"}
    results = replay(account, recorded)
    assert [r for r in results if r.status != "pass"] == []
    assert doctor.summary(results).startswith("healthy")


def test_cloud_map_instances_registered(account):
    results = {r.check: r for r in replay(account, recording("cloud-map"))}
    registry = results["cloud-map:platform-dev-AgentCoreService-UiOpAs"]
    assert (registry.status, registry.detail) == ("pass", "2 instance(s) registered in srv-0123456789abcdef")


def test_cloud_map_without_instances_while_tasks_run(account):
    recorded = copy.deepcopy(recording("cloud-map"))
    answer(recorded, "list_instances")["Instances"] = []
    results = {r.check: r for r in replay(account, recorded)}
    registry = results["cloud-map:platform-dev-AgentCoreService-UiOpAs"]
    assert registry.status == "fail"
    assert registry.detail == "srv-0123456789abcdef has no registered instance"
    # The fix is a shell in the VPC through ECS Exec (AWS CLI v2).
    assert "aws ecs execute-command" in registry.fix and "EnableExecuteCommand=true" in registry.fix
    assert doctor.summary(list(results.values())).startswith("NOT healthy. Likely cause (cloud-map:")


def test_cloud_map_without_instances_and_no_task_is_not_a_registry_problem(account):
    recorded = copy.deepcopy(recording("cloud-map"))
    answer(recorded, "list_instances")["Instances"] = []
    service = answer(recorded, "describe_services")["services"][0]
    service["runningCount"] = 0
    results = {r.check: r for r in replay(account, recorded)}
    assert results["cloud-map:platform-dev-AgentCoreService-UiOpAs"].status == "pass"
    assert results["service:platform-dev-AgentCoreService-UiOpAs"].detail == "0 of 2 tasks running"


# --- AWS errors no reading expects ---------------------------------------------------------


def test_an_unusual_aws_error_is_one_line_and_exit_2(account, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "Account", lambda: account)
    with Stubber(account.client("cloudformation")) as stub:
        stub.add_client_error("describe_stacks", "InternalFailure", "We encountered an internal error.", 500)
        assert doctor.main(["go-api-dev"]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if not line.startswith("reading")]
    assert lines == ["doctor: AWS error: DescribeStacks: InternalFailure: We encountered an internal error."]
    assert captured.out == ""


def test_a_read_timeout_on_the_stack_events_is_one_line_and_exit_2(account, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "Account", lambda: account)
    cloudformation = account.client("cloudformation")
    real = cloudformation._make_api_call

    def events_time_out(operation_name, arguments):
        if operation_name == "DescribeStackEvents":
            raise botocore.exceptions.ReadTimeoutError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com/")
        return real(operation_name, arguments)

    monkeypatch.setattr(cloudformation, "_make_api_call", events_time_out)
    with Stubber(cloudformation) as stub:
        stack = {"StackName": "go-api-dev", "StackStatus": "CREATE_COMPLETE", "CreationTime": NOW}
        stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "go-api-dev"})
        assert doctor.main(["go-api-dev"]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if not line.startswith("reading")]
    assert lines == [
        "doctor: cloudformation:DescribeStackEvents: no answer from https://cloudformation.us-east-1.amazonaws.com/ "
        "within 30 s: check the network and run again"
    ]


def test_an_unusual_aws_error_in_one_service_skips_that_service(account):
    stubs = stubbed_account(account, "CREATE_COMPLETE", "", [STARTED])
    # The service's description fails; what the stack said is still reported.
    stubs["ecs"].deactivate()
    with Stubber(account.client("ecs")) as ecs:
        ecs.add_client_error("describe_services", "ServerException", "Service unavailable.", 500)
        results = {r.check: r for r in doctor.diagnose(account, "go-api-dev")}
    for stub in stubs.values():
        stub.deactivate()
    assert results["stack"].status == "pass"
    assert (results["service:Service"].status, results["service:Service"].detail) == (
        "skip",
        "AWS error: DescribeServices: ServerException: Service unavailable.",
    )


# --- Every stack state (StackStatus, API_Stack.html) -----------------------------------------

STACK_STATES = {
    # A finished operation that left the stack working.
    "CREATE_COMPLETE": "pass",
    "UPDATE_COMPLETE": "pass",
    "IMPORT_COMPLETE": "pass",
    # An operation under way that ends by itself: run doctor again afterwards.
    "CREATE_IN_PROGRESS": "skip",
    "UPDATE_IN_PROGRESS": "skip",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "skip",
    "DELETE_IN_PROGRESS": "skip",
    "IMPORT_IN_PROGRESS": "skip",
    # A change set never executed: nothing of the stack exists yet.
    "REVIEW_IN_PROGRESS": "skip",
    # Every rollback, finished or not, and every failed state: the last operation failed.
    "ROLLBACK_IN_PROGRESS": "fail",
    "ROLLBACK_COMPLETE": "fail",
    "ROLLBACK_FAILED": "fail",
    "UPDATE_ROLLBACK_IN_PROGRESS": "fail",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "fail",
    "UPDATE_ROLLBACK_COMPLETE": "fail",
    "UPDATE_ROLLBACK_FAILED": "fail",
    "IMPORT_ROLLBACK_IN_PROGRESS": "fail",
    "IMPORT_ROLLBACK_COMPLETE": "fail",
    "IMPORT_ROLLBACK_FAILED": "fail",
    "CREATE_FAILED": "fail",
    "UPDATE_FAILED": "fail",
    "DELETE_FAILED": "fail",
    "DELETE_COMPLETE": "fail",
}


def test_every_stack_state_of_the_api_is_covered():
    model = Account(aws_world.session()).client("cloudformation").meta.service_model
    assert set(STACK_STATES) == set(model.shape_for("StackStatus").enum)


@pytest.mark.parametrize(("status", "expected"), sorted(STACK_STATES.items()))
def test_each_stack_state_is_judged_and_the_fix_is_a_command(status, expected):
    result = doctor.stack_result("go-api-dev", {"StackStatus": status, "StackStatusReason": "User Initiated"})
    assert result.status == expected, result
    if expected == "skip" and status != "REVIEW_IN_PROGRESS":
        assert "--stack-name go-api-dev), then run make doctor again" in result.detail
    if expected == "fail":
        assert result.fix, result


@pytest.mark.parametrize(
    ("status", "command"),
    [
        ("ROLLBACK_COMPLETE", "aws cloudformation delete-stack --stack-name go-api-dev"),
        ("UPDATE_ROLLBACK_FAILED", "aws cloudformation continue-update-rollback --stack-name go-api-dev"),
        ("UPDATE_FAILED", "aws cloudformation rollback-stack --stack-name go-api-dev"),
        ("UPDATE_ROLLBACK_IN_PROGRESS", "aws cloudformation wait stack-rollback-complete --stack-name go-api-dev"),
        ("UPDATE_ROLLBACK_COMPLETE", "deploy again"),
    ],
)
def test_a_failed_state_names_the_command_that_repairs_it(status, command):
    assert command in doctor.stack_result("go-api-dev", {"StackStatus": status}).fix


# --- The cause among the stack's events, oldest first ----------------------------------------


def event(logical: str, status: str, reason: str = "", kind: str = "AWS::ECS::Service") -> dict:
    return {
        "LogicalResourceId": logical,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
        "ResourceType": kind,
    }


SUMMARY = corpus_text("aws/copilot-cli/issues/4313")  # "The following resource(s) failed to create: ..."
SC_IN_USE = corpus_text("aws/copilot-cli/issues/4659")


def test_the_cause_is_the_first_real_failure_not_what_follows_it():
    events = [
        event("api", "CREATE_IN_PROGRESS", "User Initiated", "AWS::CloudFormation::Stack"),
        event("LogGroup", "CREATE_COMPLETE", kind="AWS::Logs::LogGroup"),
        # Recorded in the same second as the cause, and listed before it.
        event("TaskDefinition", "CREATE_FAILED", "Resource creation cancelled", "AWS::ECS::TaskDefinition"),
        event("Service", "CREATE_FAILED", SC_IN_USE),
        event("api", "ROLLBACK_IN_PROGRESS", SUMMARY, "AWS::CloudFormation::Stack"),
        # The rollback's own failure comes last and is a consequence too.
        event("LogGroup", "DELETE_FAILED", "Resource handler returned message: access denied", "AWS::Logs::LogGroup"),
        event("api", "ROLLBACK_FAILED", "", "AWS::CloudFormation::Stack"),
    ]
    assert doctor.cause_of(events, "api")["LogicalResourceId"] == "Service"


def test_a_cancelled_resource_is_the_cause_only_when_nothing_else_failed():
    events = [event("Service", "CREATE_FAILED", "Resource creation cancelled")]
    assert doctor.cause_of(events, "api")["LogicalResourceId"] == "Service"
    assert doctor.cause_of([event("x", "CREATE_COMPLETE")], "api") is None


def test_the_stacks_own_summary_is_never_the_cause_when_a_resource_failed():
    events = [
        event("api", "UPDATE_ROLLBACK_IN_PROGRESS", SUMMARY, "AWS::CloudFormation::Stack"),
        event("api", "UPDATE_ROLLBACK_FAILED", "", "AWS::CloudFormation::Stack"),
        event("Listener", "UPDATE_FAILED", corpus_text("aws/copilot-cli/issues/1376")),
    ]
    assert doctor.cause_of(events, "api")["LogicalResourceId"] == "Listener"


def test_doctor_json_is_only_json(account, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "Account", lambda: account)
    stubs = stubbed_account(account, "CREATE_COMPLETE", "", [STARTED])
    assert doctor.main(["go-api-dev", "--json"]) == 0
    for stub in stubs.values():
        stub.deactivate()
    captured = capsys.readouterr()
    results = json.loads(captured.out)  # the whole of stdout is one JSON document
    assert {r["check"] for r in results} >= {"stack", "service:go-api-dev-Service"}
    assert "reading stack go-api-dev..." in captured.err
