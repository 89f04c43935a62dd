"""The offline part: parameter files against the template, and the Rules evaluator."""

import json
import re

import pytest

from ops.preflight import cli as preflight
from ops.shared import params, rules
from ops.shared.errors import BadInput
from tests.helpers import ROOT

# The shipped files; params/*.local.json are a user's own (git ignores them).
PARAMS = params.committed()


@pytest.mark.parametrize("path", PARAMS, ids=[p.name for p in PARAMS])
def test_shipped_parameter_files_pass(path):
    results = preflight.run(path.name.split(".")[0], str(path), only_offline=True)
    assert (results[0].check, results[0].status) == ("params", "pass")
    # The template's Rules: those about the account's subnets and groups wait for it.
    for result in results[1:]:
        if result.check == "image:plugin-release":  # the plugin templates' image against the releases
            assert result.status == "pass", result
            continue
        assert result.check.startswith("rule:")
        assert result.status == "pass" or (result.status == "skip" and "needs the account" in result.detail), result


def write(tmp_path, entries) -> str:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(entries))
    return str(path)


GOOD_GO_API = [
    "ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1.0.0",
    "TargetGroupArn=arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/go-api-dev/0123456789abcdef",
    "AlbListenerArn=arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/public/0123456789abcdef/fedcba9876543210",
    "VpcId=vpc-0123456789abcdef0",
    "AppSecurityGroupId=sg-0123456789abcdef0",
    "SubnetIds=subnet-0123456789abcdef0,subnet-0fedcba9876543210",
]


def failures(tmp_path, entries, template="go-api") -> dict[str, str]:
    results = preflight.run(template, write(tmp_path, entries), only_offline=True)
    return {r.check: f"{r.detail} | {r.fix}" for r in results if r.status == "fail"}


def test_cloudformation_format_is_read_like_the_cli_format(tmp_path):
    entries = [{"ParameterKey": k, "ParameterValue": v} for k, v in (e.split("=", 1) for e in GOOD_GO_API)]
    assert failures(tmp_path, entries) == {}


@pytest.mark.parametrize(
    ("change", "check", "says"),
    [
        ("ImageUrl=x", "params:ImageUrl", "did you mean ImageUri?"),
        ("TaskSize=300x512", "params:TaskSize", "is not one of"),
        # A pattern matches the whole value (CloudFormation anchors it): a prefix match is not enough.
        ("ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1 extra", "params:ImageUri", "is refused"),
        ("MaxTasks=101", "params:MaxTasks", "above the maximum 100"),
        ("MinTasks=0", "params:MinTasks", "below the minimum 1"),
        ("ContainerPort=http", "params:ContainerPort", "not a number"),
        ("AppSecurityGroupId=sg-123", "params:AppSecurityGroupId", "not a AWS::EC2::SecurityGroup::Id"),
        ("SubnetIds=subnet-0123456789abcdef0,subnet-xyz", "params:SubnetIds", "'subnet-xyz' is not a"),
        ("SubnetIds=subnet-0123456789abcdef0,subnet-0123456789abcdef0", "params:SubnetIds", "names a subnet twice"),
    ],
)
def test_each_value_problem_is_reported(tmp_path, change, check, says):
    key = change.split("=")[0]
    entries = [e for e in GOOD_GO_API if not e.startswith(key + "=")] + [change]
    found = failures(tmp_path, entries)
    assert check in found and says in found[check], found


@pytest.mark.parametrize(
    ("change", "fails"),
    [
        # A value equal to a bound is allowed (go-api: MaxTasks 1-100, MinTasks 1-100).
        ("MaxTasks=100", False),
        ("MaxTasks=101", True),
        ("MinTasks=1", False),
        ("MinTasks=0", True),
    ],
)
def test_bounds_are_inclusive(tmp_path, change, fails):
    key = change.split("=")[0]
    found = failures(tmp_path, [*GOOD_GO_API, "MinTasks=1", change] if key == "MaxTasks" else [*GOOD_GO_API, change])
    assert (f"params:{key}" in found) is fails, found


def test_missing_required_parameter(tmp_path):
    found = failures(tmp_path, GOOD_GO_API[1:])
    assert list(found) == ["params:ImageUri"] and "required" in found["params:ImageUri"]


