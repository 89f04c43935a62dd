"""make probe on recorded AWS answers (botocore Stubber): moto runs no container and writes
no log, so the task's stop and its log lines are given here as ECS and CloudWatch Logs
answer them. No request leaves the process: a call nobody queued fails the test.

Answer shapes follow the API references (the Stubber also checks them against the model):
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
"""

import datetime
import json
import re

import pytest
from botocore.stub import ANY, Stubber

from ops.probe import cli as probe
from ops.shared.aws import Account
from tests import aws_world
from tests.helpers import ROOT, built
from tests.test_finfocus_plugin import SPEC_PORTS

ACCOUNT_ID = "123456789012"
STACK = "finfocus-dev"
VPC = "vpc-0123456789abcdef0"
INSIDE = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
OUTSIDE = "subnet-0a1b2c3d4e5f60718"
PLUGIN_GROUP = "sg-0aaaaaaaaaaaaaaa0"
PROBE_GROUP = "sg-0bbbbbbbbbbbbbbb0"
CLIENT_GROUP = "sg-0ccccccccccccccc0"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/{STACK}-ExecutionRole-AbCdEf012345"
PLUGIN_REVISION = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task-definition/{STACK}:3"
PROBE_REVISION = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task-definition/{STACK}-probe:1"
TASK_ID = "0123456789abcdef0123456789abcdef"
TASK = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task/{STACK}/{TASK_ID}"
DNS_NAME = "plugin.finfocus.local"
LOG_GROUP = f"/ecs/{STACK}"
TASKS = ["10.0.1.23", "10.0.2.40"]
CREATED = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)

# The 12-region layout (the image's entrypoint.sh at v0.1.1-v0.1.2), without metrics (9090).
TWELVE = {port: region for port, region in SPEC_PORTS.items() if region != "metrics"}

# busybox wget's failures, as users saw them:
# https://github.com/ronggang/transmission-web-control/issues/371
REFUSED = "wget: can't connect to remote host (151.101.0.133): Connection refused"
# The text of alarm_handler() in busybox networking/wget.c (with the applet's "wget: " prefix):
# https://github.com/mirror/busybox/blob/371fe9f71d445d18be28c82a2a6d82115c8af19d/networking/wget.c#L401
TIMED_OUT = "wget: download timed out"
# A task that could not pull its image (no route to the registry):
# https://github.com/ActionIQ/terraform-aws-retool-ecs-fargate/issues/20
CANNOT_PULL = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
    'docker.io/tryretool/backend:2.110.5: failed to do request: Head "https://registry-1.docker.io/v2/'
    'tryretool/backend/manifests/2.110.5": dial tcp 34.205.13.154:443: i/o timeout'
)
# RunTask refused by IAM: https://github.com/LBHackney-IT/Data-Platform/pull/1818
RUN_TASK_DENIED = (
    "User: arn:aws:iam::120038763019:user/child-fam-services-airflow-user is not authorized to perform: "
    "ecs:RunTask on resource: arn:aws:ecs:eu-west-2:120038763019:task-definition/a_test_task:9 because no "
    "identity-based policy allows the ecs:RunTask action"
)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(probe, "sleep", lambda seconds: None)


