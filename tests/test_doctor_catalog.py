"""Doctor against AWS's own lists of failure wordings, and against texts it was not written from.

tests/fixtures/doctor/catalog.json quotes AWS's published wordings (the ECS guide's service
event messages and stopped-task errors, CloudFormation's resource handler messages), each with
its page: every one must be explained by the right signature and family. heldout.json holds
real texts from pages no signature was written from: they are scored by family, at least 95 %
right, and never used to write a pattern.
"""

import io
import json
import re

import pytest

from ops.doctor import cli as doctor
from ops.doctor import score as doctor_score
from ops.doctor import signatures
from ops.doctor.cli import Findings
from tests.helpers import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "doctor"
CATALOG = json.loads((FIXTURES / "catalog.json").read_text())["texts"]
HELD_OUT = json.loads((FIXTURES / "heldout.json").read_text())["texts"]
CORPUS = json.loads((FIXTURES / "corpus.json").read_text())["texts"]
KINDS = {"stack event", "stopped task", "service event", "target health", "container log", "text"}
GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
# The lists the signatures are written from: each page must be quoted in the catalog.
CATALOG_PAGES = {
    GUIDE + "service-event-messages.html",
    GUIDE + "service-unhealthy-event-messages.html",
    GUIDE + "stopped-task-errors.html",
    GUIDE + "task_cannot_pull_image.html",
    GUIDE + "cannot-start-container.html",
    GUIDE + "CannotCreateContainerError.html",
    GUIDE + "ecs_service_deployment_events.html",
    "https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract-errors.html",
    # The stopped-task error codes: the table with its examples, then one page per category.
    "https://docs.aws.amazon.com/AmazonECS/latest/userguide/stopped-task-error-codes.html",
    GUIDE + "failed-to-start-error.html",
    GUIDE + "resource-not-found-error.html",
    GUIDE + "spot-interruption-errors.html",
    GUIDE + "out-of-memory.html",
    GUIDE + "container-runtime-error.html",
    GUIDE + "container-runtime-timeout-error.html",
    GUIDE + "cannot-inspect-container.html",
    GUIDE + "cannot-create-volume.html",
}
# Where AWS's own text is read: its documentation, or the documentation's and CloudFormation's sources.
AWS_SOURCES = ("https://docs.aws.amazon.com/", "https://github.com/awsdocs/", "https://github.com/aws-cloudformation/")
# The service event messages page: 24 messages (one per heading of its current version; its 2023 source had
# 14 of them), one of them also in its earlier wording (the unhealthy ELB message before it named the task),
# and the reasons it lists for the placement message (the port one quoted as the event ends).
SERVICE_EVENT_MESSAGES = 24
EARLIER_WORDINGS = 1
PLACEMENT_REASONS = 9


def named(entry: dict) -> signatures.Signature | None:
    return signatures.best(entry["text"], entry.get("resource_type"))


def family_of(text: str) -> str:
    found = signatures.best(text)
    return found.family if found else "unknown"


# --- AWS's catalogs -----------------------------------------------------------------------------


def test_the_catalog_quotes_aws_on_every_page_it_is_written_from():
    for entry in CATALOG:
        assert entry["source"].startswith(AWS_SOURCES), entry
        assert entry["page"].startswith("https://docs.aws.amazon.com/"), entry
        assert entry["kind"] in KINDS and entry["text"].strip() == entry["text"], entry
    assert {entry["page"] for entry in CATALOG} >= CATALOG_PAGES
    events = [e for e in CATALOG if e["page"] == GUIDE + "service-event-messages.html"]
    reasons = [e for e in events if e.get("note", "").startswith(("a reason", "the page quotes the end"))]
    assert (len(events) - len(reasons), len(reasons)) == (SERVICE_EVENT_MESSAGES + EARLIER_WORDINGS, PLACEMENT_REASONS)
    assert len({e["text"] for e in CATALOG}) == len(CATALOG)


@pytest.mark.parametrize("entry", CATALOG, ids=[f"{e['family']}:{e['text'][:60]}" for e in CATALOG])
def test_each_aws_wording_is_explained_by_its_family(entry):
    found = named(entry)
    assert (found.name if found else None) == entry["signature"]
    assert (found.family if found else "unknown") == entry["family"]


