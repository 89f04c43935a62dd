"""The stack-lifecycle rules (E9115-E9118) catch the very defects they were written for.

Their small good and bad fixtures run with every other rule's in test_lint_rules.py;
here each defect is put back into the built platform template, as it once was, and
exactly its rule must fire.
"""

import pytest

import templates
from tests.helpers import custom_findings

LIFECYCLE_RULES = {
    "E9115": "retained resource with a fixed name",
    "E9116": "egress on a security group of another stack without an opt-in",
    "E9117": "catch-all listener rule on a listener of another stack",
    "E9118": "exported task definition ARN",
}


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
    assert not {m.rule.id for m in custom_findings(document)} & set(LIFECYCLE_RULES)
    defect(document)
    assert {m.rule.id for m in custom_findings(document)} & set(LIFECYCLE_RULES) == {rule}


def test_e9119_catches_the_prerequisites_load_balancer_without_its_dependency():
    """The prerequisites' ALB once raced the internet gateway's attachment ("VPC ... has no
    internet gateway"); without its DependsOn, exactly E9119 fires, at the ALB."""
    document = templates.build("prerequisites").to_dict()
    assert custom_findings(document) == []
    del document["Resources"]["LoadBalancer"]["DependsOn"]
    assert [(m.rule.id, m.path) for m in custom_findings(document)] == [("E9119", ["Resources", "LoadBalancer"])]
