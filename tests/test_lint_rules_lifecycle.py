"""The stack-lifecycle lint rules (E9113, E9115-E9118) on small templates: each bad one fires, each good one not.

A fixture is named after the rule it is for: ``tests/lint_fixtures/bad/E9115_<what>.yaml``
must make exactly that rule fire (and no other of ours); ``good/E9115_<what>.yaml``
must make none of ours fire.
"""

from pathlib import Path

import pytest
from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.runner.template.runner import run_template_by_data

import templates
from tests.helpers import _custom_rules, custom_findings

FIXTURES = Path(__file__).resolve().parent / "lint_fixtures"
BAD = sorted((FIXTURES / "bad").glob("E*.yaml"))
GOOD = sorted((FIXTURES / "good").glob("E*.yaml"))
# The rules of this file, by what they catch.
LIFECYCLE_RULES = {
    "E9113": "log group not kept on delete and on replace",
    "E9115": "retained resource with a fixed name",
    "E9116": "egress on a security group of another stack without an opt-in",
    "E9117": "catch-all listener rule on a listener of another stack",
    "E9118": "exported task definition ARN",
}


def rule_of(fixture: Path) -> str:
    return fixture.name.split("_", 1)[0]


def findings(fixture: Path) -> list:
    template, errors = decode_str(fixture.read_text())
    assert not errors, errors
    return list(run_template_by_data(template, ConfigMixIn(regions=["us-east-1"]), _custom_rules()))


@pytest.mark.parametrize("fixture", BAD, ids=[f.stem for f in BAD])
def test_rule_fires_on_its_bad_fixture_only(fixture):
    found = findings(fixture)
    assert {m.rule.id for m in found} == {rule_of(fixture)}
    # One line saying what AWS does and how to fix it.
    assert all(len(m.message) > 80 and "\n" not in m.message for m in found)


@pytest.mark.parametrize("fixture", GOOD, ids=[f.stem for f in GOOD])
def test_no_rule_fires_on_a_good_fixture(fixture):
    assert findings(fixture) == []


def test_every_lifecycle_rule_has_a_bad_and_a_good_fixture_and_is_loaded():
    loaded = set(_custom_rules().data)
    assert set(LIFECYCLE_RULES) <= loaded
    assert {rule_of(f) for f in BAD} == set(LIFECYCLE_RULES)
    assert {rule_of(f) for f in GOOD} == set(LIFECYCLE_RULES)


def test_rule_files_are_one_rule_each_and_stand_alone():
    for rule in set(LIFECYCLE_RULES) - {"E9113"}:
        (path,) = (Path(__file__).resolve().parent.parent / "lint_rules").glob(f"{rule}_*.py")
        text = path.read_text()
        assert text.count("(CloudFormationLintRule):") == 1, path
        assert "templates" not in {
            line.split()[1].split(".")[0] for line in text.splitlines() if line.startswith(("import ", "from "))
        }


@pytest.mark.parametrize("name", ["go-api", "platform"])
def test_lifecycle_rules_are_quiet_on_our_templates(name):
    ids = {m.rule.id for m in custom_findings(templates.build(name).to_dict())}
    assert not ids & set(LIFECYCLE_RULES)


def put_back_retain(d):
    d["Resources"]["BffLogGroup"]["DeletionPolicy"] = "Retain"


def put_back_alb_egress(d):
    del d["Resources"]["AlbToBff"]["Condition"]


def put_back_catch_all_default(d):
    d["Parameters"]["PathPattern"]["Default"] = "/*"


def put_back_task_definition_export(d):
    d["Outputs"]["AgentCoreTaskDefinitionArn"]["Export"] = {"Name": {"Fn::Sub": "${AWS::StackName}-X"}}


DEFECTS = [
    ("E9115", put_back_retain),
    ("E9116", put_back_alb_egress),
    ("E9117", put_back_catch_all_default),
    ("E9118", put_back_task_definition_export),
]


@pytest.mark.parametrize(("rule", "defect"), DEFECTS, ids=[f"{r}-{d.__name__}" for r, d in DEFECTS])
def test_each_rule_catches_the_defect_it_was_written_for(rule, defect):
    document = templates.build("platform").to_dict()
    defect(document)
    assert {m.rule.id for m in custom_findings(document)} & set(LIFECYCLE_RULES) == {rule}