# The variants AWS prints for one cause across surfaces and years (stopped reason, service
# event, CloudFormation event; a target group by ARN or by name, in parentheses or not; a
# RequestToken suffix; escaped quotes), with the names and ARNs a real stack would show.
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef"
VARIANTS = [
    (f"Task failed ELB health checks in (target-group {TARGET_GROUP})", "health-check"),
    (
        f"(service api) (port 8080) is unhealthy in (target-group {TARGET_GROUP}) due to (reason Request timed out).",
        "health-check",
    ),
    ("service api (port 8080) is unhealthy in target-group api due to (reason Request timed out).", "health-check"),
    (
        "(service api, taskSet ecs-svc/1234) (task 0123456789abcdef) (port 8080) is unhealthy in "
        "(target-group api) due to (reason Health checks failed with these codes: [502])",
        "health-check",
    ),
    ("Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.", "rollout-consequence"),
    (
        "Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker was "
        "triggered'.\" (RequestToken: 0b7e7c2a-5f8f-4d1e-9d1c-2c3b4a5d6e7f, HandlerErrorCode: GeneralServiceException)",
        "rollout-consequence",
    ),
    (
        "(service api) (deployment ecs-svc/1234567890123456789) deployment failed: tasks failed to start.",
        "rollout-consequence",
    ),
    (
        "CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed "
        "to create shim task: OCI runtime create failed: runc create failed: unable to start container process: "
        'exec: "/app/server": stat /app/server: no such file or directory: unknown',
        "entrypoint",
    ),
    (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v2: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v2: "
        "not found",
        "image-not-found",
    ),
    (
        "Resource handler returned message: \"Resource of type 'AWS::ECS::Service' with identifier 'api' already "
        'exists." (RequestToken: 0b7e7c2a-5f8f-4d1e-9d1c-2c3b4a5d6e7f, HandlerErrorCode: AlreadyExists)',
        "resource-exists",
    ),
    (
        "Resource of type \\'AWS::ServiceDiscovery::Service\\' with identifier \\'srv-0123456789abcdef\\' "
        "already exists.",
        "resource-exists",
    ),
    ("(service api) (deployment ecs-svc/1234567890123456789) deployment failed: alarm detected.", "deployment-alarm"),
    ("(service api) rolling back to deployment ecs-svc/1234567890123456789.", "rollout-consequence"),
    # The memory kill with and without the OutOfMemoryError prefix the stopped reason carries.
    ("OutOfMemoryError: Container killed due to memory usage", "memory"),
    # The stopped-task error codes index names the Spot category with an Error suffix.
    ("SpotInterruptionError", "capacity"),
    # The agent's timeout for any transition, as https://github.com/aws/amazon-ecs-agent/issues/278 shows it.
    ("Could not transition to inspecting; timed out after waiting 10s", "container-runtime"),
    # A missing secret inside the asm retrieval failure: the cause, not the generic secrets failure.
    (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: "
        "unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret "
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf from secrets manager: "
        "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
        "secrets-missing",
    ),
    # ECS's own "Internal error." of a placement stays the Availability Zone cause, not an ENI timeout.
    ("service api was unable to place a task. Reason: Internal error.", "availability-zone"),
    # Another service's InternalError, as an SDK prints it, is not a task that failed to start: S3's
    # (https://github.com/common-voice/common-voice/issues/317) and EC2's
    # (https://github.com/hashicorp/terraform/issues/2055), without the words the pages print before them.
    ("InternalError: We encountered an internal error. Please try again.", "unknown"),
    ("InternalError: An internal error has occurred", "unknown"),
    # RunTask's reason AGENT is the whole text; the failed-to-start page's own sentence about an agent is not it.
    ("AGENT", "placement"),
    (
        "The container instance that you attempted to launch a task onto has an agent that's currently disconnected.",
        "unknown",
    ),
]


@pytest.mark.parametrize(("text", "family"), VARIANTS, ids=[text[:60] for text, _ in VARIANTS])
def test_every_variant_aws_prints_names_the_same_family(text, family):
    assert family_of(text) == family


def test_a_resolve_failure_is_a_missing_tag_only_when_the_registry_says_not_found():
    timeout = next(e["text"] for e in CORPUS if "failed to resolve ref docker.io/tryretool" in e["text"])
    forbidden = next(e["text"] for e in CORPUS if "failed to resolve ref" in e["text"] and "403 Forbidden" in e["text"])
    assert (family_of(timeout), family_of(forbidden)) == ("image-pull-network", "image-pull-denied")


def test_a_log_group_that_exists_stays_its_own_cause():
    text = next(e["text"] for e in CORPUS if "AWS::Logs::LogGroup" in e["text"] and "RequestToken" in e["text"])
    assert [s.name for s in signatures.match(text)][:2] == ["log-group-exists", "resource-exists"]


# --- Ordinary events ----------------------------------------------------------------------------


