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

The pieces: inputs.py (the parameters), choices.py (the conditions they set), network.py
(subnets, routes, endpoints), security_groups.py, load_balancer.py, stack_outputs.py.
"""

from dataclasses import dataclass

from troposphere import Ref, Sub, Template

from .. import controls, facts
from ..contract import TemplateContract
from ..parts import buckets, outputs, parameters, repositories, rules, scanner, template_bucket, vpc
from ..platform import BFF
from .choices import ACCESS_LOGS_WHY, add_conditions
from .inputs import INPUTS
from .load_balancer import add_load_balancer
from .network import add_endpoints, add_subnets
from .security_groups import add_security_groups
from .stack_outputs import add_outputs

SUMMARY = (
    "the surroundings of the other templates for an empty account: VPC in two zones, NAT or VPC endpoints, "
    "public ALB with the go-api target group, security groups, knowledge-base bucket, ECR repositories, "
    "a bucket for templates over 51,200 bytes"
)


@dataclass(frozen=True)
class Options:
    """The prerequisites have no build options: every choice is a stack parameter."""


# --- The template ----------------------------------------------------------------------


def build(options: Options = Options()) -> Template:
    template = Template(
        Description="Prerequisites of the ECS Fargate templates: VPC, egress, public ALB, security groups, "
        "knowledge-base bucket, ECR repositories and a bucket for large templates"
    )
    inputs = parameters.declare(template, INPUTS)
    conditions = add_conditions(template, inputs)
    _add_rules(template, inputs)
    network_vpc = template.add_resource(vpc.vpc("Vpc", Ref(inputs["VpcCidr"])))
    template.add_resource(vpc.flow_log("VpcFlowLog", network_vpc, inputs["LogBucketName"], conditions.logs))
    attachment = vpc.internet_gateway(template, network_vpc)
    subnets, tables = add_subnets(template, inputs, conditions, network_vpc, attachment)
    groups = add_security_groups(template, inputs, network_vpc)
    add_endpoints(template, conditions, network_vpc, subnets, tables, groups["VpcEndpointSecurityGroup"])
    alb, listener, go_api = add_load_balancer(template, inputs, conditions, network_vpc, subnets, groups, attachment)
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
    add_outputs(template, inputs, network_vpc, subnets, groups, alb, listener, go_api, bucket, images)
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


TEMPLATE = TemplateContract("prerequisites", SUMMARY, facts.PREREQUISITES_REGIONS, Options, build)
