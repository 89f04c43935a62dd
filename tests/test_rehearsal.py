"""make rehearse: the whole path on moto, and the list of what moto cannot rehearse.

The whole rehearsal takes about ten seconds, so it runs in `make test-deep` (REHEARSAL=1);
`make test` keeps the checks of its parts (tests/test_params_from_stack.py,
tests/test_deploy_tooling.py) and of the list below.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ops.deploy import changes
from ops.preflight import cli as preflight
from ops.shared import invocation
from tests.helpers import ROOT
from tools import moto_gaps, rehearse


def test_every_gap_check_is_a_preflight_check():
    """A gap that names a check preflight does not have would excuse nothing real."""
    known = {name for name, _ in preflight.ACCOUNT_CHECKS}
    for check in moto_gaps.GAP_CHECKS:
        assert check.split(":")[0] in known, check


def test_the_rehearsal_excuses_only_gaps_of_the_list():
    # What moto's stack delete leaves of go-api: ECS has no CloudFormation delete in moto.
    assert {"ecs-cluster", "ecs-service", "task-definition"} == moto_gaps.GAP_LEFTOVERS
    # What the deletes keep on purpose: the log group (logs.py), the bucket and the repositories
    # (DeletionPolicy RetainExceptOnCreate), and nothing that costs by the hour.
    assert {"log-group", "bucket", "repository"} == rehearse.MEANT_TO_STAY
    assert {"vpc.dns", "route:Service", "iam.ecs-service-linked-role"} == moto_gaps.GAP_CHECKS


def test_a_gap_is_found_by_its_name_and_an_unknown_one_is_an_error():
    assert moto_gaps.named("stack delete").left == ("ecs-cluster", "ecs-service", "task-definition")
    with pytest.raises(KeyError):
        moto_gaps.named("stack deletes")


def test_the_conditional_update_correction_is_listed_with_the_aws_page_it_follows():
    """moto's update is corrected, not worked around: the list says so, and by which rule of AWS."""
    (gap,) = [gap for gap in moto_gaps.MOTO_GAPS if "tools/moto_fixes" in gap.consequence]
    assert "Condition" in gap.where
    assert "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html" in (
        gap.consequence
    )
    assert (ROOT / "tools" / "moto_fixes" / "sitecustomize.py").is_file()


def test_the_release_plan_the_rehearsal_looks_for_is_what_make_plan_prints_for_aws():
    """An image release as CloudFormation describes it: the task definition replaced (its
    ContainerDefinitions are create-only), the service changed in place (its TaskDefinition), and
    the dashboard the release turns on added, shaped as https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html"""

    def modify(logical: str, kind: str, replacement: str, name: str, recreation: str) -> dict:
        target = {"Attribute": "Properties", "Name": name, "RequiresRecreation": recreation}
        return {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": logical,
                "ResourceType": kind,
                "Replacement": replacement,
                "Scope": ["Properties"],
                "Details": [{"Target": target, "Evaluation": "Static", "ChangeSource": "ParameterReference"}],
            },
        }

    # The dashboard the release turns on (CreateDashboard=true): a resource its condition now adds.
    added = {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Add",
            "LogicalResourceId": "Dashboard",
            "ResourceType": "AWS::CloudWatch::Dashboard",
            "Scope": [],
            "Details": [],
        },
    }
    described = [
        modify("TaskDefinition", "AWS::ECS::TaskDefinition", "True", "ContainerDefinitions", "Always"),
        modify("Service", "AWS::ECS::Service", "False", "TaskDefinition", "Never"),
        added,
    ]
    lines = [change.line() for change in changes.from_change_set(described, {})]
    assert lines == [
        "~ TaskDefinition (AWS::ECS::TaskDefinition) replaced, because of ContainerDefinitions",
        "~ Service (AWS::ECS::Service) changed in place: TaskDefinition",
        "+ Dashboard (AWS::CloudWatch::Dashboard) add",
    ]
    assert all(any(line.startswith(planned) for line in lines) for planned in rehearse.RELEASE_PLAN)
    assert not any(line.startswith(rehearse.RELEASE_PLAN[0]) for line in lines[1:])


def test_the_guide_lists_every_gap_and_every_step():
    guide = (ROOT / "docs" / "prerequisites.md").read_text()
    gaps = (ROOT / "docs" / "reference" / "moto-gaps.md").read_text()
    assert moto_gaps.table() in gaps  # the generated block, current
    assert "(reference/moto-gaps.md)" in guide
    for step in rehearse.STEPS:
        assert step.what in guide, step.what


