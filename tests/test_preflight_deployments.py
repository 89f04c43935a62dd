"""make preflight on releases: the alarms' load balancer, the second target group and the
production rule of blue/green, linear and canary, a switch back to rolling, the 33-hour limit.

AWS answers are recorded responses (botocore Stubber, which also checks their shape against
the API model); the shapes follow the API references:
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetGroups.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeListeners.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeClusters.html
"""

import datetime
import json

import pytest
from botocore.stub import Stubber

from ops.preflight import cli as preflight
from ops.preflight import deployments, traffic
from ops.preflight import switch as switching
from ops.shared import params
from ops.shared.aws import Account
from ops.shared.context import Context
from ops.shared.template import Values, load
from tests import aws_world

REGION, ACCOUNT = "us-east-1", "123456789012"
ELB = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
LOAD_BALANCER = f"{ELB}:loadbalancer/app/public-alb/50dc6c495c0c9188"
OTHER_LOAD_BALANCER = f"{ELB}:loadbalancer/app/internal-alb/0123456789abcdef"
LISTENER = f"{ELB}:listener/app/public-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
OTHER_LISTENER = f"{ELB}:listener/app/public-alb/50dc6c495c0c9188/0000000000000000"
RULE = f"{ELB}:listener-rule/app/public-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
BLUE = f"{ELB}:targetgroup/go-api-blue/0123456789abcdef"
GREEN = f"{ELB}:targetgroup/go-api-green/fedcba9876543210"
VPC = "vpc-0123456789abcdef0"


@pytest.fixture(scope="module")
def account():
    return Account(aws_world.session())


def context(account, template: str, stack: str | None = None, **values) -> Context:
    document = load(template)
    given = {
        "ImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/go-api:v1",
        "TargetGroupArn": BLUE,
        "AlbListenerArn": LISTENER,
        "VpcId": VPC,
        "AppSecurityGroupId": "sg-0123456789abcdef0",
        "SubnetIds": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
        **values,
    }
    if template == "platform":
        given = {"AlbListenerArn": LISTENER, **values}
    return Context(account, template, Values(document, params.effective(document["Parameters"], given)), stack)


def target_group(arn: str, *, kind="ip", vpc=VPC, port=8080, protocol="HTTP", balancers=(LOAD_BALANCER,)) -> dict:
    return {
        "TargetGroupArn": arn,
        "TargetGroupName": arn.split("/")[1],
        "Protocol": protocol,
        "Port": port,
        "VpcId": vpc,
        "TargetType": kind,
        "LoadBalancerArns": list(balancers),
    }


def listener(balancer=LOAD_BALANCER) -> dict:
    return {"Listeners": [{"ListenerArn": LISTENER, "LoadBalancerArn": balancer, "Port": 443, "Protocol": "HTTPS"}]}


def weighted(weights: dict[str, int], arn=RULE) -> dict:
    groups = [{"TargetGroupArn": group, "Weight": weight} for group, weight in weights.items()]
    action = {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}
    return {"Rules": [{"RuleArn": arn, "Priority": "10", "Actions": [action], "IsDefault": False}]}


def not_found(stub, operation: str, code: str):
    stub.add_client_error(operation, code, f"One or more {operation} not found", 400)


# --- 33 hours of bake at most (offline) -------------------------------------------------


@pytest.mark.parametrize(
    ("step", "steps"),
    # The CloudFormation reference's own examples: 11 % gives 9 steps (not 9.1); 50 % one step
    # (the bake after the first shift only); a step that divides 100 counts one less.
    [("11", 9), ("50", 1), ("10.0", 9), ("3.0", 33), ("33.3", 3), ("100", 0)],
)
def test_linear_steps_as_cloudformation_counts_them(step, steps):
    assert deployments.linear_steps(step) == steps


