"""The project's cfn-lint rules: each fires on its bad fixtures, at the right place, and on nothing else.

One rule per file under lint_rules/ (E9101_<what>.py), one or more fixtures per rule
under tests/lint_rules/fixtures/{bad,good}/ named after the rule. A bad fixture lists
where the rule must fire in ``# path: Resources/...`` comment lines.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import templates
from templates import lint_facts
from tests.helpers import ROOT, _custom_rules, custom_findings

RULES = ROOT / "lint_rules"
FIXTURES = ROOT / "tests" / "lint_rules" / "fixtures"
BAD = sorted((FIXTURES / "bad").glob("*.yaml"))
GOOD = sorted((FIXTURES / "good").glob("*.yaml"))
# cfn-lint --append-rules imports every file matching this under the folder, at any depth.
LOADED_BY_CFN_LINT = "[A-Za-z1-9]*.py"
RULE_FILE = re.compile(r"^[EWI]9\d{3}_[a-z0-9_]+\.py$")


def rule_of(path: Path) -> str:
    return path.name[:5]


def expected_paths(fixture: Path) -> set[str]:
    return {line[len("# path:") :].strip() for line in fixture.read_text().splitlines() if line.startswith("# path:")}


def fixture_findings(fixture: Path) -> list:
    """The project's rules (only those) on a template file, as `cfn-lint --append-rules` reads it."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.template.runner import run_template_by_file_path

    return list(run_template_by_file_path(str(fixture), ConfigMixIn(regions=["us-east-1"]), _custom_rules(), False))


@pytest.mark.parametrize("fixture", BAD, ids=[p.stem for p in BAD])
def test_rule_fires_where_the_bad_fixture_says(fixture):
    findings = fixture_findings(fixture)
    assert {m.rule.id for m in findings} == {rule_of(fixture)}, [f"{m.rule.id} {m.message}" for m in findings]
    assert {"/".join(map(str, m.path)) for m in findings} == expected_paths(fixture)
    assert all(len(m.message) > 60 for m in findings)  # says what AWS does and how to fix it


@pytest.mark.parametrize("fixture", GOOD, ids=[p.stem for p in GOOD])
def test_rules_are_quiet_on_the_good_fixture(fixture):
    assert [f"{m.rule.id} {m.message}" for m in fixture_findings(fixture)] == []


@pytest.mark.parametrize("name", list(templates.TEMPLATES))
def test_custom_rules_are_quiet_on_our_templates(name):
    assert custom_findings(templates.build(name).to_dict()) == []


def test_one_rule_per_file_each_with_bad_and_good_fixtures():
    from cfnlint.helpers import create_rules, import_filename

    files = sorted(RULES.rglob(LOADED_BY_CFN_LINT))
    for path in files:
        assert RULE_FILE.match(path.name), f"{path.name}: name rules <id>_<what>.py, helpers _<name>.py"
        ids = [rule.id for rule in create_rules(import_filename(path.stem, str(path.parent)))]
        assert ids == [rule_of(path)], f"{path.relative_to(ROOT)} defines {ids}"
    loaded = set(_custom_rules().data)
    assert loaded == {rule_of(p) for p in files}
    assert len(loaded) >= 20  # E9101-E9120
    assert {rule_of(p) for p in BAD} == loaded, "every rule needs a bad fixture (and every bad fixture a rule)"
    assert {rule_of(p) for p in GOOD} == loaded, "every rule needs a good fixture (and every good fixture a rule)"
    assert all(expected_paths(p) for p in BAD), "every bad fixture says where its rule fires (# path: ...)"


def test_rule_facts_file_matches_templates_facts():
    written = json.loads((RULES / "facts.json").read_text())
    assert written == lint_facts.lint_facts(), f"lint_rules/facts.json is stale: run {lint_facts.REGENERATE}"


def test_rule_facts_hold_the_documented_values():
    written = json.loads((RULES / "facts.json").read_text())
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
    assert written["template_body_direct_bytes"] == 51_200
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
    assert written["fargate_sizes"]["256"] == [512, 1024, 2048]
    assert written["fargate_sizes"]["4096"] == list(range(8192, 30721, 1024))
    assert written["fargate_sizes"]["16384"] == list(range(32768, 122881, 8192))


# Makes `import troposphere`, `import awacs` and `import templates` fail, then runs cfn-lint's
# command line: the rules must not need anything but cfn-lint and the standard library.
STAND_ALONE = """
import sys
BLOCKED = {"troposphere", "awacs", "templates"}
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked: {name}")
        return None
sys.meta_path.insert(0, Refuse())
sys.path = [p for p in sys.path if p not in ("", ".")]
from cfnlint.runner.cli import main
sys.argv = ["cfn-lint", "--format", "parseable", "--append-rules", sys.argv[1], "--", *sys.argv[2:]]
main()
"""