def test_make_rehearse_runs_the_module_and_needs_no_aws_cli():
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "rehearse"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "-m tools.rehearse" in done.stdout
    # The AWS CLI a user has is version 2; the virtual environment has none (its awscli is version 1).
    source = (ROOT / "tools" / "rehearse.py").read_text()
    assert "bin/aws" not in source and '"aws"' not in source


@pytest.fixture
def no_server(monkeypatch):
    """A rehearsal stopped before its server: starting one here would be a failure of the test."""

    def start(*_):
        raise AssertionError("moto_server started")

    monkeypatch.setattr(rehearse.moto_server, "start", start)


@pytest.mark.parametrize(("by_make", "elsewhere"), [(False, "--output "), (True, "OUTPUT=")])
def test_a_read_only_checkout_is_one_line_naming_where_to_write(
    monkeypatch, capsys, read_only, no_server, by_make, elsewhere
):
    monkeypatch.chdir(ROOT)
    if by_make:
        monkeypatch.setenv(invocation.ENV, "rehearse")
    else:
        monkeypatch.delenv(invocation.ENV, raising=False)
    read_only(ROOT / "params")
    assert rehearse.main([]) == 2
    somewhere = Path(tempfile.gettempdir()) / "go-api.rehearsal.local.json"
    assert capsys.readouterr() == (
        "",
        "rehearse: cannot write params/go-api.rehearsal.local.json: Read-only file system: "
        f"write it elsewhere, e.g. {elsewhere}{somewhere}\n",
    )


def test_no_writable_temporary_directory_is_one_line_naming_tmpdir(tmp_path, monkeypatch, capsys, no_server):
    gone = tmp_path / "gone"
    monkeypatch.setenv("TMPDIR", str(gone))
    monkeypatch.setattr(tempfile, "tempdir", str(gone))
    assert rehearse.main(["--output", str(tmp_path / "go-api.json")]) == 2
    assert capsys.readouterr() == (
        "",
        f"rehearse: cannot write moto_server's log in {gone}: No such file or directory: "
        "set TMPDIR to a writable directory\n",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not os.environ.get("REHEARSAL"), reason="the whole rehearsal runs in make test-deep")
def test_make_rehearse_in_a_fresh_clone(tmp_path):
    """What a user runs: the committed state, its own moto_server, every step, nothing left in params/."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=60)
    (clone / ".venv").symlink_to((ROOT / ".venv").resolve())
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "rehearse"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    steps = [line for line in done.stdout.splitlines() if line.startswith("== ")]
    assert len(steps) == len(rehearse.STEPS) == 14, steps
    out = done.stdout
    # With AlarmTopicArn, the recovery rule and its role made by CloudFormation, and deleted with the stack.
    assert re.search(
        r"^  \(rehearsal-go-api-AlarmRecoveryRule-\S+ sends recoveries to "
        r"arn:aws:sns:us-east-1:\d{12}:rehearsal-on-call through rehearsal-go-api-AlarmRecoveryRole-\S+\)$",
        out,
        re.MULTILINE,
    )
    # The platform, over 51,200 bytes, planned without S3_BUCKET: through the prerequisites' template bucket.
    assert "$ make plan TEMPLATE=platform STACK=rehearsal-platform PARAMS=params/platform.dev.json" in out
    assert re.search(
        r"^  platform\.yaml is [0-9,]+ bytes, over the 51,200 a template body may have: uploading it to "
        r"rehearsal-prerequisites-templatebucket-\S+, the template bucket of rehearsal-prerequisites \(the only "
        r"prerequisites stack in us-east-1\)$",
        out,
        re.MULTILINE,
    )
    release = "TEMPLATE=go-api STACK=rehearsal-go-api PARAMS=params/go-api.rehearsal.local.json"
    assert f"$ make plan {release} KEEP=1" in out
    assert f"$ make deploy {release} CHANGE_SET=plan-" in out
    assert "executing the kept change set plan-" in out
    assert "ImageUri is v1.1.0; task definition rehearsal-go-api:1 -> rehearsal-go-api:2" in out
    # A resource under a Condition, created by the release that makes its condition true.
    assert "CreateDashboard=true: the update created Dashboard (rehearsal-go-api-us-east-1)" in out
    assert out.count("healthy: no failure found") == 2
    assert "rehearsal-go-api: deleted" in out
    assert "Traceback" not in out + done.stderr
    assert not list((clone / "params").glob("*.local.json"))
    print(next(line for line in out.splitlines() if line.startswith("rehearsed in")), file=sys.stderr)