def test_min_tasks_above_max_tasks(tmp_path):
    found = failures(tmp_path, [*GOOD_GO_API, "MinTasks=5", "MaxTasks=4"])
    assert "MinTasks 5 > MaxTasks 4" in found["params:MinTasks"]
    assert failures(tmp_path, [*GOOD_GO_API, "MinTasks=4", "MaxTasks=4"]) == {}


def test_platform_tiers_in_the_same_subnets(tmp_path):
    entries = json.loads((ROOT / "params" / "platform.dev.json").read_text())
    agent = "PrivateAgentSubnetIds=subnet-0bbbbbbbbbbbbbbbb,subnet-0aaaaaaaaaaaaaaaa"
    same = [agent if e.startswith("PrivateAgentSubnetIds=") else e for e in entries]
    found = failures(tmp_path, same, "platform")
    assert any("PrivateAgentSubnetIds and PrivateAppSubnetIds are the same subnets" in v for v in found.values())


def test_min_and_max_length(tmp_path):
    template = {"Parameters": {"Name": {"Type": "String", "MinLength": 2, "MaxLength": 3}}}
    assert params.check(template, {"Name": "ab"})[0].status == "pass"
    assert params.check(template, {"Name": "abc"})[0].status == "pass"  # at the maximum
    assert "shorter than 2" in params.check(template, {"Name": "a"})[0].detail
    assert "longer than 3" in params.check(template, {"Name": "abcd"})[0].detail


def test_min_tasks_equal_to_max_tasks_is_fine(tmp_path):
    assert failures(tmp_path, [*GOOD_GO_API, "MinTasks=3", "MaxTasks=3"]) == {}


# --- Every fix says what to do --------------------------------------------------------------

# A fix starts with what to do: a verb, or a command to run. Typed here, not read from the code.
FIX_STARTS = ("set ", "change ", "add ", "remove ", "rename ", "list ", "lengthen ", "shorten ", "aws ", "make ")


@pytest.mark.parametrize(
    "entries",
    [
        ["ImageUrl=x"],
        ["Imagine=x"],
        GOOD_GO_API[1:],
        [*GOOD_GO_API, "TaskSize=300x512"],
        [*GOOD_GO_API, "ContainerPort=http"],
        [*GOOD_GO_API, "MaxTasks=101"],
        [e for e in GOOD_GO_API if not e.startswith("ImageUri")] + ["ImageUri=nginx:latest"],
        [e for e in GOOD_GO_API if not e.startswith("VpcId")] + ["VpcId=vpc-12"],
        [e for e in GOOD_GO_API if not e.startswith("SubnetIds")] + ["SubnetIds=subnet-0123456789abcdef0,subnet-x"],
        [*GOOD_GO_API, "MinTasks=5", "MaxTasks=4"],
    ],
    ids=["close-name", "unknown", "missing", "value", "number", "bound", "pattern", "id", "list-item", "pair"],
)
def test_every_fix_says_what_to_do_and_dumps_no_pattern(tmp_path, entries):
    results = [r for r in preflight.run("go-api", write(tmp_path, entries), only_offline=True) if r.status == "fail"]
    assert results
    for result in results:
        assert result.fix.startswith(FIX_STARTS), result
        # A regular expression is no instruction: the constraint's own words say what the value must be.
        assert not re.search(r"\^|\$$|\[[a-z0-9]-", result.fix + result.detail), result


def test_a_missing_parameter_file_is_one_line_naming_what_to_give():
    with pytest.raises(BadInput) as raised:
        preflight.run("go-api", None, only_offline=True)
    message = str(raised.value)
    assert message.startswith(
        "PARAMS is required: go-api needs AlbListenerArn, AppSecurityGroupId, ImageUri, SubnetIds, TargetGroupArn"
    )
    assert "PARAMS=params/go-api.dev.json" in message and "params/go-api.<env>.local.json" in message
    assert "\n" not in message


# --- The plugin's image against the release table (templates/facts.py) ----------------------

PLUGIN = "ghcr.io/rshade/finfocus-plugin-aws-public"
PLUGIN_VALUES = [
    "VpcId=vpc-0123456789abcdef0",
    "SubnetIds=subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    "ClientCidr=10.0.0.0/16",
]


