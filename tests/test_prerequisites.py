"""The prerequisites template: what it builds for the other templates, in the shapes they expect.

Expected values come from the specifications (seed 004's subnets, seed 003's port and
health path), the AWS documentation cited beside them, and the other templates' own
parameters; none is read from templates/prerequisites/.
"""

import json

import pytest

from ops.shared import params
from ops.shared.rules import evaluate as evaluate_rules
from ops.shared.template import Values
from templates.evaluate import Evaluator
from tests.helpers import built, only, resources

NAME = "prerequisites"


@pytest.fixture(scope="module")
def template() -> dict:
    return built(NAME)


def conditions_in(template: dict, region: str, **given) -> dict[str, bool]:
    values = {key: str(body.get("Default", "")) for key, body in template["Parameters"].items()}
    values.update(given)
    evaluator = Values(template, values, region)
    return {name: evaluator.condition(name) for name in template["Conditions"]}


def created(template: dict, region: str, **given) -> dict[str, dict]:
    """The resources CloudFormation creates for these parameter values in ``region``."""
    holds = conditions_in(template, region, **given)
    return {title: body for title, body in template["Resources"].items() if holds.get(body.get("Condition"), True)}


def test_is_for_every_region_of_the_templates_it_serves_govcloud_included():
    from templates import describe

    regions = set(describe(NAME).regions)
    # The plugin's twelve (GovCloud included) hold go-api's and the platform's.
    assert {"us-east-1", "us-west-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1"} <= regions
    for other in ("finfocus-plugin", "go-api", "platform"):
        assert set(describe(other).regions) <= regions, other


def test_vpc_resolves_private_names(template):
    vpc = only(template, "AWS::EC2::VPC")["Properties"]
    # Interface endpoints with private DNS and Cloud Map need both (preflight's vpc.dns check).
    assert vpc["EnableDnsSupport"] is True and vpc["EnableDnsHostnames"] is True


def test_subnets_have_the_specification_ranges_by_default_and_zones_from_the_region(template):
    parameters = template["Parameters"]
    # Seed 004, FR-031 and FR-032.
    assert [parameters[f"PrivateAppSubnet{n}Cidr"]["Default"] for n in (1, 2)] == ["10.0.11.0/24", "10.0.12.0/24"]
    assert [parameters[f"PrivateAgentSubnet{n}Cidr"]["Default"] for n in (1, 2)] == ["10.0.21.0/24", "10.0.22.0/24"]
    subnets = resources(template, "AWS::EC2::Subnet")
    assert len(subnets) == 8
    for title, body in subnets.items():
        properties = body["Properties"]
        assert properties["CidrBlock"] == {"Ref": f"{title}Cidr"}, title
        zone = properties["AvailabilityZone"]["Fn::Select"]
        assert zone[1] == {"Fn::GetAZs": ""} and zone[0] == int(title[-1]) - 1, title
        assert properties["MapPublicIpOnLaunch"] is False, title


def _default_routes(template: dict, kept: dict) -> dict[str, dict]:
    """Route table logical ID -> its 0.0.0.0/0 route, of the created resources."""
    return {
        body["Properties"]["RouteTableId"]["Ref"]: body["Properties"]
        for body in kept.values()
        if body["Type"] == "AWS::EC2::Route" and body["Properties"].get("DestinationCidrBlock") == "0.0.0.0/0"
    }


def _table_of(template: dict, subnet: str) -> str:
    return next(
        body["Properties"]["RouteTableId"]["Ref"]
        for body in resources(template, "AWS::EC2::SubnetRouteTableAssociation").values()
        if body["Properties"]["SubnetId"] == {"Ref": subnet}
    )


