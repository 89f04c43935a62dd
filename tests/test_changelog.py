"""An update that replaces what users keep is written down before it ships.

Each built template is compared, offline, with the same template at the last release (the
last commit that gave CHANGELOG.md a version heading; before the first release, the commit
that created it). A change to a property in its resource type's createOnlyProperties (cfn-lint's
copy of the resource schemas) replaces the resource on the next deploy; where that replacement
fails (a fixed name), loses data (a log group, a bucket) or interrupts traffic (a service, a
target group, a Cloud Map service), CHANGELOG.md's Unreleased section must name the template
and the resource. `make plan` shows the same for one stack, from CloudFormation itself.
"""

import json
import re
import subprocess

import pytest

import templates
from ops.deploy import changes
from tests.helpers import ROOT

CHANGELOG = ROOT / "CHANGELOG.md"
VERSION_HEADING = r"^## \[?v?[0-9]"


def git(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=30)


def release_base() -> str | None:
    """The commit the current templates are compared with, or None outside a git checkout."""
    if git("rev-parse", "--git-dir").returncode != 0:
        return None
    released = git("log", "-1", "--format=%H", "-G", VERSION_HEADING, "--", "CHANGELOG.md").stdout.strip()
    if released:
        return released
    created = git("log", "--diff-filter=A", "--format=%H", "--", "CHANGELOG.md").stdout.split()
    return created[-1] if created else "HEAD"


def unreleased(text: str) -> str:
    return text.split("## Unreleased", 1)[1].split("\n## ", 1)[0] if "## Unreleased" in text else ""


def hurts(change: changes.Change) -> bool:
    return change.replaces and bool(change.warnings())


def unrecorded(name: str, before: dict, after: dict, changelog: str) -> list[str]:
    """The warnings of each hurting replacement that the Unreleased section does not name."""
    section = unreleased(changelog)
    entries = [line for line in section.splitlines() if name in line]
    missing = []
    for change in changes.compare(before, after):
        if hurts(change) and not any(re.search(rf"\b{change.logical_id}\b", line) for line in entries):
            missing += [f"{name}: {warning}" for warning in change.warnings()]
    return missing


@pytest.fixture(scope="module")
def base():
    found = release_base()
    if found is None:
        pytest.skip("not a git checkout: nothing to compare with")
    return found


@pytest.mark.parametrize("name", sorted(templates.TEMPLATES))
def test_a_replacement_that_hurts_is_in_the_changelog(base, name):
    shown = git("show", f"{base}:output/{name}.json")
    if shown.returncode != 0:
        pytest.skip(f"{name} is new since {base[:12]}")
    after = json.loads((ROOT / "output" / f"{name}.json").read_text())
    missing = unrecorded(name, json.loads(shown.stdout), after, CHANGELOG.read_text())
    assert missing == [], (
        f"since {base[:12]}, deploying {name} over a stack replaces resources users keep; add a line naming "
        f"`{name}` and each resource under ## Unreleased in CHANGELOG.md:\n" + "\n".join(missing)
    )


def test_the_changelog_has_an_unreleased_section_and_dated_releases():
    text = CHANGELOG.read_text()
    assert text.startswith("# Changelog\n")
    assert "\n## Unreleased\n" in text
    for heading in re.findall(VERSION_HEADING + r".*$", text, re.MULTILINE):
        assert re.search(r"\d{4}-\d{2}-\d{2}", heading), f"{heading}: a release heading carries its date"


# --- The comparison itself, on made-up templates ---------------------------------------------------------


def one(kind: str, **properties) -> dict:
    return {"Resources": {"It": {"Type": kind, "Properties": properties}}}


LOG_GROUP = "AWS::Logs::LogGroup"
CLOUD_MAP = "AWS::ServiceDiscovery::Service"


def test_renaming_a_log_group_replaces_it_and_loses_its_logs():
    before = one(LOG_GROUP, LogGroupName="/ecs/a", RetentionInDays=7)
    (change,) = changes.compare(before, one(LOG_GROUP, LogGroupName="/ecs/b", RetentionInDays=7))
    assert (change.replaces, change.causes) == (True, ["LogGroupName"])
    assert change.warnings() == ["It replaced: the new log group starts empty; the old logs stay in the old group"]