@pytest.mark.parametrize(
    ("values", "status"),
    [
        # 33 steps of 60 minutes is exactly 33 hours: accepted; one more minute is not.
        ({"LinearStepPercent": "3.0", "LinearStepBakeMinutes": "60", "BakeTimeMinutes": "0"}, "pass"),
        ({"LinearStepPercent": "3.0", "LinearStepBakeMinutes": "60", "BakeTimeMinutes": "1"}, "fail"),
        ({"LinearStepPercent": "10.0", "LinearStepBakeMinutes": "1440", "BakeTimeMinutes": "15"}, "fail"),
    ],
)
def test_a_linear_deployment_over_33_hours_is_refused(values, status):
    (result,) = deployments.duration("go-api", {"DeploymentStrategy": "LINEAR", **values})
    assert (result.check, result.status) == ("deployment.duration", status)


@pytest.mark.parametrize(("canary", "bake", "status"), [("540", "1440", "pass"), ("541", "1440", "fail")])
def test_a_canary_deployment_over_33_hours_is_refused(canary, bake, status):
    values = {"DeploymentStrategy": "CANARY", "CanaryBakeMinutes": canary, "BakeTimeMinutes": bake}
    (result,) = deployments.duration("platform", values)
    assert result.status == status
    if status == "fail":
        assert "1981" in result.detail and "docs/platform.md#deployment-strategies" in result.fix


@pytest.mark.parametrize("strategy", ["ROLLING", "BLUE_GREEN"])
def test_rolling_and_blue_green_have_no_such_limit(strategy):
    assert deployments.duration("go-api", {"DeploymentStrategy": strategy, "BakeTimeMinutes": "1440"}) == []


def test_the_offline_preflight_runs_the_duration_check(tmp_path):
    path = tmp_path / "p.json"
    entries = [
        f"ImageUri={ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/go-api:v1",
        f"TargetGroupArn={BLUE}",
        f"AlbListenerArn={LISTENER}",
        f"VpcId={VPC}",
        "AppSecurityGroupId=sg-0123456789abcdef0",
        "SubnetIds=subnet-0123456789abcdef0",
        "DeploymentStrategy=CANARY",
        f"AlternateTargetGroupArn={GREEN}",
        f"ProductionListenerRuleArn={RULE}",
        "CanaryBakeMinutes=1440",
        "BakeTimeMinutes=1440",
    ]
    path.write_text(json.dumps(entries))
    results = {r.check: r for r in preflight.run("go-api", str(path), only_offline=True)}
    assert results["deployment.duration"].status == "fail"


# --- The alarms' load balancer -------------------------------------------------------------


def test_the_alarms_listener_must_exist(account):
    elbv2 = account.client("elbv2")
    with Stubber(elbv2) as stub:
        not_found(stub, "describe_listeners", "ListenerNotFound")
        (result,) = deployments.alarm_listener(context(account, "go-api"))
    assert (result.check, result.status) == ("alarms.listener", "fail") and "not found" in result.detail


@pytest.mark.parametrize(("balancers", "status"), [((LOAD_BALANCER,), "pass"), ((OTHER_LOAD_BALANCER,), "fail")])
def test_the_target_group_must_be_behind_the_alarms_load_balancer(account, balancers, status):
    elbv2 = account.client("elbv2")
    with Stubber(elbv2) as stub:
        stub.add_response("describe_listeners", listener(), {"ListenerArns": [LISTENER]})
        stub.add_response(
            "describe_target_groups",
            {"TargetGroups": [target_group(BLUE, balancers=balancers)]},
            {"TargetGroupArns": [BLUE]},
        )
        (result,) = deployments.alarm_listener(context(account, "go-api"))
        stub.assert_no_pending_responses()
    assert result.status == status
    if status == "fail":
        assert "not behind the load balancer of AlbListenerArn" in result.detail


# --- The second target group and the production rule ----------------------------------------


SHIFT = {"DeploymentStrategy": "BLUE_GREEN", "AlternateTargetGroupArn": GREEN, "ProductionListenerRuleArn": RULE}


