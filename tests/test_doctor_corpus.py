"""`make doctor` and `make explain` against real failure texts.

tests/fixtures/doctor/corpus.json holds texts users posted in public issue threads and that
AWS documents, each quoted as it appeared with the address of the page. Every one must map
to the cause the corpus names (or to an honest "unknown"), every pattern of every signature
must be needed by at least one of them, and the order of the table must pick the cause
when several signatures match one text.
"""

import collections
import io
import json
import re

import pytest

from ops.doctor import cli as doctor
from ops.doctor import signatures
from ops.doctor.cli import Findings
from tests.helpers import ROOT

CORPUS_FILE = ROOT / "tests" / "fixtures" / "doctor" / "corpus.json"
CORPUS = json.loads(CORPUS_FILE.read_text())["texts"]
# AWS's own published wordings (tests/test_doctor_catalog.py); the signatures are written from both.
CATALOG = json.loads((ROOT / "tests" / "fixtures" / "doctor" / "catalog.json").read_text())["texts"]
HELD_OUT = json.loads((ROOT / "tests" / "fixtures" / "doctor" / "heldout.json").read_text())["texts"]
KINDS = {"stack event", "stopped task", "service event", "target health", "container log", "text"}
# Every failure family the corpus must hold texts of: the ones users meet most on a first
# deploy of Fargate and CloudFormation, and every source doctor reads (typed here).
FAMILIES = {
    "registry-auth-network",
    "secrets-network",
    "secrets-denied",
    "secrets-kms",
    "platform-mismatch",
    "image-pull-network",
    "image-not-found",
    "image-pull-denied",
    "entrypoint",
    "log-group-exists",
    "logs",
    "memory",
    "app-exit",
    "health-check",
    "target-group",
    "service-linked-role",
    "quota",
    "capacity",
    "cloud-map",
    "dns",
    "stack-state",
    "export-in-use",
    "template",
    "parameters",
    "capabilities",
    "rollout-consequence",
    "unknown",
}
# A fix that would work names the command or setting that repairs the cause: typed from
# the AWS documentation of each (URLs in ops/doctor/signatures.py), not taken from the table.
FIX_MUST_SAY = {
    "service-linked-role": "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
    "vcpu-quota": "--service-code fargate --quota-code L-3032A538",
    "task-count-quota": "--service-code fargate --quota-code L-3032A538",
    "stack-rollback-complete": "aws cloudformation delete-stack --stack-name",
    "requires-capabilities": "--capabilities CAPABILITY_IAM",
    "export-in-use": "aws cloudformation list-imports --export-name",
    "namespace-domain-conflict": "aws route53 list-hosted-zones-by-vpc",
    "cloud-map-instances-registered": "aws servicediscovery deregister-instance",
    "image-platform-mismatch": "--platform linux/amd64",
    "log-group-exists": "aws logs delete-log-group --log-group-name",
    "ecr-auth-network": "ecr.api, ecr.dkr",
    "image-pull-network": "NAT gateway",
    "secrets-kms": "kms:Decrypt",
    "secrets-denied": "ssm:GetParameters",
    "template-format-error": "file://",
    "target-group-without-load-balancer": "DependsOn",
    "listener-priority-in-use": "aws elbv2 describe-rules --listener-arn",
    "out-of-memory": "memory",
    "dns-resolution": "--enable-dns-support",
    # The stopped-task error pages' own remedies: the subnet's free addresses (failed-to-start-error),
    # the secret's Region (resource-not-found-error), NFS on 2049 to the mount targets (efs-volumes).
    "subnet-out-of-addresses": "AvailableIpAddressCount",
    "secret-not-found": "aws secretsmanager describe-secret",
    "efs-mount-failed": "TCP 2049",
    "agent-not-started": "systemctl restart ecs",
    # A log driver other than awslogs: FireLens' router container starts first (using_firelens.html).
    "log-driver-failed": "log router container",
}


def subject(entry: dict) -> str:
    return signatures.context_text(entry["text"], entry.get("resource_type"))


def entry_id(entry: dict) -> str:
    return (
        f"{entry['signature'] or 'unknown'}:{entry['source'].rsplit('/', 2)[-2]}/{entry['source'].rsplit('/', 1)[-1]}"
    )