class World:
    """An Account whose clients answer from queues; ``done()`` proves every answer was asked for."""

    SERVICES = ("sts", "cloudformation", "ecs", "ec2", "logs")

    def __init__(self):
        self.account = Account(aws_world.session())
        self.stubs = {name: Stubber(self.account.client(name)) for name in self.SERVICES}
        for stub in self.stubs.values():
            stub.activate()

    def __getattr__(self, name):
        return self.stubs[name]

    def done(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def stack(parameters: dict, outputs: dict | None = None) -> dict:
    outputs = (
        outputs
        if outputs is not None
        else {
            "ClusterName": f"{STACK}-Cluster-AbC012",
            "ServiceDnsName": DNS_NAME,
            "LogGroupName": LOG_GROUP,
            "SecurityGroupId": PLUGIN_GROUP,
            "TaskDefinitionArn": PLUGIN_REVISION,
        }
    )
    return {
        "Stacks": [
            {
                "StackName": STACK,
                "StackId": f"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/{STACK}/1",
                "CreationTime": CREATED,
                "StackStatus": "CREATE_COMPLETE",
                "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


def plugin_parameters(**changes) -> dict:
    return {
        "VpcId": VPC,
        "SubnetIds": ",".join(INSIDE),
        "ClientCidr": "10.0.0.0/16",
        "ClientSecurityGroupId": "",
        "AssignPublicIp": "DISABLED",
        **changes,
    }


def task_definition(layout: str = "finfocus-plugin") -> dict:
    """The plugin's task definition as built (output/*.task-definition.json), as ECS describes it."""
    document = json.loads((ROOT / "output" / f"{layout}.task-definition.json").read_text())
    document["executionRoleArn"] = ROLE
    document["taskDefinitionArn"] = PLUGIN_REVISION
    return {"taskDefinition": document}


def subnets(cidrs: dict[str, str]) -> dict:
    return {"Subnets": [{"SubnetId": s, "VpcId": VPC, "CidrBlock": c} for s, c in cidrs.items()]}


def stopped(
    *, exit_code: int | None = 0, stop_code="EssentialContainerExited", reason="Essential container in task exited"
):
    container = {"name": "probe", "lastStatus": "STOPPED"}
    if exit_code is not None:
        container["exitCode"] = exit_code
    return {
        "tasks": [
            {
                "taskArn": TASK,
                "lastStatus": "STOPPED",
                "stopCode": stop_code,
                "stoppedReason": reason,
                "containers": [container],
            }
        ],
        "failures": [],
    }


def log_lines(answers: dict[tuple[str, int], tuple[int, int, str]], addresses=TASKS) -> list[str]:
    lines = [f"PROBE dns {DNS_NAME} {' '.join(addresses) or '-'}"]
    for (address, port), (status, took, error) in answers.items():
        lines.append(f"PROBE answer {address} {port} {status} {took} {error}".rstrip() + " ")
    return [*lines, "PROBE end"]


def all_answered(layout=TWELVE, addresses=TASKS) -> dict:
    return {(a, p): (0, 12, "") for p in layout for a in addresses}


def queue_start(world: World, parameters: dict, cidrs: dict[str, str], layout="finfocus-plugin"):
    """Everything up to and including the subnets' description."""
    world.sts.add_response(
        "get_caller_identity",
        {"Account": ACCOUNT_ID, "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ops", "UserId": "AIDAEXAMPLE"},
    )
    world.cloudformation.add_response("describe_stacks", stack(parameters), {"StackName": STACK})
    world.ecs.add_response("describe_task_definition", task_definition(layout), {"taskDefinition": PLUGIN_REVISION})
    world.ec2.add_response("describe_subnets", subnets(cidrs), {"SubnetIds": list(cidrs)})


def queue_run(
    world: World, *, group=PROBE_GROUP, subnets_used=INSIDE, create_group=True, image=ANY, public_ip="DISABLED"
):
    if create_group:
        world.ec2.add_response(
            "create_security_group", {"GroupId": PROBE_GROUP}, {"GroupName": ANY, "Description": ANY, "VpcId": VPC}
        )
    world.ecs.add_response(
        "register_task_definition",
        {"taskDefinition": {"taskDefinitionArn": PROBE_REVISION}},
        {
            "family": f"{STACK}-probe",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "executionRoleArn": ROLE,
            "containerDefinitions": [
                {
                    "name": "probe",
                    "image": image,
                    "essential": True,
                    "entryPoint": ["sh", "-c"],
                    "command": ANY,
                    "readonlyRootFilesystem": True,
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": LOG_GROUP,
                            "awslogs-region": "us-east-1",
                            "awslogs-stream-prefix": "probe",
                        },
                    },
                }
            ],
        },
    )
    world.ecs.add_response(
        "run_task",
        {"tasks": [{"taskArn": TASK, "lastStatus": "PROVISIONING"}], "failures": []},
        {
            "cluster": f"{STACK}-Cluster-AbC012",
            "taskDefinition": PROBE_REVISION,
            "launchType": "FARGATE",
            "count": 1,
            "startedBy": "probe",
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": subnets_used,
                    "securityGroups": [group],
                    "assignPublicIp": public_ip,
                }
            },
        },
    )