def shift_check(account, alternate: dict | None, rule: dict | None, **values):
    elbv2 = account.client("elbv2")
    with Stubber(elbv2) as stub:
        stub.add_response("describe_listeners", listener(), {"ListenerArns": [LISTENER]})
        stub.add_response("describe_target_groups", {"TargetGroups": [target_group(BLUE)]}, {"TargetGroupArns": [BLUE]})
        if alternate is None:
            not_found(stub, "describe_target_groups", "TargetGroupNotFound")
        else:
            stub.add_response("describe_target_groups", {"TargetGroups": [alternate]}, {"TargetGroupArns": [GREEN]})
            if rule is None:
                not_found(stub, "describe_rules", "RuleNotFound")
            else:
                stub.add_response("describe_rules", rule, {"RuleArns": [values.get("ProductionListenerRuleArn", RULE)]})
        results = deployments.traffic_shift(context(account, "go-api", **{**SHIFT, **values}))
        stub.assert_no_pending_responses()
    return {r.check: r for r in results}


def test_a_matching_second_group_and_rule_pass(account):
    found = shift_check(account, target_group(GREEN), weighted({BLUE: 100, GREEN: 0}))
    assert [r.status for r in found.values()] == ["pass", "pass"]


@pytest.mark.parametrize(
    ("alternate", "says"),
    [
        (target_group(GREEN, kind="instance"), "target type instance, not ip"),
        (target_group(GREEN, vpc="vpc-0fedcba9876543210"), "VPC vpc-0fedcba9876543210, not the first target group's"),
        (target_group(GREEN, port=9090), "port 9090, not the first target group's 8080"),
        (target_group(GREEN, protocol="HTTPS"), "protocol HTTPS, not the first target group's HTTP"),
        (target_group(GREEN, balancers=()), "not attached to the listener's load balancer"),
    ],
)
def test_a_second_group_unlike_the_first_is_refused(account, alternate, says):
    found = shift_check(account, alternate, weighted({BLUE: 100, GREEN: 0}))
    result = found["deployment.target-groups"]
    assert result.status == "fail" and says in result.detail


def test_a_missing_second_group_is_refused(account):
    found = shift_check(account, None, None)
    assert (
        found["deployment.target-groups"].status == "fail" and "not found" in found["deployment.target-groups"].detail
    )


@pytest.mark.parametrize(
    ("rule", "rule_arn", "says"),
    [
        (None, RULE, "not found"),
        (weighted({GREEN: 100}), RULE, "does not forward to TargetGroupArn"),
        (
            weighted({BLUE: 100}, arn=f"{OTHER_LISTENER.replace(':listener/', ':listener-rule/')}/1"),
            f"{OTHER_LISTENER.replace(':listener/', ':listener-rule/')}/1",
            "a rule of another listener than AlbListenerArn",
        ),
    ],
)
def test_a_production_rule_elsewhere_or_not_forwarding_to_the_group_is_refused(account, rule, rule_arn, says):
    found = shift_check(account, target_group(GREEN), rule, ProductionListenerRuleArn=rule_arn)
    result = found["deployment.listener-rule"]
    assert result.status == "fail" and says in result.detail, result


def test_rolling_needs_neither(account):
    (result,) = deployments.traffic_shift(context(account, "go-api"))
    assert result.status == "skip"


def test_the_listener_of_a_rule_is_its_arn_without_the_rule():
    assert deployments.listener_of_rule(RULE) == LISTENER


def test_a_plain_forward_counts_as_weight_one():
    rule = {"Actions": [{"Type": "forward", "TargetGroupArn": BLUE}, {"Type": "fixed-response"}]}
    assert deployments.forward_weights(rule) == {BLUE: 1}


# --- Switching back to rolling, and rewriting the platform's rule ------------------------------

CREATED = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