def test_rules_load_without_the_project(tmp_path):
    copy = shutil.copytree(RULES, tmp_path / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    bad = [FIXTURES / "bad" / "E9114_invalid_size_offered.yaml", FIXTURES / "bad" / "E9110_pinned_arn.yaml"]
    result = subprocess.run(
        [sys.executable, "-c", STAND_ALONE, str(copy), *map(str, bad)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "blocked" not in result.stderr + result.stdout, result.stderr
    assert ":E9114:" in result.stdout and ":E9110:" in result.stdout, result.stdout + result.stderr


# --- Every variant a rule names is fired on by a bad fixture ---------------------------------
# A rule that names several resource types, properties or value forms must be seen to fire on
# each: a fixture for one variant proves nothing about a typo in the next.


def rule_module(rule: str):
    from cfnlint.helpers import import_filename

    (path,) = RULES.rglob(f"{rule}_*.py")
    return import_filename(path.stem, str(path.parent))


def flagged(rule: str) -> list[tuple[dict, str]]:
    """(fixture as loaded, flagged resource title) for each place a bad fixture of ``rule`` lists."""
    from cfnlint.decode import cfn_yaml

    found = []
    for fixture in (p for p in BAD if rule_of(p) == rule):
        document = cfn_yaml.load(str(fixture))
        found += [(document, path.split("/")[1]) for path in expected_paths(fixture)]
    return found


def flagged_resources(rule: str) -> list[tuple[dict, dict]]:
    return [(document, document["Resources"][title]) for document, title in flagged(rule)]


@pytest.mark.parametrize("rule", ["E9111", "E9115"])
def test_each_named_kind_of_a_name_rule_has_a_bad_fixture(rule):
    table = {"E9111": "_IAM_NAMES", "E9115": "NAME_PROPERTIES"}[rule]
    named = {(body["Type"], key) for _, body in flagged_resources(rule) for key in body.get("Properties", {})}
    missing = sorted(set(getattr(rule_module(rule), table).items()) - named)
    assert missing == [], f"{rule}: no bad fixture with a flagged resource of {missing}"


def test_each_catch_all_form_has_a_bad_fixture():
    forms = set()
    for document, body in flagged_resources("E9117"):
        for condition in body["Properties"]["Conditions"]:
            if isinstance(condition, dict) and condition.get("Field") == "path-pattern":
                values = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get("Values")
                field = "PathPatternConfig" if "PathPatternConfig" in condition else "Values"
                for value in values:
                    if isinstance(value, dict):  # a parameter: its default
                        forms.add(("parameter default", document["Parameters"][value["Ref"]]["Default"]))
                    else:
                        forms.add((field, value))
    assert {value for _, value in forms} == set(rule_module("E9117").CATCH_ALL)
    assert {"PathPatternConfig", "Values", "parameter default"} == {kind for kind, _ in forms}


def test_each_way_a_log_group_is_not_kept_has_a_bad_fixture():
    """Each wrong value of each policy, in a group whose other policy keeps it: the fault alone."""
    keeping = rule_module("E9113").LogGroupRetained.KEEPING
    alone = set()
    for _, body in flagged_resources("E9113"):
        faults = [(key, body.get(key, "absent")) for key, kept in keeping.items() if body.get(key) not in kept]
        if len(faults) == 1:
            alone |= set(faults)
    for key in keeping:
        # absent, Delete, and a value the other attribute or another resource takes
        assert {(key, "absent"), (key, "Delete")} <= alone, key
    assert {("UpdateReplacePolicy", "RetainExceptOnCreate"), ("DeletionPolicy", "Snapshot")} <= alone


def test_each_field_an_a_record_registry_refuses_has_a_bad_fixture():
    fields = set()
    for document, title in flagged("E9104"):
        for registry in document["Resources"][title]["Properties"]["ServiceRegistries"]:
            fields |= set(registry) - {"RegistryArn"}
    assert set(rule_module("E9104").PORT_FIELDS) <= fields


def test_each_hard_coded_part_has_a_bad_fixture():
    said = {
        what
        for fixture in BAD
        if rule_of(fixture) == "E9110"
        for m in fixture_findings(fixture)
        for _, what, _ in rule_module("E9110")._PINNED
        if f"hard-codes the {what}:" in m.message
    }
    assert said == {what for _, what, _ in rule_module("E9110")._PINNED}


def test_each_target_type_e9103_refuses_has_a_bad_fixture():
    types = {body.get("Properties", {}).get("TargetType", "default") for _, body in flagged_resources("E9103")}
    assert {"default", "instance"} <= types