def queue_wait(world: World, final: dict):
    world.ecs.add_response("describe_tasks", {"tasks": [{"taskArn": TASK, "lastStatus": "PENDING"}], "failures": []})
    world.ecs.add_response("describe_tasks", final, {"cluster": ANY, "tasks": [TASK]})


def queue_log(world: World, lines: list[str]):
    events = [{"timestamp": 1, "message": line, "ingestionTime": 2} for line in lines]
    stream = f"probe/probe/{TASK_ID}"
    expected = {"logGroupName": LOG_GROUP, "logStreamName": stream, "startFromHead": True}
    world.logs.add_response("get_log_events", {"events": events, "nextForwardToken": "f/1"}, expected)
    world.logs.add_response(
        "get_log_events", {"events": [], "nextForwardToken": "f/1"}, {**expected, "nextToken": "f/1"}
    )


def queue_clean_up(world: World, *, group=True, stop=False):
    if stop:
        world.ecs.add_response("stop_task", {"task": {"taskArn": TASK}}, {"cluster": ANY, "task": TASK, "reason": ANY})
    world.ecs.add_response(
        "deregister_task_definition",
        {"taskDefinition": {"taskDefinitionArn": PROBE_REVISION, "status": "INACTIVE"}},
        {"taskDefinition": PROBE_REVISION},
    )
    world.ecs.add_response(
        "delete_task_definitions",
        {"taskDefinitions": [{"taskDefinitionArn": PROBE_REVISION, "status": "DELETE_IN_PROGRESS"}], "failures": []},
        {"taskDefinitions": [PROBE_REVISION]},
    )
    if group:
        world.ec2.add_response("delete_security_group", {}, {"GroupId": PROBE_GROUP})


def run(world: World, monkeypatch, capsys, *arguments) -> tuple[int, str, str]:
    monkeypatch.setattr(probe, "Account", lambda: world.account)
    status = probe.main([STACK, *arguments])
    out, err = capsys.readouterr()
    return status, out, err


INSIDE_CIDRS = {INSIDE[0]: "10.0.1.0/24", INSIDE[1]: "10.0.2.0/24"}


def test_every_port_answered_on_every_task(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    queue_clean_up(world)
    status, out, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"account {ACCOUNT_ID} ") and "region us-east-1" in lines[0]
    rows = [line.split() for line in lines if re.match(r"^80\d\d ", line)]
    assert len(rows) == 12 * 2
    assert {(int(r[0]), r[1]) for r in rows} == set(TWELVE.items())
    assert {r[2] for r in rows} == set(TASKS)
    assert all(r[3] == "answered" and r[4:6] == ["12", "ms"] for r in rows)
    assert "9090" not in out
    assert "every regional port answered (24 of 24)" in out


def test_the_task_asks_the_layout_of_the_stack_not_a_fixed_one(monkeypatch, capsys):
    """The 10-region layout: 8010 is us-west-1, and no 8011 or 8012 is asked."""
    ten = {**{p: r for p, r in TWELVE.items() if p <= 8009}, 8010: "us-west-1"}
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS, layout="finfocus-plugin-10-region")
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered(ten)))
    queue_clean_up(world)
    registered = {}
    world.ecs.client.meta.events.register(
        "provide-client-params.ecs.RegisterTaskDefinition", lambda params, **_: registered.update(params)
    )
    status, out, err = run(world, monkeypatch, capsys, "--json")
    world.done()
    assert status == 0, err
    command = registered["containerDefinitions"][0]["command"]
    assert command[1:4] == ["probe", "5", DNS_NAME]
    assert command[4:] == [str(p) for p in range(8001, 8011)]
    document = json.loads(out)
    assert {(p["port"], p["region"]) for p in document["ports"]} == set(ten.items())
    assert document["answered"] is True
    assert err.startswith(f"account {ACCOUNT_ID} ")  # with --json the banner goes to stderr


