"""prerequisites: everything the other templates take as inputs, for an empty account.

One stack builds the surroundings the specifications spread over a network, a storage
and a security stack, so a new account needs one deploy and one delete, and no stack of
it imports another's exports (an imported export cannot change):

    internet -> ALB :80 (:443 with a certificate) -- no rule matches --> 404
                 |-- rule GoApiPathPattern --> target group (ip, :8080) <- go-api tasks    weight 100
                 |                         '-> alternate target group (ip, :8080)          weight 0
                 '-- the platform adds its own rule and target groups for the BFF
    VPC, two zones:  Public         ALB, NAT gateways, go-api tasks with public IPs
                     PrivateApp     BFF (a NAT route if NatGateways is not none), endpoints
                     PrivateAgent   AgentCore, no route out
                     PrivateData    the database, no route out
    S3 gateway endpoint (free); interface endpoints as InterfaceEndpoints says
    knowledge-base bucket, ECR repositories <stack>/go-api, <stack>/bidopsai/app, <stack>/bidopsai/agent
    template bucket: make deploy uploads a template over 51,200 bytes there (the platform)

Its outputs are named after the parameters of the other templates they feed;
``make params-from-stack`` writes a template's parameter file from them.
"""

from dataclasses import dataclass

from troposphere import And, Equals, GetAtt, If, Join, Not, Or, Ref, Sub, Template

from . import controls, facts
from .contract import TemplateContract
from .parts import (
    buckets,
    endpoints,
    loadbalancing,
    network,
    outputs,
    parameters,
    repositories,
    rules,
    scanner,
    template_bucket,
    vpc,
)
from .parts.parameters import Group, Input
from .platform import BFF

SUMMARY = (
    "the surroundings of the other templates for an empty account: VPC in two zones, NAT or VPC endpoints, "
    "public ALB with the go-api target group, security groups, knowledge-base bucket, ECR repositories, "
    "a bucket for templates over 51,200 bytes"
)

ALB_HTTP, ALB_HTTPS = 80, 443
GO_API_PORT = 8080
GO_API_HEALTH_CHECK_PATH = "/health"
# The last priority an ALB rule can have: every rule another stack adds on this listener
# (the platform's BFF) comes first, and go-api answers whatever they leave.
LAST_RULE_PRIORITY = 50000

# Access logs are billed as storage and need a log bucket of the user's, whose policy lets the
# load balancer service and S3's logging service write to it (LogBucketName): a choice to make,
# not a default. A bucket of this stack cannot take them: ALB access logs and S3 server access
# logs accept only S3-managed keys (SSE-S3), and CT.S3.PR.10 asks every bucket for a KMS key.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
ACCESS_LOGS_WHY = (
    "Access logs need a log bucket of your own and cost its storage: on with LogBucketName "
    "(docs/prerequisites.md), off by default"
)

NAT_CHOICES = ("none", "one", "one-per-zone")
ENDPOINT_CHOICES = ("none", "platform", "all")


@dataclass(frozen=True)
class SubnetTier:
    """One row of subnets, one per zone: its name is the prefix of its parameters and output."""

    name: str
    cidrs: tuple[str, str]
    use: str


PUBLIC = SubnetTier("Public", ("10.0.1.0/24", "10.0.2.0/24"), "the load balancer, NAT gateways and go-api tasks")
# The platform's tiers, with the specification's address ranges (PrivateData's are this template's choice).
PRIVATE_APP = SubnetTier(
    "PrivateApp", ("10.0.11.0/24", "10.0.12.0/24"), "the BFF and the interface endpoints (the NAT route, if any)"
)
PRIVATE_AGENT = SubnetTier("PrivateAgent", ("10.0.21.0/24", "10.0.22.0/24"), "AgentCore, without a route out")
PRIVATE_DATA = SubnetTier("PrivateData", ("10.0.31.0/24", "10.0.32.0/24"), "the database, without a route out")
TIERS = (PUBLIC, PRIVATE_APP, PRIVATE_AGENT, PRIVATE_DATA)
# Tiers without any route out of the VPC share one route table.
ISOLATED = (PRIVATE_AGENT, PRIVATE_DATA)


def cidr_parameter(tier: SubnetTier, zone: int) -> str:
    return f"{tier.name}Subnet{zone + 1}Cidr"