@pytest.mark.parametrize(
    ("choice", "nat_gateways", "second_zone_uses"),
    [("none", 0, None), ("one", 1, "NatGateway1"), ("one-per-zone", 2, "NatGateway2")],
)
def test_egress_choice_sets_the_nat_gateways_and_private_app_routes(template, choice, nat_gateways, second_zone_uses):
    kept = created(template, "us-east-1", NatGateways=choice)
    assert len([b for b in kept.values() if b["Type"] == "AWS::EC2::NatGateway"]) == nat_gateways
    assert len([b for b in kept.values() if b["Type"] == "AWS::EC2::EIP"]) == nat_gateways
    routes = _default_routes(template, kept)
    holds = conditions_in(template, "us-east-1", NatGateways=choice)
    for zone, uses in ((1, "NatGateway1" if nat_gateways else None), (2, second_zone_uses)):
        route = routes.get(_table_of(template, f"PrivateAppSubnet{zone}"))
        assert (route is None) == (uses is None), zone
        if route:
            assert _chosen(route["NatGatewayId"], holds) == {"Ref": uses}, zone
    # The public subnets always reach the internet gateway; the isolated tiers never leave the VPC.
    assert "GatewayId" in routes[_table_of(template, "PublicSubnet1")]
    for subnet in ("PrivateAgentSubnet1", "PrivateAgentSubnet2", "PrivateDataSubnet1", "PrivateDataSubnet2"):
        assert _table_of(template, subnet) not in routes, subnet


def test_what_takes_a_public_address_waits_for_the_internet_gateway(template):
    """CloudFormation's DependsOn page: "the following resources depend on a VPC-gateway attachment
    when they have an associated public IP address and are in a VPC", Elastic Load Balancing load
    balancers and Elastic IP addresses among them; nothing else orders them after it, and an ALB
    made first fails with "VPC vpc-... has no internet gateway"
    (https://github.com/aws-cloudformation/aws-cloudformation-templates/issues/75)."""
    (attachment,) = resources(template, "AWS::EC2::VPCGatewayAttachment")
    public = {
        **resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        **resources(template, "AWS::EC2::EIP"),
        "PublicInternetRoute": template["Resources"]["PublicInternetRoute"],
    }
    assert sorted(public) == ["LoadBalancer", "NatGateway1Address", "NatGateway2Address", "PublicInternetRoute"]
    for title, body in public.items():
        assert attachment in body.get("DependsOn", []), title


def _chosen(value, holds: dict):
    """The branch of an Fn::If these conditions take (a value without one as it is)."""
    if isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        return when_true if holds[condition] else when_false
    return value


PLATFORM_ENDPOINTS = {"ecr.api", "ecr.dkr", "logs", "ssm", "bedrock-runtime", "bedrock-agent-runtime"}
BEDROCK = {"bedrock-runtime", "bedrock-agent-runtime"}
# Where Amazon Bedrock Agents is offered, from https://docs.aws.amazon.com/bedrock/latest/userguide/agents-supported.html
# (of the regions this template is for): there both Bedrock endpoints exist.
AGENTS_REGIONS = {
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-south-1",
    "ca-central-1",
    "sa-east-1",
    "us-gov-west-1",
}


def _interface_services(template: dict, kept: dict) -> set[str]:
    prefix = "com.amazonaws.${AWS::Region}."
    return {
        body["Properties"]["ServiceName"]["Fn::Sub"].removeprefix(prefix)
        for body in kept.values()
        if body["Type"] == "AWS::EC2::VPCEndpoint" and body["Properties"]["VpcEndpointType"] == "Interface"
    }


@pytest.mark.parametrize(
    ("choice", "region", "expected"),
    [
        ("none", "us-east-1", set()),
        ("platform", "us-east-1", PLATFORM_ENDPOINTS),
        ("all", "us-east-1", PLATFORM_ENDPOINTS | {"ssmmessages", "secretsmanager"}),
        # No Bedrock Agents in us-west-1 nor us-gov-east-1: their endpoints would fail the create.
        ("platform", "us-west-1", PLATFORM_ENDPOINTS - BEDROCK),
        ("all", "us-gov-east-1", (PLATFORM_ENDPOINTS - BEDROCK) | {"ssmmessages", "secretsmanager"}),
        ("platform", "us-gov-west-1", PLATFORM_ENDPOINTS),
    ],
)
def test_interface_endpoints_follow_the_choice_and_the_region(template, choice, region, expected):
    assert _interface_services(template, created(template, region, InterfaceEndpoints=choice)) == expected


