"""The rehearsal's helpers, in `make test`: the correction of moto's conditional update (on small
inputs, then on this suite's own moto_server), how moto_server is started, and the parts of
tools/rehearse.py that need no server. The whole rehearsal runs in `make test-deep`
(tests/test_rehearsal.py)."""

import importlib.util
import json
import os
import signal
import sys
import types

import boto3
import pytest

from tools import moto_server, rehearse

FIXES = moto_server.FIXES / "sitecustomize.py"


# --- tools/moto_fixes: the update AWS documents for a resource under a Condition ------------------
# "AWS CloudFormation creates entities that are associated with a true condition and ignores
# entities that are associated with a false condition"; an update that makes a condition true
# creates its resources (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html).


class StackResources:
    """moto's ResourceMap in small: conditions already evaluated, what it made (None: skipped), the
    template's resources, and its own diff, which lists only what changed (here: Plain)."""

    def __init__(self):
        self.lazy_condition_map = {"IsOn": True, "IsOff": False}
        self._parsed_resources = {"Plain": "plain", "MadeWhileOn": "made", "StillOff": None, "NowOn": None}
        topic = {"Type": "AWS::SNS::Topic"}
        self._resource_json_map = {
            "Plain": topic,
            "MadeWhileOn": {**topic, "Condition": "IsOn"},
            "StillOff": {**topic, "Condition": "IsOff"},
            "NowOn": {**topic, "Condition": "IsOn"},
            "OnNeverSeen": {**topic, "Condition": "IsOn"},
        }

    def build_resource_diff(self, other_template, parameters=None):
        return {"Add": [], "Modify": ["Plain"], "Remove": []}


@pytest.fixture
def corrected(monkeypatch):
    """moto's parsing module as the correction leaves it: a stand-in that records which of moto's
    own functions the correction calls, and a StackResources over it."""
    calls = []
    parsing = types.ModuleType("moto.cloudformation.parsing")
    parsing.parse_and_update_resource = lambda logical_id, *rest: calls.append(("update", logical_id)) or "updated"
    parsing.parse_and_create_resource = lambda logical_id, *rest: calls.append(("create", logical_id)) or "created"
    parsing.ResourceMap = StackResources
    package = types.ModuleType("moto.cloudformation")
    package.parsing = parsing
    monkeypatch.setitem(sys.modules, "moto.cloudformation", package)
    monkeypatch.setitem(sys.modules, "moto.cloudformation.parsing", parsing)
    # The correction replaces the class's method: put back after the test.
    monkeypatch.setattr(StackResources, "build_resource_diff", StackResources.build_resource_diff)
    spec = importlib.util.spec_from_file_location("moto_fixes_under_test", FIXES)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    resources = StackResources()

    def update(logical_id: str):
        body = resources._resource_json_map[logical_id]
        return parsing.parse_and_update_resource(logical_id, body, resources, "123456789012", "us-east-1")

    return types.SimpleNamespace(update=update, resources=resources, calls=calls)


def test_an_update_updates_a_resource_whose_condition_holds_and_one_without(corrected):
    assert (corrected.update("Plain"), corrected.update("MadeWhileOn")) == ("updated", "updated")
    assert corrected.calls == [("update", "Plain"), ("update", "MadeWhileOn")]


def test_an_update_creates_a_resource_whose_condition_became_true(corrected):
    assert corrected.update("NowOn") == "created"
    assert corrected.calls == [("create", "NowOn")]


def test_an_update_leaves_a_resource_whose_condition_is_false_alone(corrected):
    assert corrected.update("StillOff") is None
    assert corrected.calls == []


def test_an_update_asks_for_every_conditional_resource_moto_has_not_made(corrected):
    """moto's update goes through parse_and_update_resource only for what its diff lists: every
    conditional resource it has not made, skipped before (None) or never looked at, is listed too,
    so that one whose condition now holds is created even though nothing it refers to changed."""
    template = {"Resources": corrected.resources._resource_json_map}
    listed = corrected.resources.build_resource_diff(template, {"Switch": "on"})
    assert listed["Modify"] == ["Plain", "StillOff", "NowOn", "OnNeverSeen"]
    assert [corrected.update(name) for name in listed["Modify"]] == ["updated", None, "created", "created"]
    # A change set's description (no parameters) lists what moto lists.
    assert corrected.resources.build_resource_diff(template)["Modify"] == ["Plain"]