def test_the_corpus_is_real_and_covers_every_family_and_source():
    assert len(CORPUS) >= 60
    for entry in CORPUS:
        assert entry["source"].startswith("https://"), entry
        assert entry["kind"] in KINDS, entry
        assert entry["text"].strip() == entry["text"] and entry["text"], entry
    assert {entry["family"] for entry in CORPUS} >= FAMILIES
    # Every source doctor reads is represented, and the texts a CLI user sees outside a stack.
    assert {entry["kind"] for entry in CORPUS} == KINDS
    # Secrets Manager's own wording (asm), beside Parameter Store's (ssm).
    assert any("from asm" in entry["text"] for entry in CORPUS)
    assert any("from ssm" in entry["text"] for entry in CORPUS)
    # No text is there twice from the same page.
    pairs = collections.Counter((entry["text"], entry["source"]) for entry in CORPUS)
    assert [pair for pair, count in pairs.items() if count > 1] == []


@pytest.mark.parametrize("entry", CORPUS, ids=[entry_id(e) for e in CORPUS])
def test_each_real_text_maps_to_its_cause(entry):
    found = signatures.best(entry["text"], entry.get("resource_type"))
    assert (found.name if found else None) == entry["signature"]
    if found:
        assert found.family == entry["family"]


def test_each_signature_is_known_from_the_corpus_and_each_pattern_is_needed():
    written_from = CORPUS + CATALOG
    texts = [subject(entry) for entry in written_from]
    for signature in signatures.SIGNATURES:
        assert any(e["signature"] == signature.name for e in written_from), f"{signature.name} has no real text"
        for pattern in signature.patterns:
            assert any(re.search(pattern, text, re.IGNORECASE) for text in texts), (signature.name, pattern)


def test_a_pattern_holds_one_alternative():
    """Alternatives are separate patterns, so that each can be proved needed on its own."""
    for signature in signatures.SIGNATURES:
        for pattern in signature.patterns:
            bare = re.sub(r"\\.|\[[^\]]*\]", "", pattern)  # escapes and character classes may hold a |
            assert "|" not in bare, (signature.name, pattern)


def test_several_signatures_match_some_texts_and_the_order_picks_the_cause():
    """Where a text fits several signatures, the corpus names the cause; the first must be it."""
    ambiguous = [e for e in CORPUS if len(signatures.match(e["text"], e.get("resource_type"))) > 1]
    pairs = {
        (e["signature"], s.name) for e in ambiguous for s in signatures.match(e["text"], e.get("resource_type"))[1:]
    }
    # KMS inside a Secrets Manager failure; a missing image inside "Essential container exited";
    # a private or missing repository inside any pull failure: typed from the corpus' pages.
    assert {
        ("secrets-kms", "secrets-unreadable"),
        ("image-not-found", "essential-container-exited"),
        ("image-missing-or-private", "image-pull-failed"),
        ("secrets-network", "secrets-unreadable"),
        ("image-platform-mismatch", "image-pull-failed"),
    } <= pairs
    for entry in ambiguous:
        assert signatures.match(entry["text"], entry.get("resource_type"))[0].name == entry["signature"]


def test_already_exists_means_a_log_group_only_when_the_text_says_so():
    stack_exists = next(e for e in CORPUS if "already exists and cannot be created again" in e["text"])
    assert signatures.best(stack_exists["text"]) is None
    # The same reason names a log group only through the event's resource type.
    bare = next(e for e in CORPUS if "already exists in stack" in e["text"])
    assert signatures.best(bare["text"]) is None
    assert signatures.best(bare["text"], "AWS::Logs::LogGroup").name == "log-group-exists"
    assert signatures.best(bare["text"], "AWS::ServiceDiscovery::Service") is None


@pytest.mark.parametrize("name", sorted(FIX_MUST_SAY))
def test_the_fix_names_what_repairs_the_cause(name):
    by_name = {s.name: s for s in signatures.SIGNATURES}
    assert FIX_MUST_SAY[name] in by_name[name].fix


def test_quota_fixes_name_the_fargate_quotas_of_each_capacity():
    # L-3032A538 On-Demand, L-36FBB829 Spot (ECS service quotas page).
    by_name = {s.name: s for s in signatures.SIGNATURES}
    for name in ("vcpu-quota", "task-count-quota"):
        fix = by_name[name].fix
        assert fix.index("L-3032A538") < fix.index("L-36FBB829 for Fargate Spot") or "Spot" not in fix
        assert "L-36FBB829" in fix


def test_every_signature_points_to_a_guide_section_that_exists():
    for signature in signatures.SIGNATURES:
        page, _, anchor = signature.section.partition("#")
        headings = re.findall(r"^#+ (.+)$", (ROOT / page).read_text(), re.MULTILINE)
        anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
        assert anchor in anchors, signature.section
        assert signature.source.startswith("https://"), signature.name