def test_refused_ports_fail_and_say_that_nothing_listens_on_the_task_address(monkeypatch, capsys):
    answers = all_answered()
    for port in (8003, 8011):
        answers[(TASKS[1], port)] = (1, 2, REFUSED)
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines(answers))
    queue_clean_up(world)
    status, out, _ = run(world, monkeypatch, capsys)
    world.done()
    assert status == 1
    refused = [line.split()[:4] for line in out.splitlines() if " refused " in line and line[:1].isdigit()]
    assert refused == [["8003", "eu-west-1", TASKS[1], "refused"], ["8011", "us-gov-east-1", TASKS[1], "refused"]]
    assert "2 of 24 did not answer" in out
    assert "127.0.0.1" in out  # the meaning: the plugin listens on loopback only


def test_timed_out_ports_fail_naming_the_security_group_path(monkeypatch, capsys):
    answers = {key: (1, 5003, TIMED_OUT) for key in all_answered()}
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines(answers))
    queue_clean_up(world)
    status, out, _ = run(world, monkeypatch, capsys)
    world.done()
    assert status == 1
    rows = [line for line in out.splitlines() if re.match(r"^80\d\d ", line)]
    assert len(rows) == 24 and all("timed out" in row and "5003 ms" in row for row in rows)
    assert "ClientCidr" in out


def test_a_name_without_tasks_fails_every_port_as_unresolved(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines({}, addresses=[]))
    queue_clean_up(world)
    status, out, _ = run(world, monkeypatch, capsys)
    world.done()
    assert status == 1
    assert f"{DNS_NAME} resolves to nothing" in out
    assert sum(" unresolved " in line for line in out.splitlines()) == 12


def test_a_task_that_failed_to_start_is_explained_and_cleaned_up(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped(exit_code=None, stop_code="TaskFailedToStart", reason=CANNOT_PULL))
    queue_clean_up(world)  # no log is read: the script never ran
    status, out, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 2
    assert "the probe task did not run: CannotPullContainerError" in err
    assert "cause (image-pull-network)" in err  # doctor's signature for an i/o timeout to the registry
    assert "NAT" in err
    assert "answered" not in out