# A stack with a parameter, an unconditional resource and a conditional one, both reading it.
SWITCHED = {
    "Parameters": {
        "Switch": {"Type": "String", "Default": "off", "AllowedValues": ["off", "on"]},
        "Note": {"Type": "String", "Default": "first"},
    },
    "Conditions": {"IsOn": {"Fn::Equals": [{"Ref": "Switch"}, "on"]}},
    "Resources": {
        "Always": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/switched/always", "Type": "String", "Value": {"Ref": "Note"}},
        },
        "WhenOn": {
            "Type": "AWS::SSM::Parameter",
            "Condition": "IsOn",
            "Properties": {"Name": "/switched/when-on", "Type": "String", "Value": {"Ref": "Note"}},
        },
    },
}


def test_the_suites_moto_server_updates_a_conditional_resource_as_aws_does(moto_endpoint):
    """Created with every default (the condition false), updated three times: moto's own update
    answers HTTP 500 to the first; corrected, the conditional resource appears when its condition
    becomes true and follows the next change."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    cloudformation = session.client("cloudformation", endpoint_url=moto_endpoint)
    ssm = session.client("ssm", endpoint_url=moto_endpoint)
    body = json.dumps(SWITCHED)

    def update(**values) -> dict[str, str]:
        parameters = [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]
        if parameters:
            cloudformation.update_stack(StackName="switched", TemplateBody=body, Parameters=parameters)
        else:
            cloudformation.create_stack(StackName="switched", TemplateBody=body)
        resources = cloudformation.describe_stack_resources(StackName="switched")["StackResources"]
        # moto lists a resource it did not make as an entry without IDs.
        made = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r.get("LogicalResourceId")}
        return {logical: ssm.get_parameter(Name=name)["Parameter"]["Value"] for logical, name in made.items()}

    assert update() == {"Always": "first"}
    assert update(Note="second") == {"Always": "second"}
    assert update(Note="second", Switch="on") == {"Always": "second", "WhenOn": "second"}
    assert update(Note="third", Switch="on") == {"Always": "third", "WhenOn": "third"}


# --- tools/moto_server.py -------------------------------------------------------------------------


class Started:
    """What moto_server.start gave subprocess.Popen, with a process id of its own."""

    pid = 424242

    def __init__(self, command, env, **_):
        self.command, self.env = command, env

    def wait(self, timeout=None):
        return 0

    def poll(self):
        return None  # still running until stopped


def test_the_server_loads_the_correction_and_listens_on_loopback(monkeypatch):
    monkeypatch.setattr(moto_server.shutil, "which", lambda name, path=None: "/venv/bin/moto_server")
    monkeypatch.setattr(moto_server.subprocess, "Popen", Started)
    monkeypatch.setattr(moto_server.socket, "create_connection", lambda *a, **k: types.SimpleNamespace(close=list))
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    process, endpoint = moto_server.start()
    assert process.command[:3] == ["/venv/bin/moto_server", "-H", "127.0.0.1"]
    assert endpoint == f"http://127.0.0.1:{process.command[-1]}"
    # sitecustomize is imported from the first folder of the path that has one.
    assert process.env["PYTHONPATH"].split(os.pathsep) == [str(FIXES.parent), "/elsewhere"]
    assert FIXES.is_file()
    assert process.env["MOTO_EC2_LOAD_DEFAULT_AMIS"] == "false"


def test_a_server_that_never_answers_is_stopped_by_its_own_process_id(monkeypatch):
    killed = []
    monkeypatch.setattr(moto_server.shutil, "which", lambda name, path=None: "/venv/bin/moto_server")
    monkeypatch.setattr(moto_server.subprocess, "Popen", Started)
    monkeypatch.setattr(moto_server, "START_SECONDS", 0.05)
    monkeypatch.setattr(moto_server.socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    monkeypatch.setattr(moto_server.os, "kill", lambda pid, sent: killed.append((pid, sent)))
    with pytest.raises(OSError, match="did not answer within"):
        moto_server.start()
    assert killed == [(Started.pid, signal.SIGTERM)]


def test_a_missing_server_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(moto_server.shutil, "which", lambda name, path=None: None)
    with pytest.raises(OSError, match="moto_server is not installed: make template"):
        moto_server.start()


# --- tools/rehearse.py: the parameter file, the environment, what a delete leaves ---------------


@pytest.fixture
def parameter_file(tmp_path, monkeypatch):
    """The file make params-from-stack writes for go-api (ops/params_from_stack/cli.py), the tag to fill in."""
    path = tmp_path / "go-api.rehearsal.local.json"
    entries = [
        "ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/rehearsal-prerequisites/go-api:<fill in: image tag>",
        "VpcId=vpc-0123456789abcdef0",
        "CreateDashboard=false",
    ]
    path.write_text(json.dumps(entries, indent=2) + "\n")
    monkeypatch.setattr(rehearse, "PARAMS", path)
    return path


def test_the_tag_replaces_the_marker_and_nothing_else(parameter_file):
    rehearse.set_tag(parameter_file, "v1.0.0")
    rehearse.set_tag(parameter_file, "v1.1.0")  # a release: the tag the file already has is replaced in turn
    assert json.loads(parameter_file.read_text()) == [
        "ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/rehearsal-prerequisites/go-api:v1.1.0",
        "VpcId=vpc-0123456789abcdef0",
        "CreateDashboard=false",
    ]


def test_a_value_is_set_once_whether_the_file_gives_it_or_not(parameter_file):
    rehearse.set_value(parameter_file, "CreateDashboard", "true")
    rehearse.set_value(parameter_file, "DesiredCount", "2")
    entries = json.loads(parameter_file.read_text())
    assert [e for e in entries if e.startswith(("CreateDashboard=", "DesiredCount="))] == [
        "CreateDashboard=true",
        "DesiredCount=2",
    ]
    assert len(entries) == 4


def test_the_steps_run_against_the_local_server_only(monkeypatch):
    for name, value in {"AWS_PROFILE": "production", "MAKEFLAGS": "-j2", "MAKELEVEL": "1"}.items():
        monkeypatch.setenv(name, value)
    environment = rehearse.Rehearsal("http://127.0.0.1:5000").environment
    assert not {"AWS_PROFILE", "MAKEFLAGS", "MAKELEVEL"} & set(environment)
    assert environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert (environment["AWS_ACCESS_KEY_ID"], environment["AWS_REGION"]) == ("testing", "us-east-1")
    assert environment["AWS_CONFIG_FILE"] == environment["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull


def test_each_tag_is_an_image_of_its_own():
    first, second = (json.loads(rehearse.manifest(c)) for c in "ab")
    assert first["layers"][0]["digest"] == "sha256:" + "a" * 64
    assert first["layers"] != second["layers"]


def test_the_kept_change_set_is_read_from_make_plans_line():
    # As make plan KEEP=1 printed it in a rehearsal.
    told = (
        "  no resource changes\n"
        "kept change set plan-20261207-214154-479; to execute exactly this: make deploy TEMPLATE=go-api "
        "STACK=rehearsal-go-api CHANGE_SET=plan-20261207-214154-479\n"
    )
    assert rehearse.KEPT.search(told).group(1) == "plan-20261207-214154-479"


def test_a_delete_may_leave_only_what_is_kept_on_purpose_or_moto_keeps(monkeypatch):
    said = []
    r = rehearse.Rehearsal("http://127.0.0.1:5000", say=said.append)
    before = {"log-group": ["/aws/other"], "dashboard": []}
    kept = {"log-group": ["/aws/other", "/ecs/rehearsal-go-api"], "ecs-service": ["svc"], "dashboard": []}
    monkeypatch.setattr(rehearse, "inventory", lambda _: kept)
    rehearse.check_left(r, before)
    assert said == [
        "  left: ecs-service svc (moto gap)",
        "  left: log-group /ecs/rehearsal-go-api (meant to stay)",
    ]
    monkeypatch.setattr(rehearse, "inventory", lambda _: {**kept, "dashboard": ["rehearsal-go-api-us-east-1"]})
    with pytest.raises(rehearse.Failed, match="the delete left dashboard"):
        rehearse.check_left(r, before)
