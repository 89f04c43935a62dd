"""What the parameters choose: the conditions they set, and why some things are off by default."""

from dataclasses import dataclass

from troposphere import And, Equals, Not, Or, Ref, Template

from .. import facts
from ..parts import parameters

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


def _in_any_region(regions) -> dict:
    """A condition body true in any of ``regions`` (Fn::Or takes at most ten conditions, so nested)."""
    tests = [Equals(Ref("AWS::Region"), region) for region in sorted(regions)]
    while len(tests) > 1:
        groups = [tests[start : start + 10] for start in range(0, len(tests), 10)]
        tests = [Or(*group) if len(group) > 1 else group[0] for group in groups]
    return tests[0]


def add_conditions(template: Template, inputs: dict) -> Conditions:
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