def deployed(parameters: dict) -> dict:
    return {
        "Stacks": [
            {
                "StackName": "api",
                "CreationTime": CREATED,
                "StackStatus": "UPDATE_COMPLETE",
                "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            }
        ]
    }


def switch(account, template: str, before: dict, now: dict, live: dict[str, int], resources=None):
    cloudformation, elbv2 = account.client("cloudformation"), account.client("elbv2")
    with Stubber(cloudformation) as cf_stub, Stubber(elbv2) as elb_stub:
        cf_stub.add_response("describe_stacks", deployed(before), {"StackName": "api"})
        for logical, physical in (resources or {}).items():
            detail = {
                "StackResourceDetail": {
                    "LogicalResourceId": logical,
                    "PhysicalResourceId": physical,
                    "ResourceType": "AWS::ElasticLoadBalancingV2::ListenerRule",
                    "LastUpdatedTimestamp": CREATED,
                    "ResourceStatus": "UPDATE_COMPLETE",
                }
            }
            cf_stub.add_response("describe_stack_resource", detail, {"StackName": "api", "LogicalResourceId": logical})
        if live:
            elb_stub.add_response("describe_rules", weighted(live), {"RuleArns": [RULE]})
        (result,) = deployments.strategy_switch(context(account, template, stack="api", **now))
        cf_stub.assert_no_pending_responses()
        elb_stub.assert_no_pending_responses()
    return result


def test_back_to_rolling_while_the_traffic_is_on_the_second_group_is_refused(account):
    result = switch(account, "go-api", {**SHIFT, "TargetGroupArn": BLUE}, {}, {BLUE: 0, GREEN: 100})
    assert result.status == "fail"
    assert (
        "production traffic is on the alternate target group" in result.detail
        and "switching to ROLLING" in result.detail
    )
    assert "release once more with BLUE_GREEN" in result.fix and "docs/go-api.md#switching-strategies" in result.fix


def test_back_to_rolling_while_the_traffic_is_on_the_first_group_passes(account):
    result = switch(account, "go-api", {**SHIFT, "TargetGroupArn": BLUE}, {}, {BLUE: 100, GREEN: 0})
    assert result.status == "pass"


def test_a_first_switch_to_blue_green_moves_nothing_back(account):
    result = switch(account, "go-api", {"DeploymentStrategy": "ROLLING"}, SHIFT, {})
    assert result.status == "pass"


PLATFORM_RESOURCES = {"BffListenerRule": RULE, "BffTargetGroup": BLUE, "BffAlternateTargetGroup": GREEN}
PLATFORM = {"DeploymentStrategy": "CANARY", "PathPattern": "/app/*", "ListenerRulePriority": "100", "HostHeader": ""}


def test_a_platform_update_that_rewrites_the_rule_while_the_traffic_is_on_the_second_group_is_refused(account):
    now = {**PLATFORM, "PathPattern": "/shop/*"}
    result = switch(account, "platform", PLATFORM, now, {BLUE: 0, GREEN: 100}, PLATFORM_RESOURCES)
    assert result.status == "fail" and "changing PathPattern (it rewrites the rule)" in result.detail
    assert "docs/platform.md#switching-strategies" in result.fix


def test_a_platform_release_that_leaves_the_rule_alone_passes(account):
    result = switch(account, "platform", PLATFORM, PLATFORM, {}, None)
    assert result.status == "pass"


# The prerequisites stack owns go-api's production rule and both target groups; its outputs name them.
PREREQUISITES = {"GoApiPathPattern": "/*", "GoApiRulePriority": "50000", "CertificateArn": "", "ContainerPort": "8080"}
PREREQUISITES_OUTPUTS = {"ProductionListenerRuleArn": RULE, "TargetGroupArn": BLUE, "AlternateTargetGroupArn": GREEN}
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012"


def prerequisites_update(account, now: dict, live: dict[str, int], outputs=PREREQUISITES_OUTPUTS):
    cloudformation, elbv2 = account.client("cloudformation"), account.client("elbv2")
    stack = deployed(PREREQUISITES)
    stack["Stacks"][0]["Outputs"] = [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]
    with Stubber(cloudformation) as cf_stub, Stubber(elbv2) as elb_stub:
        cf_stub.add_response("describe_stacks", stack, {"StackName": "api"})
        if live:
            elb_stub.add_response("describe_rules", weighted(live), {"RuleArns": [RULE]})
        (result,) = deployments.strategy_switch(context(account, "prerequisites", stack="api", **now))
        cf_stub.assert_no_pending_responses()
        elb_stub.assert_no_pending_responses()
    return result


@pytest.mark.parametrize(
    "change",
    [
        {"GoApiPathPattern": "/api/*"},
        {"GoApiRulePriority": "100"},
        # With a certificate the rule moves to the HTTPS listener; another port replaces both groups.
        {"CertificateArn": CERTIFICATE},
        {"ContainerPort": "9090"},
    ],
)
def test_a_prerequisites_update_that_rewrites_go_apis_rule_while_its_traffic_is_on_the_second_group_is_refused(
    account, change
):
    result = prerequisites_update(account, {**PREREQUISITES, **change}, {BLUE: 0, GREEN: 100})
    assert (result.check, result.status) == ("deployment.production-rule", "fail")
    assert "go-api's production traffic is on the second target group" in result.detail
    assert f"changing {next(iter(change))} rewrites its rule" in result.detail
    assert "release go-api once more with its strategy" in result.fix
    assert "docs/prerequisites.md#blue-green-for-go-api" in result.fix


def test_a_prerequisites_update_that_rewrites_the_rule_while_go_apis_traffic_is_on_the_first_group_passes(account):
    result = prerequisites_update(account, {**PREREQUISITES, "GoApiPathPattern": "/api/*"}, {BLUE: 100, GREEN: 0})
    assert result.status == "pass" and "its traffic is on the first target group" in result.detail


def test_a_prerequisites_stack_made_before_the_second_target_group_has_nothing_to_move_back(account):
    outputs = {"TargetGroupArn": BLUE}  # no AlternateTargetGroupArn, no ProductionListenerRuleArn
    result = prerequisites_update(account, {**PREREQUISITES, "GoApiPathPattern": "/api/*"}, {}, outputs)
    assert result.status == "pass" and "forwards to one target group" in result.detail


def test_a_prerequisites_update_that_leaves_the_rule_alone_reads_no_rule(account):
    result = prerequisites_update(account, {**PREREQUISITES, "NatGateways": "one"}, {})
    assert result.status == "pass" and "not rewritten" in result.detail


# --- Container Insights of an existing cluster -----------------------------------------------


@pytest.mark.parametrize(("value", "status"), [("enabled", "pass"), ("enhanced", "pass"), ("disabled", "skip")])
def test_an_existing_cluster_without_container_insights_leaves_one_alarm_blind(account, value, status):
    ecs = account.client("ecs")
    answer = {"clusters": [{"clusterName": "shared", "settings": [{"name": "containerInsights", "value": value}]}]}
    with Stubber(ecs) as stub:
        stub.add_response("describe_clusters", answer, {"clusters": ["shared"], "include": ["SETTINGS"]})
        (result,) = deployments.container_insights(context(account, "go-api", ExistingClusterName="shared"))
    assert (result.check, result.status) == ("alarms.container-insights", status)
    if status == "skip":
        assert "INSUFFICIENT_DATA" in result.detail and "update-cluster-settings" in result.detail


# --- Before a release: the production rule forwards to the group the tasks are in ------------
# Read live, never inferred (docs/releases.md#which-target-group-a-release-replaces). Shapes:
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceRevisions.html
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetHealth.html

SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/apps/go-api-prod-Service-1a2b3c"
REVISION = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service-revision/apps/go-api-prod-Service-1a2b3c/4058285838"
OTHER_REVISION = REVISION[:-1] + "9"


def ecs_service(revisions=(REVISION,)) -> dict:
    current = [{"arn": r, "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0} for r in revisions]
    return {
        "services": [
            {
                "serviceArn": SERVICE_ARN,
                "serviceName": "go-api",
                "status": "ACTIVE",
                **({"currentServiceRevisions": current} if current else {}),
            }
        ],
        "failures": [],
    }


def resolved(groups: list[str], revision=REVISION) -> dict:
    balancers = [{"targetGroupArn": g, "productionListenerRule": RULE} for g in groups]
    return {
        "serviceArn": SERVICE_ARN,
        "serviceRevisionArn": revision,
        "resolvedConfiguration": {"loadBalancers": balancers},
    }


def production_check(account, before: dict, weights: dict, revisions: list[dict] | None, health=None, now=None):
    """The check with the stubbed answers; ``revisions`` None: the service runs no revision."""
    cloudformation, elbv2, ecs = account.client("cloudformation"), account.client("elbv2"), account.client("ecs")
    with Stubber(cloudformation) as cf, Stubber(elbv2) as elb, Stubber(ecs) as ecs_stub:
        cf.add_response("describe_stacks", deployed(before), {"StackName": "api"})
        detail = {
            "LogicalResourceId": "Service",
            "PhysicalResourceId": SERVICE_ARN,
            "ResourceType": "AWS::ECS::Service",
            "LastUpdatedTimestamp": CREATED,
            "ResourceStatus": "UPDATE_COMPLETE",
        }
        cf.add_response(
            "describe_stack_resource",
            {"StackResourceDetail": detail},
            {"StackName": "api", "LogicalResourceId": "Service"},
        )
        arns = [r["serviceRevisionArn"] for r in revisions or []]
        ecs_stub.add_response("describe_services", ecs_service(arns), {"cluster": "apps", "services": [SERVICE_ARN]})
        elb.add_response("describe_rules", weighted(weights), {"RuleArns": [RULE]})
        if arns:
            ecs_stub.add_response(
                "describe_service_revisions",
                {"serviceRevisions": revisions, "failures": []},
                {"serviceRevisionArns": arns},
            )
        for group, states in (health or {}).items():
            found = [
                {"Target": {"Id": f"10.0.1.{i}", "Port": 8080}, "TargetHealth": {"State": s}}
                for i, s in enumerate(states)
            ]
            elb.add_response("describe_target_health", {"TargetHealthDescriptions": found}, {"TargetGroupArn": group})
        results = traffic.production_group(context(account, "go-api", stack="api", **(now or before)))
        for stub in (cf, elb, ecs_stub):
            stub.assert_no_pending_responses()
    (result,) = results
    return result


BEFORE = {**SHIFT, "TargetGroupArn": BLUE}


def test_a_release_with_the_traffic_where_ecs_has_the_tasks_may_start(account):
    """After an odd number of releases ECS has the tasks and the traffic in the alternate group:
    nothing is wrong with that, whatever the template's 100/0 says."""
    result = production_check(account, BEFORE, {BLUE: 0, GREEN: 100}, [resolved([GREEN])])
    assert result.status == "pass" and "go-api-green" in result.detail and "ECS's service revision" in result.detail


def test_a_release_while_the_rule_points_away_from_the_tasks_is_refused_with_the_command_to_point_it_back(account):
    """The rule rewritten to 100/0 (an update of the stack that owns it) while ECS's tasks are in
    the alternate group: requests fail already, and the release must not start."""
    result = production_check(account, BEFORE, {BLUE: 100, GREEN: 0}, [resolved([GREEN])])
    assert result.status == "fail"
    assert "forwards to go-api-blue but the service's tasks are in go-api-green" in result.detail
    command = result.fix.split("--actions '", 1)[1].split("'", 1)[0]
    groups = json.loads(command)[0]["ForwardConfig"]["TargetGroups"]
    assert {g["TargetGroupArn"]: g["Weight"] for g in groups} == {BLUE: 0, GREEN: 100}
    assert f"modify-rule --rule-arn {RULE}" in result.fix


def test_a_release_in_progress_or_a_split_rule_is_refused(account):
    both = [resolved([BLUE]), resolved([GREEN], OTHER_REVISION)]
    result = production_check(account, BEFORE, {BLUE: 100, GREEN: 0}, both)
    assert result.status == "fail" and "2 service revisions are running" in result.detail
    result = production_check(account, BEFORE, {BLUE: 90, GREEN: 10}, [resolved([GREEN])])
    assert result.status == "fail" and "splits the traffic (go-api-blue 90, go-api-green 10)" in result.detail


def test_without_ecs_resolved_groups_the_healthy_targets_say_where_the_tasks_are(account):
    bare = [{"serviceArn": SERVICE_ARN, "serviceRevisionArn": REVISION}]
    health = {BLUE: ["draining"], GREEN: ["healthy", "healthy"]}
    result = production_check(account, BEFORE, {BLUE: 100, GREEN: 0}, bare, health)
    assert result.status == "fail" and "healthy targets" in result.detail
    health = {BLUE: ["healthy"], GREEN: []}
    assert production_check(account, BEFORE, {BLUE: 100, GREEN: 0}, bare, health).status == "pass"


def test_rolling_before_and_after_reads_nothing_live(account):
    cloudformation = account.client("cloudformation")
    with Stubber(cloudformation) as cf:
        cf.add_response("describe_stacks", deployed({"DeploymentStrategy": "ROLLING"}), {"StackName": "api"})
        (result,) = traffic.production_group(context(account, "go-api", stack="api"))
        cf.assert_no_pending_responses()
    assert result.status == "skip"


# --- Switching a live service: two updates where ECS asks for two ------------------------------
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-rolling-to-bluegreen.html
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-bluegreen-to-rolling.html

FIRST_GROUP = {"targetGroupArn": BLUE, "containerName": "api", "containerPort": 8080}
WITH_ADVANCED = {
    **FIRST_GROUP,
    "advancedConfiguration": {
        "alternateTargetGroupArn": GREEN,
        "productionListenerRule": RULE,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/api-LoadBalancerRole-AbCdEf",
    },
}


def switch_steps(account, before: dict, now: dict, balancer: dict, rollouts=("COMPLETED",), *, deploy=False):
    """The switch check (or, ``deploy``, make deploy's refusal) with the service as DescribeServices gives it."""
    cloudformation, ecs = account.client("cloudformation"), account.client("ecs")
    deployments_ = [{"id": f"ecs-svc/{i}", "status": "PRIMARY", "rolloutState": r} for i, r in enumerate(rollouts)]
    described = {"serviceArn": SERVICE_ARN, "serviceName": "go-api", "status": "ACTIVE"}
    described |= {"loadBalancers": [balancer], "deployments": deployments_}
    with Stubber(cloudformation) as cf, Stubber(ecs) as ecs_stub:
        if not deploy:
            cf.add_response("describe_stacks", deployed(before), {"StackName": "api"})
        detail = {
            "LogicalResourceId": "Service",
            "PhysicalResourceId": SERVICE_ARN,
            "ResourceType": "AWS::ECS::Service",
            "LastUpdatedTimestamp": CREATED,
            "ResourceStatus": "UPDATE_COMPLETE",
        }
        cf.add_response(
            "describe_stack_resource",
            {"StackResourceDetail": detail},
            {"StackName": "api", "LogicalResourceId": "Service"},
        )
        ecs_stub.add_response(
            "describe_services",
            {"services": [described], "failures": []},
            {"cluster": "apps", "services": [SERVICE_ARN]},
        )
        if deploy:
            answer = switching.refusal(account, "go-api", "api", deployed(before)["Stacks"][0], now)
        else:
            (answer,) = switching.check(context(account, "go-api", stack="api", **now))
        cf.assert_no_pending_responses()
        ecs_stub.assert_no_pending_responses()
    return answer


def test_rolling_to_blue_green_without_the_advanced_configuration_takes_two_updates(account):
    result = switch_steps(account, {"DeploymentStrategy": "ROLLING"}, SHIFT, FIRST_GROUP)
    assert result.status == "fail"
    assert "without an advanced configuration" in result.detail and "only after a rolling deployment" in result.detail
    assert result.fix.startswith(
        "two updates: first DeploymentStrategy=ROLLING with AlternateTargetGroupArn and ProductionListenerRuleArn"
    )
    assert "then DeploymentStrategy=BLUE_GREEN (docs/go-api.md#switching-strategies)" in result.fix


def test_rolling_to_canary_after_the_rolling_update_with_the_advanced_configuration_is_one_update(account):
    result = switch_steps(
        account, {"DeploymentStrategy": "ROLLING"}, {**SHIFT, "DeploymentStrategy": "CANARY"}, WITH_ADVANCED
    )
    assert result.status == "pass"


@pytest.mark.parametrize(("before", "now"), [({"DeploymentStrategy": "ROLLING"}, SHIFT), (SHIFT, {})])
def test_no_switch_either_way_while_a_deployment_is_in_progress(account, before, now):
    result = switch_steps(account, before, now, WITH_ADVANCED, ("IN_PROGRESS",))
    assert result.status == "fail" and "is in progress" in result.detail


def test_make_deploy_refuses_the_one_update_switch_in_one_line_with_the_next_step(account):
    line = switch_steps(
        account, {"DeploymentStrategy": "ROLLING"}, {"DeploymentStrategy": "LINEAR"}, FIRST_GROUP, deploy=True
    )
    assert "\n" not in line and "Next: two updates: first DeploymentStrategy=ROLLING" in line
    assert (
        switch_steps(
            account, {"DeploymentStrategy": "ROLLING"}, {"DeploymentStrategy": "LINEAR"}, WITH_ADVANCED, deploy=True
        )
        is None
    )


def test_make_deploy_refuses_the_way_back_while_the_traffic_is_on_the_second_group(account):
    """The same reading as preflight's deployment.switch, before any change set."""
    cloudformation, ecs, elbv2 = (account.client(n) for n in ("cloudformation", "ecs", "elbv2"))
    described = {"serviceArn": SERVICE_ARN, "serviceName": "go-api", "status": "ACTIVE"}
    described |= {"loadBalancers": [WITH_ADVANCED], "deployments": [{"id": "ecs-svc/1", "rolloutState": "COMPLETED"}]}
    detail = {
        "LogicalResourceId": "Service",
        "PhysicalResourceId": SERVICE_ARN,
        "ResourceType": "AWS::ECS::Service",
        "LastUpdatedTimestamp": CREATED,
        "ResourceStatus": "UPDATE_COMPLETE",
    }
    with Stubber(cloudformation) as cf, Stubber(ecs) as ecs_stub, Stubber(elbv2) as elb:
        cf.add_response(
            "describe_stack_resource",
            {"StackResourceDetail": detail},
            {"StackName": "api", "LogicalResourceId": "Service"},
        )
        ecs_stub.add_response(
            "describe_services", {"services": [described]}, {"cluster": "apps", "services": [SERVICE_ARN]}
        )
        elb.add_response("describe_rules", weighted({BLUE: 0, GREEN: 100}), {"RuleArns": [RULE]})
        before = {**SHIFT, "TargetGroupArn": BLUE}
        line = switching.refusal(
            account, "go-api", "api", deployed(before)["Stacks"][0], {"DeploymentStrategy": "ROLLING"}
        )
        for stub in (cf, ecs_stub, elb):
            stub.assert_no_pending_responses()
    assert "production traffic is on the alternate target group" in line and "switching to ROLLING" in line
    assert "Next: release once more with BLUE_GREEN" in line and "\n" not in line