def test_a_replacement_under_the_same_name_fails():
    before = one(LOG_GROUP, LogGroupName="/ecs/a", KmsKeyId="k1")
    (change,) = changes.compare(before, one(LOG_GROUP, LogGroupName="/ecs/a", KmsKeyId="k2"))
    # KmsKeyId is updatable: no replacement, no warning.
    assert (change.replaces, change.warnings()) == (False, [])
    before = one(CLOUD_MAP, Name="api", NamespaceId="ns-1")
    (change,) = changes.compare(before, one(CLOUD_MAP, Name="api", NamespaceId="ns-2"))
    assert change.causes == ["NamespaceId"]
    assert change.warnings()[0].startswith("It replaced but has a fixed Name: the update fails")
    assert "Service contains registered instances" in change.warnings()[1]


def test_an_in_place_change_or_a_new_resource_needs_no_entry():
    before = one("AWS::ECS::Service", DesiredCount=1, ServiceName="api")
    assert not any(
        hurts(c) for c in changes.compare(before, one("AWS::ECS::Service", DesiredCount=2, ServiceName="api"))
    )
    added = {"Resources": {**before["Resources"], "Other": {"Type": LOG_GROUP, "Properties": {}}}}
    assert [c.action for c in changes.compare(before, added)] == ["Add"]


def test_an_entry_names_the_template_and_the_resource():
    before = one(LOG_GROUP, LogGroupName="/ecs/a")
    after = one(LOG_GROUP, LogGroupName="/ecs/b")
    assert unrecorded("go-api", before, after, "# Changelog\n\n## Unreleased\n\n## 1.0.0 (2025-01-01)\n")
    assert unrecorded("go-api", before, after, "## Unreleased\n- `platform`: It is replaced\n")  # another template
    assert not unrecorded("go-api", before, after, "## Unreleased\n- `go-api`: `It` is replaced: its logs stay\n")
    # An entry under a release does not cover an unreleased change.
    assert unrecorded("go-api", before, after, "## Unreleased\n\n## 1.0.0 (2025-01-01)\n- `go-api`: It\n")


FORCED = {"EnableForceNewDeployment": True, "ForceNewDeploymentNonce": "exec-false"}


def test_an_in_place_change_of_a_service_that_forces_deployments_is_a_release():
    """EnableForceNewDeployment "determines whether to force a new deployment of the service"
    (AWS::ECS::Service ForceNewDeployment): on, every update CloudFormation makes to the
    service carries it, so a new desired count replaces the tasks like a new image does."""
    before = one("AWS::ECS::Service", DesiredCount=2, ForceNewDeployment=FORCED)
    (change,) = changes.compare(before, one("AWS::ECS::Service", DesiredCount=3, ForceNewDeployment=FORCED))
    assert not change.replaces and not hurts(change)  # not a replacement: no changelog entry needed for it
    (warning,) = change.warnings()
    assert warning.startswith("It changed in place (DesiredCount):") and "replaces every task" in warning
    for force in (None, {**FORCED, "EnableForceNewDeployment": False}):
        kept = {"ForceNewDeployment": force} if force else {}
        (quiet,) = changes.compare(
            one("AWS::ECS::Service", DesiredCount=2, **kept), one("AWS::ECS::Service", DesiredCount=3, **kept)
        )
        assert quiet.warnings() == [], force
    (other,) = changes.compare(one(LOG_GROUP, RetentionInDays=7), one(LOG_GROUP, RetentionInDays=30))
    assert other.warnings() == []


def test_a_change_set_of_a_service_that_forces_deployments_says_it_is_a_release():
    after = one("AWS::ECS::Service", DesiredCount=3, ForceNewDeployment=FORCED)
    detail = {"Target": {"Attribute": "Properties", "Name": "DesiredCount", "RequiresRecreation": "Never"}}
    resource = {"LogicalResourceId": "It", "ResourceType": "AWS::ECS::Service", "Action": "Modify"}
    described = [{"Type": "Resource", "ResourceChange": {**resource, "Replacement": "False", "Details": [detail]}}]
    (change,) = changes.from_change_set(described, after)
    assert [w.split(":")[0] for w in change.warnings()] == ["It changed in place (DesiredCount)"]