def _cidr_input(name: str, label: str, default: str, description: str) -> Input:
    return Input(
        name,
        label,
        "String",
        description,
        default=default,
        allowed_pattern=facts.VPC_CIDR_PATTERN,
        constraint="must be an IPv4 CIDR block of /16 to /28, e.g. 10.0.1.0/24",
    )


# --- Inputs, as the console shows them ----------------------------------------------

NETWORK = Group(
    "Network",
    (
        _cidr_input("VpcCidr", "VPC CIDR", "10.0.0.0/16", "Address range of the VPC; every subnet lies inside it."),
        *(
            _cidr_input(
                cidr_parameter(tier, zone),
                f"{tier.name} subnet {zone + 1}",
                tier.cidrs[zone],
                f"{tier.name} subnet in the {('first', 'second')[zone]} Availability Zone: {tier.use}.",
            )
            for tier in TIERS
            for zone in range(vpc.ZONES)
        ),
    ),
)
EGRESS = Group(
    "Egress",
    (
        Input(
            "NatGateways",
            "NAT gateways",
            "String",
            "Internet access for the PrivateApp subnets: none; one (in the first zone, the cheapest with internet); "
            "or one-per-zone (each zone keeps its own if the other fails). Each costs per hour and per GB processed.",
            default="none",
            allowed_values=NAT_CHOICES,
        ),
        Input(
            "InterfaceEndpoints",
            "Interface endpoints",
            "String",
            "AWS services reached without the internet, each billed per zone and hour. none; platform ("
            + ", ".join(facts.PLATFORM_INTERFACE_ENDPOINTS)
            + ": what the platform template needs); all (also "
            + " and ".join(facts.EXTRA_INTERFACE_ENDPOINTS)
            + ", for ECS Exec and Secrets Manager). The S3 gateway endpoint is always there (no charge).",
            default="none",
            allowed_values=ENDPOINT_CHOICES,
        ),
    ),
)
LOAD_BALANCER = Group(
    "Load balancer and go-api",
    (
        Input(
            "CertificateArn",
            "Certificate ARN (optional)",
            "String",
            "ACM certificate for an HTTPS listener on 443; HTTP on 80 then redirects to it. Leave empty for HTTP only.",
            default="",
            allowed_pattern=facts.OPTIONAL_CERTIFICATE_ARN_PATTERN,
            constraint="must be empty or an ACM certificate ARN",
        ),
        Input(
            "ContainerPort",
            "go-api container port",
            "Number",
            "Port of the go-api target group and of the app security group's inbound rule; give go-api the same. "
            f"Not {BFF.port}, the platform BFF's port.",
            default=GO_API_PORT,
            min_value=facts.FIRST_PORT,
            max_value=facts.LAST_PORT,
        ),
        Input(
            "GoApiHealthCheckPath",
            "go-api health check path",
            "String",
            "Path the load balancer asks each go-api task for; any answer from 200 to 399 counts as healthy.",
            default=GO_API_HEALTH_CHECK_PATH,
            allowed_pattern=facts.ALB_PATH_PATTERN,
            constraint="must start with / (at most 128 characters)",
        ),
        Input(
            "GoApiPathPattern",
            "go-api path pattern",
            "String",
            "Requests whose path matches go to go-api, after every rule with a lower priority number (such as the "
            "platform's). /* sends it everything the others leave.",
            default="/*",
            allowed_pattern=facts.ALB_PATH_PATTERN,
            constraint="must start with / and be at most 128 characters from A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & "
            "and the wildcards * ? (no %)",
        ),
        Input(
            "GoApiRulePriority",
            "go-api rule priority",
            "Number",
            "Priority of the go-api rule on the listener; lower wins. The default, the last one, lets every other "
            "rule come first.",
            default=LAST_RULE_PRIORITY,
            min_value=1,
            max_value=LAST_RULE_PRIORITY,
        ),
        parameters.switch(
            "LoadBalancerDeletionProtection",
            "ALB deletion protection",
            "true refuses every delete of the load balancer, this stack's own delete included: set it back to "
            "false (a stack update) before you delete the stack.",
        ),
    ),
)
STORAGE = Group(
    "Storage",
    (
        Input(
            "KnowledgeBaseKmsKeyArn",
            "KMS key for the bucket (optional)",
            "String",
            "Encrypt the knowledge-base bucket with this KMS key (the platform's tasks then need kms:Decrypt on it). "
            "Leave empty for S3-managed keys (no charge).",
            default="",
            allowed_pattern=facts.OPTIONAL_KMS_KEY_ARN_PATTERN,
            constraint="must be empty or a KMS key ARN",
        ),
        parameters.switch(
            "KnowledgeBaseObjectLock",
            "S3 Object Lock on the bucket",
            "true turns on S3 Object Lock, so writers can give objects a retention period or a legal hold (the "
            "template sets none). S3 cannot turn it off again.",
        ),
        parameters.switch(
            "KnowledgeBaseEvents",
            "Bucket events to EventBridge",
            "true sends every object event of the bucket to the account's default EventBridge bus, billed per "
            "event by EventBridge.",
        ),
    ),
)
LOGS = Group(
    "Logs",
    (
        Input(
            "LogBucketName",
            "Log bucket (optional)",
            "String",
            "An S3 bucket of yours, in this account and region and encrypted with S3-managed keys, for the ALB's "
            "access logs, the server access logs of the knowledge-base and template buckets and the VPC's flow "
            "logs. Its policy must let Elastic Load Balancing, the S3 logging service and log delivery write "
            "(docs/prerequisites.md). Leave empty for no logs.",
            default="",
            allowed_pattern=facts.OPTIONAL_BUCKET_NAME_PATTERN,
            constraint="must be empty or a bucket name: 3 to 63 characters from a-z 0-9 . -",
        ),
    ),
)
INPUTS = [NETWORK, EGRESS, LOAD_BALANCER, STORAGE, LOGS]


