"""make probe against moto_server (started on 127.0.0.1 by conftest, stopped by its pid): what
the probe makes in EC2 and ECS is really created there, and removed again.

moto runs no container and writes no log, so the answers a task logs are tested with recorded
responses in test_probe.py. Nor can moto 5.2.5 run this task at all: its RunTask adds up each
container's `memory`, which a Fargate container may leave out, and answers HTTP 500 (TypeError
in moto/ecs/models.py _calculate_task_resource_requirements). So here RunTask fails; were it
to succeed, moto's task would stay RUNNING and the probe would stop it after its time limit.
Either way the probe ends with exit status 2, and what it made must be gone. The stack's
outputs and parameters come from a Stubber (moto's CloudFormation would need the whole plugin
stack created first).
"""

import datetime
import json

import pytest
from botocore.stub import Stubber

from ops.probe import cli as probe
from ops.shared.aws import Account
from tests import aws_world
from tests.helpers import ROOT

STACK = "finfocus-moto"


@pytest.fixture(scope="module", autouse=True)
def moto_without_default_amis():
    """Read by moto_server at its first EC2 call: no AMI catalogue to build (a second of CPU)."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        yield


@pytest.fixture
def world(moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setattr(probe, "sleep", lambda seconds: None)
    session = aws_world.session()
    ec2 = session.client("ec2", endpoint_url=moto_endpoint)
    ecs = session.client("ecs", endpoint_url=moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))
    ]
    plugin_group = ec2.create_security_group(GroupName="plugin", Description="plugin", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName=f"{STACK}-cluster")["cluster"]["clusterName"]
    definition = json.loads((ROOT / "output" / "finfocus-plugin.task-definition.json").read_text())
    role = "arn:aws:iam::123456789012:role/finfocus-moto-ExecutionRole-AbCdEf012345"
    definition["executionRoleArn"] = role
    plugin_revision = ecs.register_task_definition(**{**definition, "family": STACK})["taskDefinition"]
    account = Account(session)
    cloudformation = Stubber(account.client("cloudformation"))
    parameters = {
        "VpcId": vpc,
        "SubnetIds": ",".join(subnets),
        "ClientCidr": "10.0.0.0/16",
        "AssignPublicIp": "DISABLED",
    }
    outputs = {
        "ClusterName": cluster,
        "ServiceDnsName": "aws-public.finfocus.local",
        "LogGroupName": f"/ecs/{STACK}",
        "SecurityGroupId": plugin_group,
        "TaskDefinitionArn": plugin_revision["taskDefinitionArn"],
    }
    cloudformation.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": STACK,
                    "CreationTime": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
                    "StackStatus": "CREATE_COMPLETE",
                    "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                }
            ]
        },
    )
    cloudformation.activate()
    monkeypatch.setattr(probe, "Account", lambda: account)
    return {"ec2": ec2, "ecs": ecs, "vpc": vpc, "cluster": cluster}


def test_what_the_probe_made_is_removed_when_its_task_does_not_run_to_the_end(world, capsys):
    status = probe.main([STACK])
    out, err = capsys.readouterr()
    assert status == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("probe: AWS error: RunTask: 500") or "was not done within" in last, last
    assert "left behind" not in err
    ec2, ecs = world["ec2"], world["ecs"]
    # The group it made is gone again; only the VPC's default group and the plugin's remain.
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [world["vpc"]]}])["SecurityGroups"]
    assert sorted(g["GroupName"] for g in groups) == ["default", "plugin"]
    # No task of it is left running.
    assert ecs.list_tasks(cluster=world["cluster"], desiredStatus="RUNNING")["taskArns"] == []
    # Its revision was registered, then deregistered and deleted: listed neither ACTIVE nor INACTIVE.
    assert f"registered arn:aws:ecs:us-east-1:123456789012:task-definition/{STACK}-probe:1" in err
    for state in ("ACTIVE", "INACTIVE"):
        assert ecs.list_task_definitions(familyPrefix=f"{STACK}-probe", status=state)["taskDefinitionArns"] == []
    assert out.startswith("account 123456789012 ")
