"""platform: a BFF behind the public ALB and an AgentCore backend, on one cluster.

The network, storage and security stacks already exist; this one is the compute
tier. Traffic flows one way through tiered security groups:

    internet -> ALB (existing) -> listener rule -> BFF :3000    (PrivateApp subnets)
                                                    |
                                 agentcore.<namespace>:8080      (Cloud Map private DNS)
                                                    v
                                               AgentCore :8080 (PrivateAgent subnets)
    both -> VPC endpoints :443 (Bedrock, SSM, ECR, Logs), S3 prefix list :443, RDS :5432

Tasks run 70 % on Fargate and 30 % on Fargate Spot, sized per environment.

The pieces: tiers.py (what each service is), capacity.py (sizes, Spot, scaling, rolling
updates), inputs.py (the parameters), shared.py (the cluster and namespace every tier plugs
into), tier_resources.py (what one tier runs on), backend.py (AgentCore) and bff.py (the BFF
behind the load balancer, with the security groups between the tiers).
"""

from dataclasses import dataclass

from troposphere import GetAtt, Ref, Template

from .. import facts
from ..contract import TemplateContract
from ..controls import (
    Departure,
    alarms_without_action,
    declare_departures,
    logs_kept_less_than_a_year,
    logs_without_a_customer_key,
    resources_of_type,
)
from ..parts import alarm_recovery, dashboard, parameters
from .backend import add_backend
from .bff import add_bff
from .inputs import HEALTH
from .shared import Shared, add_shared
from .tiers import AGENTCORE, BFF, health_check_input, secret_readers

# What the benchmark composes a platform of several backends from, and the prerequisites read.
__all__ = [
    "AGENTCORE",
    "BFF",
    "HEALTH",
    "TEMPLATE",
    "Options",
    "add_backend",
    "add_bff",
    "add_shared",
    "build",
    "health_check_input",
]

SUMMARY = (
    "a BFF behind an ALB and an AgentCore backend via Cloud Map on one cluster, "
    "70/30 Fargate/Spot, per-environment sizes"
)


@dataclass(frozen=True)
class Options:
    """The platform has no build options: everything is a stack parameter."""


# --- The template ----------------------------------------------------------------------


def build(options: Options = Options()) -> Template:
    template = Template(
        Description="Platform compute: BFF behind the ALB and AgentCore via Cloud Map, on Fargate and Fargate Spot"
    )
    # Alarms on both target groups, the traffic-shifting strategies and the dashboard take
    # the template over the 51,200 bytes `aws cloudformation deploy` sends directly.
    template.set_metadata(
        {
            facts.DEPLOYED_FROM_S3_METADATA: "Over 51,200 bytes: deploy with aws cloudformation deploy --s3-bucket, "
            "make deploy (the prerequisites stack's template bucket, or S3_BUCKET=...), or from an S3 URL in the "
            "console (make package)."
        }
    )
    shared = add_shared(template)
    agentcore = add_backend(template, shared, AGENTCORE)
    bff, targets = add_bff(template, shared, [agentcore])
    _add_dashboard(template, shared, [(bff, targets), (agentcore, None)])
    alarm_recovery.add(template, shared.notify, shared.inputs["AlarmTopicKmsKeyArn"])
    declare_departures(template, departures(template))
    return template


def _add_dashboard(template: Template, shared: Shared, tiers: list) -> None:
    """The optional dashboard: each tier's tasks, CPU and memory (and the BFF's targets), and every alarm."""
    parameters.when_true(template, shared.inputs[dashboard.PARAMETER], dashboard.CONDITION)
    panels = [dashboard.Panel(built.tier.title, GetAtt(built.service, "Name"), targets) for built, targets in tiers]
    names = [name for built, _ in tiers for name in built.tier.alarms.names()]
    template.add_resource(
        dashboard.dashboard("Dashboard", panels=panels, cluster_name=Ref(shared.cluster), alarm_names=names)
    )


def departures(template: Template) -> list[Departure]:
    """The controls the defaults do not meet (docs/controls.md)."""

    tasks = resources_of_type(template, "AWS::ECS::TaskDefinition")
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    return [
        Departure(
            "CT.ECS.PR.3",
            tasks,
            "The containers run as their images' own USER: the template cannot know which user your images expect.",
            "ContainerUser=<a user other than root, e.g. 65532>",
        ),
        Departure(
            "CT.ECS.PR.6",
            tasks,
            "The BFF and AgentCore images may write outside one directory (build and package caches).",
            "ReadonlyRootFilesystem=true, with WritablePath where they write",
        ),
        alarms_without_action(template),
        logs_kept_less_than_a_year(groups, "7 days of logs by default, as the platform's requirements ask."),
        logs_without_a_customer_key(groups),
    ]


def secrets_table(files) -> str:
    """The secrets each container gets, and the commands that create them, for the guide."""
    from .. import docblocks  # only the docs need it

    readers = secret_readers()
    rows = [
        [f"`{variable}`", ", ".join(tiers), f"`<SecretsParameterPath>/{name}`"]
        for (variable, name), tiers in readers.items()
    ]
    commands = [
        f"aws ssm put-parameter --type SecureString --name /bidopsai/dev/{name} --value '<{variable}>'"
        for variable, name in readers
    ]
    return (
        docblocks.table(["Variable", "Containers", "SSM parameter"], rows)
        + "\nCreate them before the first deploy (here for the path `/bidopsai/dev`):\n\n```sh\n"
        + "\n".join(commands)
        + "\n```\n"
    )


TEMPLATE = TemplateContract(
    "platform",
    SUMMARY,
    facts.PLATFORM_REGIONS,
    Options,
    build,
    doc_blocks={"platform.secrets": secrets_table},
)