@dataclass(frozen=True)
class Options:
    """The prerequisites have no build options: every choice is a stack parameter."""


@dataclass
class Conditions:
    nat: str
    nat_per_zone: str
    endpoints: str
    bedrock_endpoints: str
    extra_endpoints: str
    certificate: str
    bucket_key: str
    logs: str
    object_lock: str
    events: str


@dataclass(frozen=True)
class GoApiTargets:
    """go-api's two target groups and the production listener rule that forwards to them."""

    primary: object
    alternate: object
    rule: object


# --- The template ----------------------------------------------------------------------


def build(options: Options = Options()) -> Template:
    template = Template(
        Description="Prerequisites of the ECS Fargate templates: VPC, egress, public ALB, security groups, "
        "knowledge-base bucket, ECR repositories and a bucket for large templates"
    )
    inputs = parameters.declare(template, INPUTS)
    conditions = _add_conditions(template, inputs)
    _add_rules(template, inputs)
    network_vpc = template.add_resource(vpc.vpc("Vpc", Ref(inputs["VpcCidr"])))
    template.add_resource(vpc.flow_log("VpcFlowLog", network_vpc, inputs["LogBucketName"], conditions.logs))
    attachment = vpc.internet_gateway(template, network_vpc)
    subnets, tables = _add_subnets(template, inputs, conditions, network_vpc, attachment)
    groups = _add_security_groups(template, inputs, network_vpc)
    _add_endpoints(template, conditions, network_vpc, subnets, tables, groups["VpcEndpointSecurityGroup"])
    alb, listener, go_api = _add_load_balancer(template, inputs, conditions, network_vpc, subnets, groups, attachment)
    bucket = template.add_resource(
        scanner.accept(
            buckets.private_bucket(
                "KnowledgeBaseBucket",
                kms_key=(inputs["KnowledgeBaseKmsKeyArn"], conditions.bucket_key),
                access_logs=(inputs["LogBucketName"], conditions.logs, Sub("${AWS::StackName}/knowledge-base/")),
                object_lock=conditions.object_lock,
                events=conditions.events,
            ),
            {"CKV_AWS_18": ACCESS_LOGS_WHY},
        )
    )
    template.add_resource(buckets.tls_only_policy("KnowledgeBaseBucketPolicy", bucket))
    templates_bucket = template_bucket.add(
        template, log_bucket=inputs["LogBucketName"], logs_condition=conditions.logs, logs_why=ACCESS_LOGS_WHY
    )
    images = {
        application: template.add_resource(
            repositories.repository(
                f"{title}Repository", Sub(f"${{AWS::StackName}}/{facts.IMAGE_REPOSITORIES[application]}")
            )
        )
        for application, title in (("go-api", "GoApi"), ("bff", "Bff"), ("agentcore", "AgentCore"))
    }
    _add_outputs(template, inputs, network_vpc, subnets, groups, alb, listener, go_api, bucket, images)
    outputs.export(
        template,
        f"{template_bucket.TITLE}Name",
        Ref(templates_bucket),
        "The bucket make deploy uploads templates over 51,200 bytes to (the platform's)",
    )
    controls.declare_departures(template, _departures())
    return template


