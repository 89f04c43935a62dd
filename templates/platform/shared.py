"""What every tier plugs into (the inputs, the cluster, the namespace), and what a tier hands on."""

from dataclasses import dataclass

from troposphere import Template

from ..parts import (
    bucket_kms,
    cluster,
    deployment_strategy,
    discovery,
    ecs_exec,
    hardening,
    parameters,
    rules,
    ssm_secrets,
)
from ..parts.alarms import Notify
from .capacity import ENVIRONMENT_SIZES, SIZES_MAPPING
from .inputs import INPUTS
from .tiers import AGENTCORE, BFF, KNOWLEDGE_BASE_KEY, Tier

# A path pattern that matches every request: on a shared listener it takes the traffic
# of every rule with a higher priority number (lower precedence).
CATCH_ALL_PATHS = ("/*", "/**")


@dataclass
class Shared:
    """What every tier of the platform plugs into: the inputs, the cluster and the namespace."""

    inputs: dict
    cluster: object
    namespace: object
    notify: Notify
    strategy: deployment_strategy.Strategy
    log_kms_key: tuple
    secrets_key_condition: str
    knowledge_base_key_condition: str
    execute_command: str
    user: object
    read_only_root: object


@dataclass
class Built:
    """The resources :func:`add_tier` made, for wiring tiers together."""

    tier: Tier
    security_group: object
    task_definition: object
    service: object


def add_shared(template: Template) -> Shared:
    """Inputs, the sizes mapping, the cluster (70 % Fargate, 30 % Fargate Spot) and the namespace."""
    template.add_mapping(
        SIZES_MAPPING,
        {name: {"Cpu": str(size.cpu), "Memory": str(size.memory)} for name, size in ENVIRONMENT_SIZES.items()},
    )
    inputs = parameters.declare(template, INPUTS)
    platform_cluster = template.add_resource(
        cluster.cluster("Cluster", capacity_strategy=cluster.spot_mix_strategy(inputs))
    )
    names, vpc = inputs["NamespaceName"], inputs["VpcId"]
    namespace = template.add_resource(
        discovery.private_namespace(
            "Namespace", name=names, vpc=vpc, description="Private names of the platform services"
        )
    )
    add_input_rules(template, inputs)
    cluster.add_spot_mix_rule(template, inputs)
    return Shared(
        inputs=inputs,
        cluster=platform_cluster,
        namespace=namespace,
        notify=Notify(inputs["AlarmTopicArn"], parameters.when_given(template, inputs["AlarmTopicArn"])),
        strategy=deployment_strategy.Strategy.add(template, inputs),
        log_kms_key=parameters.log_key(template, inputs["LogKmsKeyArn"]),
        secrets_key_condition=ssm_secrets.add_condition(template, inputs[ssm_secrets.PARAMETER]),
        knowledge_base_key_condition=bucket_kms.add_condition(template, inputs[KNOWLEDGE_BASE_KEY]),
        execute_command=(execute_command := ecs_exec.add_condition(template, inputs[ecs_exec.PARAMETER])),
        user=hardening.user(template, inputs["ContainerUser"]),
        read_only_root=hardening.read_only(template, inputs["ReadonlyRootFilesystem"], execute_command),
    )


def add_input_rules(template: Template, inputs: dict) -> None:
    """Refuse inputs that cannot work before anything is created (CloudFormation Rules).

    The security groups' VPC cannot be asserted here (a rule reads only a group's tags);
    ``make preflight`` checks it. See templates/parts/rules.py.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html
    """
    vpc = inputs["VpcId"]
    rules.add(
        template,
        "SubnetsInTheVpc",
        rules.subnets_in_vpc(inputs[BFF.subnets], vpc),
        rules.subnets_in_vpc(inputs[AGENTCORE.subnets], vpc),
    )
    rules.add(
        template,
        "NoCatchAllPathOnASharedListener",
        rules.none_of(
            inputs["PathPattern"],
            list(CATCH_ALL_PATHS),
            "PathPattern /* sends every request on the listener to the BFF, other applications' too: give a "
            "HostHeader, a narrower path such as /app/*, or set AllowCatchAllPath to true if the listener serves "
            "the BFF alone",
        ),
        when={"Fn::And": [rules.equals(inputs["HostHeader"], ""), rules.equals(inputs["AllowCatchAllPath"], "false")]},
    )