@pytest.mark.parametrize(
    ("template", "image", "status", "says"),
    [
        # The 12-region template serves releases v0.1.1 and v0.1.2 (GUIDE section 4).
        ("finfocus-plugin", f"{PLUGIN}:v0.1.2", "pass", "v0.1.2 is a release of the 12-region layout"),
        ("finfocus-plugin-10-region", f"{PLUGIN}:v0.1.8", "pass", "v0.1.8 is a release of the 10-region layout"),
        # A misspelt repository: the pull would fail minutes into the deploy.
        (
            "finfocus-plugin",
            "ghcr.io/rshade/finfocus-plugin-aws-publik:v0.1.2",
            "fail",
            "is not the plugin's repository",
        ),
        (
            "finfocus-plugin",
            "ghcr.io/rshad/finfocus-plugin-aws-public:v0.1.2",
            "fail",
            "is not the plugin's repository",
        ),
        # No such release.
        ("finfocus-plugin", f"{PLUGIN}:v0.1.9", "fail", "v0.1.9 is no release of the plugin"),
        ("finfocus-plugin", f"{PLUGIN}:0.1.2", "fail", "0.1.2 is no release of the plugin"),
        # A mirror of a release of the other layout: the template's Rules only know ghcr.io names.
        (
            "finfocus-plugin",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/finfocus-plugin-aws-public:v0.1.8",
            "fail",
            "serves the 10-region layout, not this template's 12-region",
        ),
        (
            "finfocus-plugin-10-region",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/finfocus-plugin-aws-public:v0.1.4",
            "pass",
            "v0.1.4 is a release of the 10-region layout",
        ),
        # Another image altogether: its ports are not known.
        (
            "finfocus-plugin",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/pricing:v3",
            "warn",
            "not the plugin's image",
        ),
    ],
)
def test_the_plugin_image_is_checked_against_the_release_table(tmp_path, template, image, status, says):
    results = preflight.run(template, write(tmp_path, [*PLUGIN_VALUES, f"ImageUri={image}"]), only_offline=True)
    (result,) = [r for r in results if r.check == "image:plugin-release"]
    assert result.status == status, result
    assert says in result.detail
    if status != "pass":
        assert result.fix.startswith(("set ImageUri to ghcr.io/rshade/finfocus-plugin-aws-public:<release>", "make "))


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "does not exist"), ("{not json", "is not JSON"), ('{"a": 1}', "unknown shape"), ('["A"]', "unknown shape")],
)
def test_unreadable_parameter_file_is_bad_input(tmp_path, content, says):
    path = tmp_path / "p.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BadInput, match=says):
        params.read(str(path))


# --- Rules, on small hand-written templates ---------------------------------------------