def _departures() -> list[controls.Departure]:
    """What the defaults leave to a parameter, because it costs money or a decision only the user can make."""
    bucket = ("KnowledgeBaseBucket",)
    logs = "LogBucketName=<a log bucket of yours>"
    return [
        controls.Departure(
            "CT.ELASTICLOADBALANCING.PR.1",
            ("HttpListener",),
            "Without a certificate the load balancer answers HTTP on port 80: HTTPS needs a domain name of yours.",
            "CertificateArn=<ACM certificate ARN> (port 80 then redirects to HTTPS)",
        ),
        controls.Departure(
            "CT.ELASTICLOADBALANCING.PR.5",
            ("LoadBalancer",),
            "Deletion protection would make every delete of the stack fail until it is turned off again.",
            "LoadBalancerDeletionProtection=true",
        ),
        controls.Departure(
            "CT.ELASTICLOADBALANCING.PR.6",
            ("LoadBalancer",),
            "Access logs need a log bucket of yours (SSE-S3, a policy that lets Elastic Load Balancing write) and "
            "cost its storage.",
            logs,
        ),
        controls.Departure(
            "CT.S3.PR.2",
            (*bucket, template_bucket.TITLE),
            "Server access logs need a log bucket of yours in the same account and cost its storage.",
            logs,
        ),
        controls.Departure(
            "CT.S3.PR.4",
            bucket,
            "Events sent to EventBridge are billed per event, and nothing the templates run reads them.",
            "KnowledgeBaseEvents=true",
        ),
        controls.Departure(
            "CT.S3.PR.9",
            bucket,
            "S3 Object Lock cannot be turned off once on: a decision for you, not a default.",
            "KnowledgeBaseObjectLock=true",
        ),
        controls.Departure(
            "CT.S3.PR.10",
            bucket,
            "S3-managed keys (SSE-S3) by default: a KMS key costs per month and per request, and the platform's "
            "tasks need kms:Decrypt on it.",
            "KnowledgeBaseKmsKeyArn=<key ARN>",
        ),
    ]


def _add_rules(template: Template, inputs: dict) -> None:
    # The ALB's group sends to go-api's port and to the BFF's. With go-api on the BFF's port
    # the two egress rules are one to EC2, which keeps one, while CloudFormation records both:
    # a later ContainerPort change removes "the go-api rule", the only one there is, and the
    # BFF can no longer be reached (cloudformation-coverage-roadmap#1534).
    # https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1534
    rules.add(
        template,
        "GoApiPortIsNotTheBffPort",
        rules.none_of(
            inputs["ContainerPort"],
            [str(BFF.port)],
            f"ContainerPort must not be {BFF.port}: the ALB's security group already sends to the platform BFF on "
            f"{BFF.port}, and a second, identical rule would be removed with the first when ContainerPort changes. "
            "Give go-api another port",
        ),
    )


def _in_any_region(regions) -> dict:
    """A condition body true in any of ``regions`` (Fn::Or takes at most ten conditions, so nested)."""
    tests = [Equals(Ref("AWS::Region"), region) for region in sorted(regions)]
    while len(tests) > 1:
        groups = [tests[start : start + 10] for start in range(0, len(tests), 10)]
        tests = [Or(*group) if len(group) > 1 else group[0] for group in groups]
    return tests[0]


def _add_conditions(template: Template, inputs: dict) -> Conditions:
    nat, endpoint_choice = Ref(inputs["NatGateways"]), Ref(inputs["InterfaceEndpoints"])
    template.add_condition("HasNatGateway", Not(Equals(nat, "none")))
    template.add_condition("HasNatGatewayPerZone", Equals(nat, "one-per-zone"))
    template.add_condition("HasInterfaceEndpoints", Not(Equals(endpoint_choice, "none")))
    template.add_condition("HasAllInterfaceEndpoints", Equals(endpoint_choice, "all"))
    # The Bedrock endpoints exist only where Bedrock Agents are offered (facts.BEDROCK_AGENTS_REGIONS);
    # elsewhere the platform is not meant to run, and asking for them would fail the create.
    template.add_condition(
        "HasBedrockEndpoints", And(Not(Equals(endpoint_choice, "none")), _in_any_region(facts.BEDROCK_AGENTS_REGIONS))
    )
    return Conditions(
        nat="HasNatGateway",
        nat_per_zone="HasNatGatewayPerZone",
        endpoints="HasInterfaceEndpoints",
        bedrock_endpoints="HasBedrockEndpoints",
        extra_endpoints="HasAllInterfaceEndpoints",
        certificate=parameters.when_given(template, inputs["CertificateArn"]),
        bucket_key=parameters.when_given(template, inputs["KnowledgeBaseKmsKeyArn"]),
        logs=parameters.when_given(template, inputs["LogBucketName"]),
        object_lock=parameters.when_true(template, inputs["KnowledgeBaseObjectLock"], "HasObjectLock"),
        events=parameters.when_true(template, inputs["KnowledgeBaseEvents"], "HasBucketEvents"),
    )