@pytest.mark.parametrize("region", sorted(AGENTS_REGIONS))
def test_bedrock_endpoints_exist_wherever_bedrock_agents_are_offered(template, region):
    assert _interface_services(template, created(template, region, InterfaceEndpoints="platform")) >= BEDROCK


def test_endpoints_resolve_privately_from_the_private_app_subnets(template):
    for title, body in resources(template, "AWS::EC2::VPCEndpoint").items():
        properties = body["Properties"]
        if properties["VpcEndpointType"] == "Gateway":
            # Free; ECR image layers come from S3: on every private route table.
            assert properties["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}
            tables = {ref["Ref"] for ref in properties["RouteTableIds"]}
            expected = {
                _table_of(template, s) for s in ("PrivateAppSubnet1", "PrivateAppSubnet2", "PrivateAgentSubnet1")
            }
            assert tables == expected | {_table_of(template, "PrivateDataSubnet1")}
            continue
        assert properties["PrivateDnsEnabled"] is True, title
        assert properties["SubnetIds"] == [{"Ref": "PrivateAppSubnet1"}, {"Ref": "PrivateAppSubnet2"}], title
        assert properties["SecurityGroupIds"] == [{"Fn::GetAtt": ["VpcEndpointSecurityGroup", "GroupId"]}], title


def test_load_balancer_answers_404_unless_a_rule_matches_and_redirects_with_a_certificate(template):
    alb = only(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert alb["Scheme"] == "internet-facing" and alb["Type"] == "application"
    assert alb["Subnets"] == [{"Ref": "PublicSubnet1"}, {"Ref": "PublicSubnet2"}]
    listeners = resources(template, "AWS::ElasticLoadBalancingV2::Listener")
    http, https = listeners["HttpListener"]["Properties"], listeners["HttpsListener"]
    assert http["Port"] == 80 and http["Protocol"] == "HTTP"
    condition, with_certificate, without = http["DefaultActions"][0]["Fn::If"]
    assert without["Type"] == "fixed-response" and without["FixedResponseConfig"]["StatusCode"] == "404"
    assert with_certificate["Type"] == "redirect" and with_certificate["RedirectConfig"]["Protocol"] == "HTTPS"
    assert https["Condition"] == condition
    assert https["Properties"]["Port"] == 443 and https["Properties"]["DefaultActions"][0]["Type"] == "fixed-response"
    # AWS's recommended TLS 1.3/1.2 policy (elasticloadbalancing/latest/application/describe-ssl-policies.html).
    assert https["Properties"]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert conditions_in(template, "us-east-1")[condition] is False
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    assert conditions_in(template, "us-east-1", CertificateArn=arn)[condition] is True


def test_go_api_target_group_is_behind_the_listener_on_its_port_and_health_path(template):
    group = resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup")["GoApiTargetGroup"]["Properties"]
    # Fargate tasks register by IP; seed 003: port 8080, health check /health.
    assert group["TargetType"] == "ip"
    assert group["Port"] == {"Ref": "ContainerPort"} and template["Parameters"]["ContainerPort"]["Default"] == 8080
    assert group["HealthCheckPath"] == {"Ref": "GoApiHealthCheckPath"}
    assert template["Parameters"]["GoApiHealthCheckPath"]["Default"] == "/health"
    rule = only(template, "AWS::ElasticLoadBalancingV2::ListenerRule")["Properties"]
    assert rule["ListenerArn"]["Fn::If"][1:] == [{"Ref": "HttpsListener"}, {"Ref": "HttpListener"}]
    # The last priority an ALB rule can have (1-50,000): the platform's rules come first.
    assert template["Parameters"]["GoApiRulePriority"]["Default"] == 50000


def test_go_api_can_release_blue_green_linear_or_canary(template):
    """ECS's blue/green needs a second target group like the first, attached to the same load
    balancer, and a production rule forwarding to the first, whose weights it moves
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html)."""
    groups = resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup")
    first, second = groups["GoApiTargetGroup"]["Properties"], groups["GoApiAlternateTargetGroup"]["Properties"]
    # Type ip, same VPC, port, protocol and health check: ECS registers the same tasks in either.
    assert second == first
    assert second["TargetType"] == "ip" and second["VpcId"] == {"Ref": "Vpc"}
    rule = only(template, "AWS::ElasticLoadBalancingV2::ListenerRule")["Properties"]
    # The rule, not a default action, attaches both: the listener's default stays a 404. All the
    # weight on the first: a rolling go-api, which registers there, gets every request; the
    # second is attached (so health-checked) with no traffic until ECS moves the weights.
    (action,) = rule["Actions"]
    assert action["Type"] == "forward" and "TargetGroupArn" not in action
    assert action["ForwardConfig"]["TargetGroups"] == [
        {"TargetGroupArn": {"Ref": "GoApiTargetGroup"}, "Weight": 100},
        {"TargetGroupArn": {"Ref": "GoApiAlternateTargetGroup"}, "Weight": 0},
    ]
    outputs = template["Outputs"]
    assert outputs["AlternateTargetGroupArn"]["Value"] == {"Ref": "GoApiAlternateTargetGroup"}
    # A listener rule's Ref is its ARN, what go-api's ProductionListenerRuleArn takes.
    assert outputs["ProductionListenerRuleArn"]["Value"] == {"Ref": "GoApiListenerRule"}


def _ingress(template: dict, group: str) -> list[dict]:
    inline = resources(template, "AWS::EC2::SecurityGroup")[group]["Properties"].get("SecurityGroupIngress", [])
    standalone = [
        body["Properties"]
        for body in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if body["Properties"]["GroupId"] == {"Fn::GetAtt": [group, "GroupId"]}
    ]
    return inline + standalone


def _egress(template: dict, group: str) -> list[dict]:
    return resources(template, "AWS::EC2::SecurityGroup")[group]["Properties"]["SecurityGroupEgress"]


def test_security_groups_open_only_what_each_user_needs(template):
    alb = _ingress(template, "AlbSecurityGroup")
    assert sorted((r["FromPort"], r["CidrIp"]) for r in alb) == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")]
    # To the tasks of this VPC only: go-api's port and the platform BFF's (3000, seed 004 FR-025).
    vpc_cidr = {"Fn::GetAtt": ["Vpc", "CidrBlock"]}
    assert [(r["FromPort"], r["CidrIp"]) for r in _egress(template, "AlbSecurityGroup")] == [
        ({"Ref": "ContainerPort"}, vpc_cidr),
        (3000, vpc_cidr),
    ]
    assert _ingress(template, "AppSecurityGroup") == [
        {
            "IpProtocol": "tcp",
            "FromPort": {"Ref": "ContainerPort"},
            "ToPort": {"Ref": "ContainerPort"},
            "Description": "go-api port from the ALB",
            "SourceSecurityGroupId": {"Fn::GetAtt": ["AlbSecurityGroup", "GroupId"]},
        }
    ]
    assert [(r["FromPort"], r["CidrIp"]) for r in _egress(template, "AppSecurityGroup")] == [(443, "0.0.0.0/0")]
    # With private DNS on, whatever in the VPC calls Logs, ECR or SSM reaches the endpoints
    # (https://docs.aws.amazon.com/vpc/latest/userguide/vpce-interface.html): a plugin stack in
    # this VPC too. So they take HTTPS from the VPC's range, as the AWS CDK's interface endpoints
    # do by default (open: true); go-api's rule is kept, so an update revokes nothing.
    endpoints = _ingress(template, "VpcEndpointSecurityGroup")
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in endpoints] == [("tcp", 443, 443)] * 2
    assert [r.get("SourceSecurityGroupId", r.get("CidrIp")) for r in endpoints] == [
        {"Fn::GetAtt": ["AppSecurityGroup", "GroupId"]},
        vpc_cidr,
    ]
    assert _ingress(template, "RdsSecurityGroup") == []  # the platform adds its tiers


@pytest.mark.parametrize(("port", "refused"), [("3000", True), ("8080", False), ("2999", False), ("3001", False)])
def test_go_api_may_not_take_the_bff_port(template, port, refused):
    """With ContainerPort 3000 the ALB group's two egress rules would be one rule to EC2, kept
    once, but recorded twice by CloudFormation: a later ContainerPort change removes the only
    rule to the BFF (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1534).
    The template's Rules refuse the port before anything is created."""
    values = params.effective(template["Parameters"], {"ContainerPort": port})
    failures = [r for r in evaluate_rules(template, values) if r.status == "fail"]
    assert bool(failures) == refused, failures
    if refused:
        (failure,) = failures
        assert failure.detail.startswith("ContainerPort must not be 3000: the ALB's security group already sends")


@pytest.mark.parametrize("group", ["VpcEndpointSecurityGroup", "RdsSecurityGroup"])
def test_groups_that_send_nothing_have_no_allow_all_egress(template, group):
    # Without an egress rule of its own a new group may send anything anywhere; this rule
    # matches no traffic (ICMP type 252 code 86 to 255.255.255.255/32, the AWS CDK's).
    (rule,) = _egress(template, group)
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["CidrIp"]) == (
        "icmp",
        252,
        86,
        "255.255.255.255/32",
    )