def named_family(entry: dict) -> str:
    found = signatures.best(entry["text"], entry.get("resource_type"))
    return found.family if found else "unknown"


def test_doctor_score_per_family_is_complete():
    """The score the guide reports: every family of the texts written from explained (unknown
    texts called unknown), and the held-out texts counted by family, apart."""
    score = collections.defaultdict(lambda: [0, 0, 0, 0])
    for entry in CORPUS + CATALOG:
        found = signatures.best(entry["text"], entry.get("resource_type"))
        score[entry["family"]][0] += 1
        score[entry["family"]][1] += (found.name if found else None) == entry["signature"]
    for entry in HELD_OUT:
        score[entry["family"]][2] += 1
        score[entry["family"]][3] += named_family(entry) == entry["family"]
    assert {family: tuple(counts) for family, counts in score.items() if counts[0] != counts[1]} == {}
    # docs/reference/doctor.md reports the same figures family by family, and
    # docs/preflight-doctor.md the held-out score in all.
    table = (ROOT / "docs" / "reference" / "doctor.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (\d+ \| \d+ \| \d+ \| \d+) \|$", table, re.MULTILINE))
    assert rows == {family: " | ".join(map(str, counts)) for family, counts in score.items()}
    held, held_right = len(HELD_OUT), sum(named_family(e) == e["family"] for e in HELD_OUT)
    page = (ROOT / "docs" / "preflight-doctor.md").read_text()
    assert f"Held out: **{held_right} of {held} named right ({100 * held_right / held:.1f} %)**" in page


# --- Findings: causes before consequences, unknown failures named as such -----------------


def corpus_of(signature: str | None, family: str | None = None) -> dict:
    return next(e for e in CORPUS if e["signature"] == signature and (family is None or e["family"] == family))


def test_a_cause_wins_over_the_consequences_seen_before_it():
    findings = Findings()
    consequence = corpus_of("service-did-not-stabilize")
    findings.add("stack event of Service", consequence["text"], kind="stack event", resource_type="AWS::ECS::Service")
    findings.add("service event", corpus_of("circuit-breaker-rollback")["text"], kind="service event")
    findings.add("stopped task of api", corpus_of("ecr-auth-network")["text"], kind="stopped task")
    checks = [r.check for r in findings.matched()]
    assert checks == [
        "signature:ecr-auth-network",
        "signature:service-did-not-stabilize",
        "signature:circuit-breaker-rollback",
    ]
    assert doctor.summary(findings.matched()).startswith("NOT healthy. Likely cause (signature:ecr-auth-network)")


def test_an_unexplained_failure_is_unknown_with_where_to_look_and_benign_texts_are_not():
    findings = Findings()
    findings.add("stopped task of api", corpus_of(None)["text"], kind="stopped task")
    findings.add("service api event", "(service api) has reached a steady state.", kind="service event", failure=False)
    (result,) = findings.matched()
    assert (result.check, result.status) == ("unknown", "fail")
    assert "no known signature matches what stopped task of api says" in result.detail
    assert "aws ecs describe-tasks --cluster <cluster> --tasks <task>" in result.fix


# --- make explain ----------------------------------------------------------------------------


def test_explain_names_the_cause_fix_and_the_less_specific_matches(capsys):
    text = corpus_of("secrets-kms", "secrets-kms")["text"]
    assert doctor.main(["--explain", text]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cause (secrets-kms): ")
    assert "\nfix: " in out and "kms:Decrypt" in out
    assert "also matches (less specific): secrets-unreadable" in out


def test_explain_reads_standard_input_and_prints_only_json(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(corpus_of("requires-capabilities")["text"] + "\n"))
    assert doctor.main(["--explain", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)  # the whole of stdout is one JSON document
    assert answer["signature"] == "requires-capabilities"
    assert "--capabilities CAPABILITY_IAM" in answer["fix"]


def test_explain_of_an_unknown_text_is_exit_1_with_where_to_look(capsys):
    assert doctor.main(["--explain", corpus_of(None)["text"]]) == 1
    out = capsys.readouterr().out
    assert out.startswith("unknown: no known signature matches this text.\nwhere to look: ")


def test_explain_without_text_is_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert doctor.main(["--explain"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "explain: no text to explain: standard input was empty (make explain TEXT='...')"
    ]


def test_doctor_without_a_stack_is_one_line_and_exit_2(capsys):
    assert doctor.main([]) == 2
    assert capsys.readouterr().err.startswith("doctor: STACK is required")