def _add_subnets(template: Template, inputs: dict, conditions: Conditions, network_vpc, attachment):
    """Every tier's subnets and their routes: public through the internet gateway, PrivateApp
    through a NAT gateway when there is one, the isolated tiers nowhere out of the VPC."""
    subnets = {
        tier.name: [
            template.add_resource(
                vpc.subnet(f"{tier.name}Subnet{zone + 1}", network_vpc, Ref(inputs[cidr_parameter(tier, zone)]), zone)
            )
            for zone in range(vpc.ZONES)
        ]
        for tier in TIERS
    }
    public_table = template.add_resource(vpc.route_table("PublicRouteTable", network_vpc))
    template.add_resource(vpc.internet_route("PublicInternetRoute", public_table, attachment))
    nat_gateways = [
        vpc.nat_gateway(template, f"NatGateway{zone + 1}", subnets[PUBLIC.name][zone], attachment, condition)
        for zone, condition in enumerate((conditions.nat, conditions.nat_per_zone))
    ]
    app_tables = [
        template.add_resource(vpc.route_table(f"{PRIVATE_APP.name}RouteTable{zone + 1}", network_vpc))
        for zone in range(vpc.ZONES)
    ]
    # With one NAT gateway both zones use it; with one per zone each uses its own.
    nat_of_zone = [Ref(nat_gateways[0]), If(conditions.nat_per_zone, Ref(nat_gateways[1]), Ref(nat_gateways[0]))]
    for zone, table in enumerate(app_tables):
        template.add_resource(
            vpc.nat_route(f"{PRIVATE_APP.name}NatRoute{zone + 1}", table, nat_of_zone[zone], conditions.nat)
        )
    isolated_table = template.add_resource(vpc.route_table("IsolatedRouteTable", network_vpc))
    tables = {PUBLIC.name: [public_table] * vpc.ZONES, PRIVATE_APP.name: app_tables}
    tables.update({tier.name: [isolated_table] * vpc.ZONES for tier in ISOLATED})
    for tier in TIERS:
        for zone, member in enumerate(subnets[tier.name]):
            template.add_resource(vpc.association(f"{member.title}RouteTable", tables[tier.name][zone], member))
    return subnets, [*app_tables, isolated_table]