RULES_TEMPLATE = {
    "Parameters": {
        "Environment": {"Type": "String"},
        "Size": {"Type": "String"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"},
        "Vpc": {"Type": "AWS::EC2::VPC::Id"},
    },
    "Rules": {
        "ProdIsLarge": {
            "RuleCondition": {"Fn::Equals": [{"Ref": "Environment"}, "prod"]},
            "Assertions": [
                {
                    "Assert": {"Fn::Contains": [["large", "xlarge"], {"Ref": "Size"}]},
                    "AssertDescription": "prod needs a large size",
                }
            ],
        },
        "NotTiny": {
            "Assertions": [
                {
                    "Assert": {
                        "Fn::And": [
                            {"Fn::Not": [{"Fn::Equals": [{"Ref": "Size"}, "tiny"]}]},
                            {"Fn::Or": [{"Fn::Equals": [{"Ref": "Environment"}, "dev"]}, {"Fn::Equals": ["a", "a"]}]},
                        ]
                    },
                    "AssertDescription": "tiny is not allowed",
                }
            ]
        },
        "SubnetsInVpc": {
            "Assertions": [
                {
                    "Assert": {"Fn::EachMemberEquals": [{"Fn::ValueOf": ["Subnets", "VpcId"]}, {"Ref": "Vpc"}]},
                    "AssertDescription": "subnets must be in the VPC",
                }
            ]
        },
    },
}
VALUES = {"Environment": "prod", "Size": "large", "Subnets": "subnet-1,subnet-2", "Vpc": "vpc-1"}


def rule_statuses(values, lookup=None) -> dict[str, str]:
    return {r.check: r.status for r in rules.evaluate(RULES_TEMPLATE, values, lookup)}


def test_rules_pass_fail_and_skip_offline():
    assert rule_statuses(VALUES) == {"rule:ProdIsLarge": "pass", "rule:NotTiny": "pass", "rule:SubnetsInVpc": "skip"}
    assert rule_statuses({**VALUES, "Size": "small"})["rule:ProdIsLarge"] == "fail"
    # The condition limits the rule to prod.
    assert rule_statuses({**VALUES, "Environment": "dev", "Size": "small"})["rule:ProdIsLarge"] == "pass"
    assert rule_statuses({**VALUES, "Size": "tiny"})["rule:NotTiny"] == "fail"


def test_value_of_is_evaluated_with_the_account():
    in_vpc = {"subnet-1": "vpc-1", "subnet-2": "vpc-1"}
    assert rule_statuses(VALUES, lambda kind, value, attr: in_vpc[value])["rule:SubnetsInVpc"] == "pass"
    elsewhere = {"subnet-1": "vpc-1", "subnet-2": "vpc-2"}
    found = rules.evaluate(RULES_TEMPLATE, VALUES, lambda kind, value, attr: elsewhere[value])
    failed = next(r for r in found if r.check == "rule:SubnetsInVpc")
    assert failed.status == "fail" and failed.detail == "subnets must be in the VPC"


# The Fn::ValueOf attributes AWS documents per parameter type, typed from
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-rules.html#rules-parameter-attributes
# (security groups: Tags.<key> only; subnets: AvailabilityZone, Tags.<key>, VpcId;
# VPCs: DefaultNetworkAcl, DefaultSecurityGroup, Tags.<key>).
ATTRIBUTES = [
    ("AWS::EC2::SecurityGroup::Id", "Tags.Team", True),
    ("AWS::EC2::SecurityGroup::Id", "VpcId", False),
    ("AWS::EC2::SecurityGroup::Id", "GroupName", False),
    ("AWS::EC2::Subnet::Id", "VpcId", True),
    ("AWS::EC2::Subnet::Id", "AvailabilityZone", True),
    ("AWS::EC2::Subnet::Id", "Tags.Name", True),
    ("AWS::EC2::Subnet::Id", "CidrBlock", False),
    ("AWS::EC2::VPC::Id", "DefaultNetworkAcl", True),
    ("AWS::EC2::VPC::Id", "DefaultSecurityGroup", True),
    ("AWS::EC2::VPC::Id", "Tags.Name", True),
    ("AWS::EC2::VPC::Id", "VpcId", False),
    ("AWS::EC2::VPC::Id", "Tags", False),
    ("AWS::EC2::Image::Id", "Tags.Name", False),
]


def value_of_template(kind: str, attribute: str, function: str) -> dict:
    """A List<kind> parameter and one rule reading ``attribute`` of its items."""
    argument = ["Things", attribute] if function == "Fn::ValueOf" else [f"List<{kind}>", attribute]
    return {
        "Parameters": {"Things": {"Type": f"List<{kind}>"}},
        "Rules": {"Probe": {"Assertions": [{"Assert": {"Fn::EachMemberEquals": [{function: argument}, "x"]}}]}},
    }


@pytest.mark.parametrize("function", ["Fn::ValueOf", "Fn::ValueOfAll"])
@pytest.mark.parametrize(("kind", "attribute", "documented"), ATTRIBUTES)
def test_only_documented_value_of_attributes_are_accepted(kind, attribute, documented, function):
    template = value_of_template(kind, attribute, function)
    unsupported = f"CloudFormation does not support Fn::ValueOf attribute {attribute} for type {kind}"
    # Offline: a documented attribute waits for the account; any other fails at once.
    (offline,) = rules.evaluate(template, {"Things": "id-1,id-2"})
    if documented:
        assert (offline.status, offline.detail.startswith("needs the account")) == ("skip", True), offline
    else:
        assert (offline.status, offline.detail) == ("fail", unsupported)
    # With the account: the lookup is asked only for documented attributes.
    asked = []
    (online,) = rules.evaluate(template, {"Things": "id-1,id-2"}, lambda *key: asked.append(key) or "x")
    if documented:
        assert (online.status, asked) == ("pass", [(kind, "id-1", attribute), (kind, "id-2", attribute)])
    else:
        assert (online.status, online.detail, asked) == ("fail", unsupported, [])