def test_no_permission_names_the_action_and_still_removes_what_was_made(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    world.ec2.add_response("create_security_group", {"GroupId": PROBE_GROUP})
    world.ecs.add_response("register_task_definition", {"taskDefinition": {"taskDefinitionArn": PROBE_REVISION}})
    world.ecs.add_client_error("run_task", "AccessDeniedException", RUN_TASK_DENIED, 400)
    queue_clean_up(world)
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 2
    assert err.strip().splitlines()[-1] == (
        "probe: no permission: ecs:RunTask (see docs/finfocus-plugin.md#check-that-clients-are-answered-make-probe)"
    )


def test_cleanup_that_is_denied_names_the_command_that_removes_it(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    world.ecs.add_response("deregister_task_definition", {"taskDefinition": {"taskDefinitionArn": PROBE_REVISION}})
    world.ecs.add_client_error("delete_task_definitions", "AccessDeniedException", "not authorized", 400)
    world.ec2.add_client_error("delete_security_group", "UnauthorizedOperation", "not authorized", 403)
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 0  # every port answered; what is left is said
    assert f"aws ec2 delete-security-group --group-id {PROBE_GROUP}" in err


def test_the_group_is_deleted_once_the_stopped_task_releases_it(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    world.ec2.add_client_error(
        "delete_security_group", "DependencyViolation", f"resource {PROBE_GROUP} has a dependent object", 400
    )
    queue_clean_up(world)
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 0, err
    assert "left behind" not in err


def test_ctrl_c_while_waiting_stops_the_task_and_removes_what_was_made(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    world.ecs.add_response("describe_tasks", {"tasks": [{"taskArn": TASK, "lastStatus": "PENDING"}], "failures": []})
    queue_clean_up(world, stop=True)

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(probe, "sleep", interrupt)
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 130
    assert "interrupted" in err


def test_a_log_that_is_not_delivered_yet_is_read_again(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    world.logs.add_client_error(
        "get_log_events", "ResourceNotFoundException", "The specified log stream does not exist."
    )
    queue_log(world, log_lines(all_answered()))
    queue_clean_up(world)
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 0, err


def test_not_a_plugin_stack_is_one_line_before_anything_is_made(monkeypatch, capsys):
    world = World()
    world.sts.add_response("get_caller_identity", {"Account": ACCOUNT_ID, "Arn": "arn:aws:iam::123456789012:user/ops"})
    go_api = {"ServiceName": "api", "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:x"}
    world.cloudformation.add_response("describe_stacks", stack({"VpcId": VPC}, go_api))
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"probe: {STACK} is not a finfocus plugin stack")
    assert "ServiceDnsName" in last and "ClientCidr" in last


def test_no_such_stack_is_one_line(monkeypatch, capsys):
    world = World()
    world.sts.add_response("get_caller_identity", {"Account": ACCOUNT_ID, "Arn": "arn:aws:iam::123456789012:user/ops"})
    world.cloudformation.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 2
    assert (
        err.strip().splitlines()[-1]
        == f"probe: no stack named '{STACK}' in this region: aws cloudformation list-stacks"
    )


def test_subnets_outside_client_cidr_stop_before_anything_is_made(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(ClientCidr="10.0.64.0/20"), INSIDE_CIDRS)
    status, out, err = run(world, monkeypatch, capsys)
    world.done()  # nothing registered, no group created
    assert status == 1
    message = err.strip().splitlines()[-1]
    assert message.startswith(
        f"probe: none of the subnets {INSIDE[0]} (10.0.1.0/24), {INSIDE[1]} (10.0.2.0/24) is inside ClientCidr "
        "10.0.64.0/20"
    )
    assert "every port would time out" in message
    assert out.startswith(f"account {ACCOUNT_ID} ")
    assert "SubnetIds=" in message and "ClientSecurityGroupId" in message


def test_only_the_subnets_inside_client_cidr_are_used_and_the_others_named(monkeypatch, capsys):
    cidrs = {INSIDE[0]: "10.0.1.0/24", OUTSIDE: "10.1.0.0/24"}
    world = World()
    queue_start(world, plugin_parameters(SubnetIds=f"{INSIDE[0]},{OUTSIDE}"), cidrs)
    queue_run(world, subnets_used=[INSIDE[0]])
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    queue_clean_up(world)
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 0, err
    assert f"{OUTSIDE} (10.1.0.0/24) not inside ClientCidr 10.0.0.0/16" in err


def test_a_subnet_larger_than_client_cidr_is_not_inside_it(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(SubnetIds=INSIDE[0], ClientCidr="10.0.1.0/25"), {INSIDE[0]: "10.0.1.0/24"})
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 1
    assert f"none of the subnets {INSIDE[0]} (10.0.1.0/24) is inside ClientCidr 10.0.1.0/25" in err


def test_with_a_client_group_the_probe_runs_in_it_and_creates_none(monkeypatch, capsys):
    world = World()
    parameters = plugin_parameters(ClientCidr="10.0.64.0/20", ClientSecurityGroupId=CLIENT_GROUP)
    queue_start(world, parameters, INSIDE_CIDRS)
    queue_run(world, group=CLIENT_GROUP, create_group=False)
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    queue_clean_up(world, group=False)  # the client group is not the probe's to delete
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 0, err
    assert f"client security group {CLIENT_GROUP}" in err


def test_the_proxy_image_comes_from_the_stack_else_a_pinned_haproxy_alpine(monkeypatch, capsys):
    mirror = f"{ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/haproxy:3.4.3-alpine"
    world = World()
    queue_start(world, plugin_parameters(ProxyImage=mirror), INSIDE_CIDRS)
    queue_run(world, image=mirror)
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    queue_clean_up(world)
    assert run(world, monkeypatch, capsys)[0] == 0
    world.done()
    # A stack without the parameter: the official image's ECR Public mirror, at a 3.x alpine version tag.
    assert re.fullmatch(r"public\.ecr\.aws/docker/library/haproxy:3\.\d+\.\d+-alpine", probe.DEFAULT_PROXY_IMAGE)


def test_params_replace_the_stacks_subnets_and_image(monkeypatch, capsys, tmp_path):
    file = tmp_path / "probe.json"
    image = "registry.example.com/haproxy:3.4.3-alpine"
    file.write_text(json.dumps([f"SubnetIds={OUTSIDE}", f"ProxyImage={image}", "AssignPublicIp=ENABLED", "VpcId=x"]))
    world = World()
    queue_start(world, plugin_parameters(ClientCidr="10.1.0.0/16"), {OUTSIDE: "10.1.0.0/24"})
    queue_run(world, subnets_used=[OUTSIDE], image=image, public_ip="ENABLED")
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    queue_clean_up(world)
    status, _, err = run(world, monkeypatch, capsys, str(file))
    world.done()
    assert status == 0, err


def test_a_bad_params_file_is_one_line_before_any_aws_call(monkeypatch, capsys, tmp_path):
    file = tmp_path / "probe.json"
    file.write_text("{not json")
    world = World()
    status, _, err = run(world, monkeypatch, capsys, str(file))
    world.done()
    assert status == 2
    assert err.count("\n") == 1 and "is not JSON" in err


def test_stack_is_required():
    assert probe.main([]) == 2


def test_an_image_without_wget_is_named_with_the_image_to_use(monkeypatch, capsys):
    debian = "public.ecr.aws/docker/library/haproxy:3.4.3"
    world = World()
    queue_start(world, plugin_parameters(ProxyImage=debian), INSIDE_CIDRS)
    queue_run(world, image=debian)
    queue_wait(world, stopped())
    queue_log(world, ["PROBE missing nslookup wget", "PROBE end"])
    queue_clean_up(world)
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"probe: the image {debian} has no nslookup, wget")
    assert "-alpine" in last


def test_a_task_ecs_no_longer_describes_ends_the_probe(monkeypatch, capsys):
    world = World()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    world.ecs.add_response("describe_tasks", {"tasks": [], "failures": [{"arn": TASK, "reason": "MISSING"}]})
    queue_clean_up(world)  # not stopped again: there is nothing to stop
    status, _, err = run(world, monkeypatch, capsys)
    world.done()
    assert status == 2
    assert err.strip().splitlines()[-1] == f"probe: ECS does not describe the probe task {TASK} (MISSING)"


@pytest.mark.parametrize("layout", ["finfocus-plugin", "finfocus-plugin-10-region"])
def test_the_default_image_is_the_templates_own_proxy_image(layout):
    """One image for the proxy and the probe: a stack without ProxyImage runs the template's default."""
    parameters = built(layout)["Parameters"]
    if "ProxyImage" not in parameters:
        pytest.skip(f"{layout} has no ProxyImage parameter")
    assert parameters["ProxyImage"]["Default"] == probe.DEFAULT_PROXY_IMAGE


def test_the_documented_permissions_are_exactly_the_calls_made(monkeypatch, capsys):
    """The permission list of docs/finfocus-plugin.md against the operations of a run that answers
    and one interrupted (which stops its task); iam:PassRole is no call of its own."""
    called = set()

    def record(model, **_):
        called.add(f"{model.service_model.signing_name}:{model.name}")

    def world_that_records():
        world = World()
        for stub in world.stubs.values():
            stub.client.meta.events.register_first("before-call.*.*", record)
        return world

    world = world_that_records()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    queue_wait(world, stopped())
    queue_log(world, log_lines(all_answered()))
    queue_clean_up(world)
    assert run(world, monkeypatch, capsys)[0] == 0
    world = world_that_records()
    queue_start(world, plugin_parameters(), INSIDE_CIDRS)
    queue_run(world)
    world.ecs.add_response("describe_tasks", {"tasks": [{"taskArn": TASK, "lastStatus": "PENDING"}], "failures": []})
    queue_clean_up(world, stop=True)

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(probe, "sleep", interrupt)
    assert run(world, monkeypatch, capsys)[0] == 130
    page = (ROOT / "docs" / "finfocus-plugin.md").read_text()
    section = page.split("**Permissions.**", 1)[1].split("\n## ", 1)[0]
    action = r"`([a-z0-9]+:[A-Za-z]+)`"
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    documented = set(re.findall(action, section.split("\n\n", 1)[0])) | set(re.findall(action, " ".join(first_cells)))
    assert called | {"iam:PassRole"} == documented