def _add_security_groups(template: Template, inputs: dict, network_vpc) -> dict:
    """The ALB's, go-api's, the endpoints' and the database's: each opens only what its users need."""
    cidr, port = GetAtt(network_vpc, "CidrBlock"), Ref(inputs["ContainerPort"])
    alb = template.add_resource(
        scanner.accept(
            network.security_group(
                "AlbSecurityGroup",
                description="Public ALB: HTTP and HTTPS from the internet, to the tasks behind it",
                vpc=network_vpc,
                ingress=[network.port(ALB_HTTP, "HTTP from the internet", cidr=network.ANYWHERE)],
                # To addresses of this VPC only, on the ports of the applications behind it; their own
                # groups decide which of them may be reached.
                egress=[
                    network.Rule(port, port, "go-api tasks", cidr=cidr),
                    network.port(BFF.port, "platform BFF tasks", cidr=cidr),
                ],
            ),
            {
                "CKV_AWS_260": "An internet-facing load balancer: HTTP from anywhere is its purpose (with a "
                "certificate, port 80 only redirects to HTTPS)"
            },
        )
    )
    template.add_resource(
        network.ingress(
            "AlbHttpsFromInternet",
            alb,
            network.port(ALB_HTTPS, "HTTPS from the internet", cidr=network.ANYWHERE),
            condition="HasCertificateArn",
        )
    )
    app = template.add_resource(
        network.security_group(
            "AppSecurityGroup",
            description="go-api tasks: the container port from the ALB, HTTPS out for ECR and CloudWatch Logs",
            vpc=network_vpc,
            ingress=[network.Rule(port, port, "go-api port from the ALB", group=alb)],
            egress=[network.port(network.HTTPS, "ECR, CloudWatch Logs and other AWS APIs", cidr=network.ANYWHERE)],
        )
    )
    # With private DNS on, every resource of the VPC that calls CloudWatch Logs, ECR, SSM, ...
    # reaches these endpoints, whatever its route: a plugin stack in this VPC, or any other,
    # whose group this stack cannot know. So the endpoints take HTTPS from the whole VPC, as the
    # AWS CDK's interface endpoints do by default (open: "all traffic to the endpoint from within
    # the VPC ... based on the VPC's CIDR range"); what each caller may do is its role's. The
    # go-api rule stays, and the platform still adds its tiers': an update revokes nothing. (The
    # description stays as it was: a new one would replace the group.)
    # https://docs.aws.amazon.com/vpc/latest/userguide/vpce-interface.html
    # https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_ec2.InterfaceVpcEndpointOptions.html
    endpoint_group = template.add_resource(
        network.security_group(
            "VpcEndpointSecurityGroup",
            description="Interface endpoints: HTTPS from go-api tasks (the platform adds its own tiers)",
            vpc=network_vpc,
            ingress=[
                network.port(network.HTTPS, "AWS APIs for go-api tasks", group=app),
                network.port(network.HTTPS, "AWS APIs for everything in the VPC (private DNS)", cidr=cidr),
            ],
            egress=[],
        )
    )
    database = template.add_resource(
        network.security_group(
            "RdsSecurityGroup",
            description="PostgreSQL database of the platform: the platform stack adds ingress from its tiers",
            vpc=network_vpc,
            ingress=[],
            egress=[],
        )
    )
    return {group.title: group for group in (alb, app, endpoint_group, database)}


def _add_endpoints(template: Template, conditions: Conditions, network_vpc, subnets: dict, tables: list, group) -> None:
    """The S3 gateway endpoint on every private route table, and the interface endpoints chosen."""
    template.add_resource(endpoints.gateway("s3", vpc=network_vpc, route_tables=tables))
    chosen = [
        (
            service,
            conditions.bedrock_endpoints if service in facts.BEDROCK_INTERFACE_ENDPOINTS else conditions.endpoints,
        )
        for service in facts.PLATFORM_INTERFACE_ENDPOINTS
    ]
    chosen += [(service, conditions.extra_endpoints) for service in facts.EXTRA_INTERFACE_ENDPOINTS]
    for service, condition in chosen:
        template.add_resource(
            endpoints.interface(
                service, vpc=network_vpc, subnets=subnets[PRIVATE_APP.name], security_group=group, condition=condition
            )
        )