def test_knowledge_base_bucket_keeps_its_data_and_refuses_plain_http(template):
    bucket = resources(template, "AWS::S3::Bucket")["KnowledgeBaseBucket"]
    # Kept on delete; deleted only with a create that rolls back, when it is still empty.
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    properties = bucket["Properties"]
    assert "BucketName" not in properties  # a kept bucket never blocks the next create
    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    policy = policy_of(template, "KnowledgeBaseBucket")
    # The kept bucket keeps its policy: deleting the policy resource would strip it from the bucket.
    assert (policy["DeletionPolicy"], policy["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(statement["Resource"]) == 2  # the bucket and its objects


def test_encryption_is_s3_managed_unless_a_key_is_given(template):
    rule = resources(template, "AWS::S3::Bucket")["KnowledgeBaseBucket"]["Properties"]["BucketEncryption"]
    default = rule["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    condition, with_key, without = default["Fn::If"]
    assert with_key == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "KnowledgeBaseKmsKeyArn"}}
    assert without == {"SSEAlgorithm": "AES256"}
    assert conditions_in(template, "us-east-1")[condition] is False
    # The key is an output (for the platform's tasks, which decrypt with it) only when there is one:
    # CloudFormation refuses an empty export.
    output = template["Outputs"]["KnowledgeBaseKmsKeyArn"]
    assert output["Condition"] == condition and output["Value"] == {"Ref": "KnowledgeBaseKmsKeyArn"}


def stack(template: dict, **given) -> dict[str, dict]:
    """The resources as a stack named ``stack`` gets them, conditions and parameters applied."""
    pseudo = {"AWS::StackName": "stack", "AWS::Partition": "aws", "AWS::Region": "us-east-1"}
    return Evaluator(template, {**pseudo, **given}, strict=False, as_deployed=True).resources()


def attributes(resources: dict) -> dict:
    return {a["Key"]: a["Value"] for a in resources["LoadBalancer"]["Properties"]["LoadBalancerAttributes"]}


def test_logs_go_to_the_log_bucket_only_when_one_is_named(template):
    plain = stack(template)
    assert "VpcFlowLog" not in plain and "LoggingConfiguration" not in plain["KnowledgeBaseBucket"]["Properties"]
    assert not {key for key in attributes(plain) if key.startswith("access_logs.")}
    logged = stack(template, LogBucketName="central-logs")
    # ALB access logs: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
    assert {k: v for k, v in attributes(logged).items() if k.startswith("access_logs.")} == {
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": "central-logs",
    }
    # Server access logs of the knowledge base, under a prefix named after the stack.
    assert logged["KnowledgeBaseBucket"]["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": "central-logs",
        "LogFilePrefix": "stack/knowledge-base/",
    }
    # Every flow of the VPC, accepted and rejected: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html
    flow = logged["VpcFlowLog"]["Properties"]
    assert (flow["ResourceType"], flow["TrafficType"], flow["LogDestinationType"]) == ("VPC", "ALL", "s3")
    assert flow["LogDestination"] == "arn:aws:s3:::central-logs" and flow["ResourceId"] == {"Ref": "Vpc"}


def test_the_switches_default_to_off_and_each_turns_on_one_setting(template):
    parameters = template["Parameters"]
    switches = ("LoadBalancerDeletionProtection", "KnowledgeBaseObjectLock", "KnowledgeBaseEvents")
    assert {name: parameters[name]["Default"] for name in switches} == dict.fromkeys(switches, "false")
    plain = stack(template)
    assert attributes(plain)["deletion_protection.enabled"] == "false"
    bucket = plain["KnowledgeBaseBucket"]["Properties"]
    assert "ObjectLockEnabled" not in bucket and "NotificationConfiguration" not in bucket
    assert attributes(stack(template, LoadBalancerDeletionProtection="true"))["deletion_protection.enabled"] == "true"
    locked = stack(template, KnowledgeBaseObjectLock="true")["KnowledgeBaseBucket"]["Properties"]
    assert locked["ObjectLockEnabled"] is True and "ObjectLockConfiguration" not in locked  # no default retention
    told = stack(template, KnowledgeBaseEvents="true")["KnowledgeBaseBucket"]["Properties"]
    assert told["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def policy_of(template: dict, bucket: str) -> dict:
    (policy,) = [
        body
        for body in resources(template, "AWS::S3::BucketPolicy").values()
        if body["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    return policy


@pytest.mark.parametrize("bucket", ["KnowledgeBaseBucket", "TemplateBucket"])
def test_the_tls_only_policy_names_the_objects_as_control_tower_s_example_does(template, bucket):
    (statement,) = policy_of(template, bucket)["Properties"]["PolicyDocument"]["Statement"]
    # https://docs.aws.amazon.com/controltower/latest/controlreference/s3-rules.html#ct-s3-pr-8-templates
    arn = {"Fn::GetAtt": [bucket, "Arn"]}
    assert statement["Resource"] == [arn, {"Fn::Join": ["", [arn, "/*"]]}]
    assert statement["Action"] == ["s3:*"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- The template bucket: where make deploy puts a template over 51,200 bytes ------------------


def test_the_template_bucket_is_kept_and_never_collides_with_a_kept_one(template):
    bucket = resources(template, "AWS::S3::Bucket")["TemplateBucket"]
    # Kept when the stack is deleted or the bucket replaced (deleted only by a create that rolls
    # back, empty): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    policy = policy_of(template, "TemplateBucket")
    assert (policy["DeletionPolicy"], policy["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    # No BucketName: CloudFormation names it after the stack with a random suffix, so a re-created
    # stack of the same name makes a new bucket beside the kept one.
    properties = bucket["Properties"]
    assert "BucketName" not in properties
    assert properties["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "AccessControl" not in properties


def test_the_template_bucket_encrypts_with_s3_s_aws_managed_key(template):
    properties = resources(template, "AWS::S3::Bucket")["TemplateBucket"]["Properties"]
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # aws:kms without KMSMasterKeyID is the AWS managed key aws/s3 (CT.S3.PR.10 asks for aws:kms), whose key
    # policy lets the account's principals use it through S3: CloudFormation, reading the template with the
    # deployer's permissions, needs no key grant. https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
    assert rule == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}


def test_the_template_bucket_expires_templates_then_their_versions_then_the_markers(template):
    properties = resources(template, "AWS::S3::Bucket")["TemplateBucket"]["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert all(rule["Status"] == "Enabled" for rule in rules.values())
    expiring = [rule for rule in rules.values() if "ExpirationInDays" in rule]
    (current,) = expiring
    assert current["ExpirationInDays"] == 90 and "Prefix" not in current  # every key, whatever S3_PREFIX
    noncurrent = [
        rule["NoncurrentVersionExpiration"] for rule in rules.values() if "NoncurrentVersionExpiration" in rule
    ]
    assert noncurrent == [{"NoncurrentDays": 30}]
    # S3 takes ExpiredObjectDeleteMarker only in a rule without Days:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html
    (markers,) = [rule for rule in rules.values() if rule.get("ExpiredObjectDeleteMarker") is True]
    assert "ExpirationInDays" not in markers


def test_the_template_bucket_meets_object_lock_and_events_always_and_logs_with_a_log_bucket(template):
    plain = stack(template)["TemplateBucket"]["Properties"]
    assert plain["ObjectLockEnabled"] is True and "ObjectLockConfiguration" not in plain  # nothing locked
    assert plain["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    assert "LoggingConfiguration" not in plain
    logged = stack(template, LogBucketName="central-logs")["TemplateBucket"]["Properties"]
    assert logged["LoggingConfiguration"] == {
        "DestinationBucketName": "central-logs",
        "LogFilePrefix": "stack/templates/",
    }


def test_the_template_bucket_is_exported_under_the_stack_name(template):
    output = template["Outputs"]["TemplateBucketName"]
    assert output["Value"] == {"Ref": "TemplateBucket"}
    assert output["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-TemplateBucketName"}
    # Feeding no template's parameter, it never lands in a parameter file params-from-stack writes.
    for other in FEEDS:
        assert "TemplateBucketName" not in built(other)["Parameters"]


# The repositories the specifications name (seed 003: go-api; seed 004 FR-048: bidopsai/app, bidopsai/agent).
REPOSITORIES = {"go-api", "bidopsai/app", "bidopsai/agent"}


def test_repositories_are_named_after_the_stack_and_scan_every_push(template):
    repositories = resources(template, "AWS::ECR::Repository").values()
    assert {body["Properties"]["RepositoryName"]["Fn::Sub"] for body in repositories} == {
        f"${{AWS::StackName}}/{name}" for name in REPOSITORIES
    }
    for body in repositories:
        assert (body["DeletionPolicy"], body["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
        properties = body["Properties"]
        assert properties["ImageScanningConfiguration"] == {"ScanOnPush": True}
        assert properties["ImageTagMutability"] == "IMMUTABLE"
        (rule,) = json.loads(properties["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
        # Only untagged images expire: a tag a service runs is never taken away.
        assert rule["selection"]["tagStatus"] == "untagged" and rule["action"] == {"type": "expire"}


# The outputs named like a parameter of another template feed that parameter (params-from-stack).
FEEDS = {
    "go-api": {
        "VpcId",
        "TargetGroupArn",
        "AlternateTargetGroupArn",
        "ProductionListenerRuleArn",
        "AlbListenerArn",
        "AppSecurityGroupId",
        "ContainerPort",
    },
    "platform": {
        "VpcId",
        "PrivateAppSubnetIds",
        "PrivateAgentSubnetIds",
        "AlbListenerArn",
        "AlbSecurityGroupId",
        "VpcEndpointSecurityGroupId",
        "RdsSecurityGroupId",
        "KnowledgeBaseBucketName",
        # Only when the stack was given a key: the platform's AgentCore then may use it.
        "KnowledgeBaseKmsKeyArn",
    },
    "finfocus-plugin": {"VpcId"},
}


@pytest.mark.parametrize("other", sorted(FEEDS))
def test_outputs_are_named_after_the_parameters_they_feed(template, other):
    assert set(template["Outputs"]) & set(built(other)["Parameters"]) == FEEDS[other]


def test_every_output_is_exported_under_the_stack_name(template):
    outputs = template["Outputs"]
    # What params-from-stack derives the rest from: subnets of each tier, the VPC range, the images.
    assert {"PublicSubnetIds", "PrivateDataSubnetIds", "VpcCidr", "AlbDnsName"} <= set(outputs)
    assert {"GoApiRepositoryUri", "BffRepositoryUri", "AgentCoreRepositoryUri"} <= set(outputs)
    for name, output in outputs.items():
        assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}, name


def test_deploys_without_iam_capabilities(template):
    # Nothing of it is IAM: no role or policy to acknowledge.
    assert not [body for body in template["Resources"].values() if body["Type"].startswith("AWS::IAM::")]
