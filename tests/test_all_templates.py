"""Properties every template must have, whatever it deploys."""

import json
import re

import pytest

import templates
from tests.helpers import ROOT, built, resources

NAMES = list(templates.TEMPLATES)


@pytest.mark.parametrize("name", NAMES)
def test_console_metadata_groups_and_labels_every_parameter_once(name):
    template = built(name)
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    grouped = [p for group in interface["ParameterGroups"] for p in group["Parameters"]]
    assert sorted(grouped) == sorted(template["Parameters"])
    assert set(interface["ParameterLabels"]) == set(template["Parameters"])


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_described_and_constrained(name):
    for parameter_name, parameter in built(name)["Parameters"].items():
        assert parameter.get("Description"), parameter_name
        if parameter["Type"] in ("String", "Number"):
            assert {"AllowedValues", "AllowedPattern", "MinValue"} & set(parameter), (
                f"{parameter_name} is unconstrained"
            )


@pytest.mark.parametrize("name", NAMES)
def test_exports_are_prefixed_with_the_stack_name(name):
    outputs = built(name)["Outputs"]
    for output_name, output in outputs.items():
        if "Export" in output:
            assert output["Export"]["Name"]["Fn::Sub"].startswith("${AWS::StackName}-"), output_name
    # Only task definition ARNs are left unexported: each release changes them, and an
    # export in use cannot change.
    plain = {output_name for output_name, output in outputs.items() if "Export" not in output}
    assert all(output_name.endswith("TaskDefinitionArn") for output_name in plain), plain
    # ...and every template that defines a task keeps its ARN as a plain output.
    assert bool(plain) == bool(resources(built(name), "AWS::ECS::TaskDefinition")), plain
    for output_name in plain:
        assert resources(built(name), "AWS::ECS::TaskDefinition")[outputs[output_name]["Value"]["Ref"]]


@pytest.mark.parametrize("name", NAMES)
def test_every_service_rolls_back_a_failed_release(name):
    for title, body in resources(built(name), "AWS::ECS::Service").items():
        breaker = body["Properties"]["DeploymentConfiguration"]["DeploymentCircuitBreaker"]
        assert breaker == {"Enable": True, "Rollback": True}, title


# An internet-facing load balancer is the one thing meant to be reached from anywhere,
# and only on HTTP and HTTPS.
WEB_PORTS = {80, 443}


def internet_facing_groups(template: dict) -> set[str]:
    return {
        group["Ref"]
        for body in resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
        if body["Properties"].get("Scheme") == "internet-facing"
        for group in body["Properties"]["SecurityGroups"]
    }


@pytest.mark.parametrize("name", NAMES)
def test_no_ingress_is_open_to_the_world(name):
    template = built(name)
    public = internet_facing_groups(template)
    rules = [
        (title, rule)
        for title, group in resources(template, "AWS::EC2::SecurityGroup").items()
        for rule in group["Properties"].get("SecurityGroupIngress", [])
    ]
    rules += [
        # A rule on a group of this template names it with Fn::GetAtt; on another stack's, with a Ref.
        (body["Properties"]["GroupId"].get("Fn::GetAtt", [None])[0], body["Properties"])
        for body in resources(template, "AWS::EC2::SecurityGroupIngress").values()
    ]
    for group, rule in rules:
        if group in public:
            assert {rule["FromPort"], rule["ToPort"]} <= WEB_PORTS, rule
            continue
        assert rule.get("CidrIp") != "0.0.0.0/0" and "CidrIpv6" not in rule, rule
        cidr = rule.get("CidrIp")
        if isinstance(cidr, dict) and "Fn::GetAtt" in cidr:  # a VPC's range: the VPC's own CidrBlock
            vpc, attribute = cidr["Fn::GetAtt"]
            assert attribute == "CidrBlock", rule
            cidr = resources(template, "AWS::EC2::VPC")[vpc]["Properties"]["CidrBlock"]
        if isinstance(cidr, dict):  # a parameter: its pattern must refuse 0.0.0.0/0
            pattern = template["Parameters"][cidr["Ref"]]["AllowedPattern"]
            assert not re.match(pattern, "0.0.0.0/0")


# Names unique per account and region: two stacks of one template (a StackSet in
# the same account, or dev and prod side by side) must not pick the same one.
REGIONAL_NAMES = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ECS::TaskDefinition": "Family",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::ECS::Service": "ServiceName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::ECR::Repository": "RepositoryName",
}


@pytest.mark.parametrize("name", NAMES)
def test_stackset_safe_names(name):
    template = built(name)
    for title, body in template["Resources"].items():
        properties = body.get("Properties", {})
        key = REGIONAL_NAMES.get(body["Type"])
        if key in properties:
            assert "AWS::StackName" in json.dumps(properties[key]), f"{title}.{key} does not include the stack name"
        if body["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy":
            assert "AWS::StackName" in json.dumps(properties["PolicyName"]), title


@pytest.mark.parametrize("name", NAMES)
def test_fast_yaml_is_the_same_template_as_troposphere_writes(name):
    from cfn_flip import load_yaml

    template = templates.build(name)
    ours = (ROOT / "output" / f"{name}.yaml").read_text()
    assert json.loads(json.dumps(load_yaml(ours))) == json.loads(json.dumps(load_yaml(template.to_yaml())))
    assert json.loads((ROOT / "output" / f"{name}.json").read_text()) == template.to_dict()


@pytest.mark.parametrize("name", NAMES)
def test_json_and_yaml_are_the_same_document_to_cfn_lint(name):
    # `make lint` and `make security` read only the YAML: this is why that is enough.
    from cfnlint.decode import decode

    (from_yaml, yaml_errors), (from_json, json_errors) = (
        decode(str(ROOT / "output" / f"{name}.{suffix}")) for suffix in ("yaml", "json")
    )
    assert not yaml_errors and not json_errors
    assert json.loads(json.dumps(from_json)) == json.loads(json.dumps(from_yaml))


def test_each_template_builder_reads_on_one_screen():
    """A template's ``build`` stays under 80 lines: what it makes, in order, with the details
    in named helpers (a builder that grows past a screen is split, not scrolled)."""
    import ast

    for path in sorted((ROOT / "templates").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name == "build":
                assert node.end_lineno - node.lineno + 1 < 80, f"{path.name}: build has grown past 80 lines"