def _add_load_balancer(
    template: Template, inputs: dict, conditions: Conditions, network_vpc, subnets: dict, groups, attachment
):
    """The ALB, its listeners (HTTP, and HTTPS with a certificate) and go-api's target group behind a rule."""
    balancer = loadbalancing.public_load_balancer(
        "LoadBalancer",
        subnets=subnets[PUBLIC.name],
        security_group=groups["AlbSecurityGroup"],
        deletion_protection=inputs["LoadBalancerDeletionProtection"],
        access_logs=(inputs["LogBucketName"], conditions.logs),
    )
    # An internet-facing load balancer needs the VPC's internet gateway attached: nothing it
    # references orders it after the attachment, and created first it fails with "VPC ... has no
    # internet gateway" (intermittently: the two are created in parallel).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html#gatewayattachment
    balancer.DependsOn = [attachment.title]
    alb = template.add_resource(scanner.accept(balancer, {"CKV_AWS_91": ACCESS_LOGS_WHY}))
    https = template.add_resource(
        loadbalancing.https_listener(
            "HttpsListener", load_balancer=alb, certificate=inputs["CertificateArn"], condition=conditions.certificate
        )
    )
    plain_http = (
        "HTTP until CertificateArn is given; with a certificate this listener only redirects to HTTPS, "
        "served by HttpsListener with " + loadbalancing.TLS_POLICY
    )
    http = template.add_resource(
        scanner.accept(
            loadbalancing.http_listener(
                "HttpListener",
                load_balancer=alb,
                default_action=If(conditions.certificate, loadbalancing.redirect_to_https(), loadbalancing.NOT_FOUND),
            ),
            {"CKV_AWS_2": plain_http, "CKV_AWS_103": plain_http},
        )
    )
    listener = If(conditions.certificate, Ref(https), Ref(http))

    def go_api_group(title: str):
        return template.add_resource(
            loadbalancing.ip_target_group(
                title,
                vpc=network_vpc,
                port=Ref(inputs["ContainerPort"]),
                health_check_path=Ref(inputs["GoApiHealthCheckPath"]),
            )
        )

    # Two groups alike and a rule that forwards to both, all the weight on the first: what a
    # blue/green, linear or canary go-api needs (the production rule whose weights ECS moves,
    # and a second group the load balancer health-checks before any traffic moves); a
    # rolling go-api uses the first group only. A target group costs nothing.
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
    primary, alternate = go_api_group("GoApiTargetGroup"), go_api_group("GoApiAlternateTargetGroup")
    # The rule attaches the target groups to the load balancer: go-api's service can only be
    # created once its target group has one.
    rule = template.add_resource(
        loadbalancing.listener_rule(
            "GoApiListenerRule",
            listener=listener,
            priority=inputs["GoApiRulePriority"],
            target_group=primary,
            path_pattern=inputs["GoApiPathPattern"],
            alternate=alternate,
        )
    )
    return alb, listener, GoApiTargets(primary, alternate, rule)


GROUP_OUTPUTS = {
    "AlbSecurityGroup": "The ALB's security group",
    "AppSecurityGroup": "The go-api tasks' security group",
    "VpcEndpointSecurityGroup": "The interface endpoints' security group",
    "RdsSecurityGroup": "The database's security group (the platform opens it to its tiers)",
}


def _ids(resources: list) -> Join:
    return Join(",", [Ref(resource) for resource in resources])


def _add_outputs(template, inputs, network_vpc, subnets, groups, alb, listener, go_api, bucket, images) -> None:
    outputs.export(template, "VpcId", Ref(network_vpc), "VPC (VpcId of every template)")
    outputs.export(template, "VpcCidr", GetAtt(network_vpc, "CidrBlock"), "VPC CIDR (the plugin's ClientCidr)")
    for tier in TIERS:
        outputs.export(
            template, f"{tier.name}SubnetIds", _ids(subnets[tier.name]), f"{tier.name} subnets, one per zone"
        )
    outputs.export(template, "AlbListenerArn", listener, "The ALB's listener for rules (HTTPS with a certificate)")
    outputs.export(template, "AlbDnsName", GetAtt(alb, "DNSName"), "The ALB's DNS name")
    for title, what in GROUP_OUTPUTS.items():
        outputs.export(template, f"{title}Id", GetAtt(groups[title], "GroupId"), what)
    outputs.export(
        template, "TargetGroupArn", Ref(go_api.primary), "go-api's target group (type ip, behind the listener)"
    )
    outputs.export(
        template,
        "AlternateTargetGroupArn",
        Ref(go_api.alternate),
        "go-api's second target group, for blue/green, linear and canary (weight 0 in the rule until ECS moves it)",
    )
    outputs.export(
        template,
        "ProductionListenerRuleArn",
        Ref(go_api.rule),
        "go-api's listener rule, forwarding to both target groups: ECS moves its weights",
    )
    outputs.export(template, "ContainerPort", Ref(inputs["ContainerPort"]), "go-api's container port")
    outputs.export(template, "KnowledgeBaseBucketName", Ref(bucket), "The knowledge-base bucket")
    # Only when given: the platform's tasks need to decrypt with it (the input of the same name).
    key = outputs.export(
        template, "KnowledgeBaseKmsKeyArn", Ref(inputs["KnowledgeBaseKmsKeyArn"]), "The bucket's KMS key"
    )
    key.Condition = "HasKnowledgeBaseKmsKeyArn"
    for application, repository in images.items():
        name = repository.title.removesuffix("Repository")
        outputs.export(
            template,
            f"{name}RepositoryUri",
            GetAtt(repository, "RepositoryUri"),
            f"ECR repository of the {facts.IMAGE_REPOSITORIES[application]} images, named after the stack",
        )


TEMPLATE = TemplateContract("prerequisites", SUMMARY, facts.PREREQUISITES_REGIONS, Options, build)