def test_ordinary_service_events_are_explained_and_never_reported():
    findings = Findings()
    for entry in [e for e in CATALOG + CORPUS if e["family"] == "service-info"]:
        findings.add("service api event", entry["text"], kind="service event")  # even if called a failure
    assert findings.matched() == []
    findings.add("service api event", VARIANTS[0][0], kind="service event")
    assert [r.check for r in findings.matched()] == ["signature:elb-health-check"]


def test_explain_calls_an_ordinary_event_not_a_failure(capsys):
    assert doctor.main(["--explain", "(service api) has reached a steady state."]) == 0
    assert capsys.readouterr().out.startswith("not a failure (service-steady-state): ")


def test_a_failure_wins_over_an_ordinary_event_in_the_same_text():
    text = "(service api) has started 1 tasks: (task 1234). " + VARIANTS[6][0]
    assert [s.name for s in signatures.match(text)] == ["circuit-breaker-rollback", "service-progress"]


# --- The held-out set ---------------------------------------------------------------------------


def test_the_held_out_texts_come_from_pages_no_signature_was_written_from():
    assert len(HELD_OUT) >= 40
    written_from = {e["source"] for e in CORPUS + CATALOG}
    assert sorted({e["source"] for e in HELD_OUT} & written_from) == []
    assert {e["text"] for e in HELD_OUT} & {e["text"] for e in CORPUS + CATALOG} == set()
    families = {s.family for s in signatures.SIGNATURES} | {"unknown"}
    for entry in HELD_OUT:
        assert entry["source"].startswith("https://") and entry["kind"] in KINDS, entry
        assert entry["family"] in families, entry
        assert "signature" not in entry, entry  # scored by family: its cause, read from the text
    # Some texts no signature should claim, so that claiming everything would not score.
    assert sum(e["family"] == "unknown" for e in HELD_OUT) >= 2
    # Texts that were held out and moved once a pattern was written from them say so.
    assert all("held out at first" in e.get("note", "") for e in CORPUS if "held out" in e.get("note", ""))


def test_the_held_out_score_is_at_least_95_percent_by_family():
    right = [e for e in HELD_OUT if family_of_entry(e) == e["family"]]
    assert len(right) >= 0.95 * len(HELD_OUT), [e["source"] for e in HELD_OUT if e not in right]


def family_of_entry(entry: dict) -> str:
    found = named(entry)
    return found.family if found else "unknown"


def test_the_score_command_prints_each_set_and_fails_below_its_target(monkeypatch):
    out = io.StringIO()
    assert doctor_score.main([], out=out.write) == 0
    lines = out.getvalue().splitlines()
    right = sum(family_of_entry(e) == e["family"] for e in HELD_OUT)
    assert f"heldout: {right} of {len(HELD_OUT)} named right ({100 * right / len(HELD_OUT):.1f} %)" in lines
    assert f"catalog: {len(CATALOG)} of {len(CATALOG)} named right (100.0 %)" in lines
    missed = [line for line in lines if line.startswith("  missed")]
    assert len(missed) == len(HELD_OUT) - right
    # Above every held-out score the command fails: the target is a floor, not a figure.
    monkeypatch.setattr(doctor_score, "HELD_OUT_TARGET", (right + 1) / len(HELD_OUT))
    assert doctor_score.main([], out=io.StringIO().write) == 1
    # A written-from text named wrong fails it whatever the held-out score.
    monkeypatch.setattr(doctor_score, "HELD_OUT_TARGET", 0.0)
    wrong = [{**CATALOG[0], "signature": "not-a-signature"}]
    original = doctor_score.texts
    monkeypatch.setattr(doctor_score, "texts", lambda name: wrong if name == "catalog" else original(name))
    assert doctor_score.main([], out=io.StringIO().write) == 1


def test_the_score_command_takes_no_arguments(capsys):
    assert doctor_score.main(["--json"]) == 2
    assert capsys.readouterr().err.startswith("doctor_score: takes no arguments")


def test_the_guide_shows_the_generated_score():
    # The guide holds the one-line score; the table by family is the reference page's.
    page = (ROOT / "docs" / "preflight-doctor.md").read_text()
    line = re.search(
        r"<!-- generated:doctor.score-summary -->\n(.*?)<!-- /generated:doctor.score-summary -->", page, re.S
    )
    table = (ROOT / "docs" / "reference" / "doctor.md").read_text()
    block = re.search(r"<!-- generated:doctor.score -->\n(.*?)<!-- /generated:doctor.score -->", table, re.S)
    assert block and block.group(1) == doctor_score.markdown_table()
    # The summary is the table's last line, held-out score first.
    assert line and line.group(1).startswith("Held out: **") and block.group(1).endswith("\n\n" + line.group(1))
