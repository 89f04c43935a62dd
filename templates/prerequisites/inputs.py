"""The prerequisites' parameters, as the console shows them."""

from .. import facts
from ..parts import parameters, vpc
from ..parts.parameters import Group, Input
from ..platform import BFF
from .choices import ENDPOINT_CHOICES, NAT_CHOICES
from .load_balancer import GO_API_HEALTH_CHECK_PATH, GO_API_PORT, LAST_RULE_PRIORITY
from .network import TIERS, cidr_parameter


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
