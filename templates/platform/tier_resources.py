"""One tier: log group, roles, task, security group, service, scaling, alarms.

Who may reach a tier is added by the tier in front of it (bff.py).
"""

from troposphere import FindInMap, GetAtt, If, NoValue, Ref, Sub, Template, ecs

from ..parts import cluster, hardening, iam, logs, network, parameters, scaling, ssm_secrets
from ..parts.fargate import Container, PortSpec
from ..parts.service import Rollout, fargate_service
from ..parts.task import add_task
from .capacity import (
    COOLDOWN_SECONDS,
    CPU_TARGET_PERCENT,
    HEALTH_CHECK_GRACE_SECONDS,
    MAX_TASKS,
    MEMORY_TARGET_PERCENT,
    MIN_TASKS,
    SIZES_MAPPING,
    SPOT_STOP_TIMEOUT_SECONDS,
)
from .shared import Built, Shared
from .tiers import CONTAINER_HEALTH, HTTPS, POSTGRES, Tier, health_check_input


def add_tier(
    template: Template,
    tier: Tier,
    shared: Shared,
    *,
    environment: dict,
    task_permissions: list,
    rollout: Rollout,
    task_policies=None,
    load_balancers=None,
    registries=None,
    depends_on=None,
    strategy=None,
) -> Built:
    """Everything one tier runs on; who may reach it is added by the tier in front of it.

    ``task_policies`` are conditional inline policies of the tier's task role (Fn::If).
    """
    inputs = shared.inputs
    task = _add_tier_task(template, tier, shared, environment, task_permissions, task_policies or [])
    group, ingress_rules = _add_tier_security_group(template, tier, inputs)
    service = template.add_resource(
        fargate_service(
            f"{tier.title}Service",
            cluster=Ref(shared.cluster),
            task_definition=task,
            subnets=inputs[tier.subnets],
            security_groups=[GetAtt(group, "GroupId")],
            assign_public_ip="DISABLED",
            rollout=rollout,
            capacity_strategy=cluster.spot_mix_strategy(inputs),
            load_balancers=load_balancers,
            health_check_grace_seconds=HEALTH_CHECK_GRACE_SECONDS if load_balancers else None,
            registries=registries,
            # Tasks started before the endpoint and database groups let them in
            # cannot pull their secrets and fail.
            depends_on=[*(depends_on or []), *ingress_rules],
            execute_command=shared.execute_command,
            deployment_alarms=tier.alarms.rollback_names(),
            strategy=strategy,
        )
    )
    _add_tier_scaling(template, tier, shared, service)
    tier.alarms.add_task_alarms(template, service=service, cluster_name=Ref(shared.cluster), notify=shared.notify)
    return Built(tier=tier, security_group=group, task_definition=task, service=service)


def _add_tier_task(
    template: Template, tier: Tier, shared: Shared, environment: dict, permissions: list, task_policies: list
):
    inputs = shared.inputs
    secrets_path, image = Ref(inputs["SecretsParameterPath"]), Ref(inputs[tier.image])
    log_group = template.add_resource(
        logs.log_group(
            f"{tier.title}LogGroup",
            name=f"/ecs/${{AWS::StackName}}/{tier.name}",
            retention_days=inputs["LogRetentionDays"],
            kms_key=shared.log_kms_key,
        )
    )
    container = Container(
        name=tier.name,
        image=image,
        ports=[PortSpec("http", tier.port)],
        log_group=log_group,
        stream_prefix=tier.name,
        environment={"AWS_REGION": Ref("AWS::Region"), "ENVIRONMENT": Ref(inputs["Environment"]), **environment},
        secrets={variable: iam.ssm_parameter_arn(secrets_path, f"/{name}") for variable, name in tier.secrets.items()},
        health_check=_container_health_check(template, tier, inputs),
        user=shared.user,
        read_only_root=shared.read_only_root,
        writable_paths={hardening.SCRATCH_VOLUME: Ref(inputs["WritablePath"])},
        writable_condition=hardening.READ_ONLY_ROOT,
        memory=FindInMap(SIZES_MAPPING, Ref(inputs["Environment"]), "Memory"),
        stop_timeout=SPOT_STOP_TIMEOUT_SECONDS,
    )
    if tier.writes_own_logs:
        permissions = [*permissions, iam.log_write([log_group])]
    # Both the execution role (the container's secrets) and the task role (it reads the
    # path itself) decrypt the SecureString parameters.
    decrypt = ssm_secrets.decrypt_policy(shared.secrets_key_condition, inputs[ssm_secrets.PARAMETER])
    environment_name = Ref(inputs["Environment"])
    return add_task(
        template,
        container,
        size=(
            FindInMap(SIZES_MAPPING, environment_name, "Cpu"),
            FindInMap(SIZES_MAPPING, environment_name, "Memory"),
        ),
        family=Sub(f"${{AWS::StackName}}-{tier.name}"),
        repositories=[iam.ecr_repository_arn(image)],
        secrets_path=secrets_path,
        permissions=permissions,
        prefix=tier.title,
        execute_command=shared.execute_command,
        execution_policies=[decrypt],
        task_policies=[decrypt, *task_policies],
        architecture=inputs["CpuArchitecture"],
    )


def _container_health_check(template: Template, tier: Tier, inputs: dict):
    """The tier's health check command from its parameter; none when the parameter is left empty."""
    if tier.health_path is None:
        return None
    command = inputs[health_check_input(tier)]
    check = ecs.HealthCheck(Command=["CMD-SHELL", Ref(command)], **CONTAINER_HEALTH)
    return If(parameters.when_given(template, command), check, NoValue)


def _add_tier_security_group(template: Template, tier: Tier, inputs: dict):
    endpoints, database = inputs["VpcEndpointSecurityGroupId"], inputs["RdsSecurityGroupId"]
    group = template.add_resource(
        network.security_group(
            f"{tier.title}SecurityGroup",
            description=f"Platform {tier.name} tasks",
            vpc=inputs["VpcId"],
            ingress=[],  # added by the tier in front of this one
            egress=[
                network.port(HTTPS, "AWS APIs through the VPC interface endpoints", group=endpoints),
                # ECR keeps image layers in S3, reached through the gateway endpoint.
                network.port(HTTPS, "Image layers from S3 (gateway endpoint)", prefix_list=inputs["S3PrefixListId"]),
                network.port(POSTGRES, "PostgreSQL on RDS", group=database),
            ],
        )
    )
    # The endpoint and database groups belong to other stacks; open them to this tier
    # here, so the rules live and die with the tier that needs them. Ingress adds to
    # what a group accepts and takes nothing away, unlike egress.
    ingress_rules = [
        template.add_resource(
            network.ingress(
                f"EndpointsFrom{tier.title}",
                endpoints,
                network.port(HTTPS, f"AWS APIs for {tier.name} tasks", group=group),
            )
        ),
        template.add_resource(
            network.ingress(
                f"DatabaseFrom{tier.title}",
                database,
                network.port(POSTGRES, f"PostgreSQL for {tier.name} tasks", group=group),
            )
        ),
    ]
    return group, ingress_rules


def _add_tier_scaling(template: Template, tier: Tier, shared: Shared, service) -> None:
    """CPU and memory target tracking between the minimum and maximum task counts."""
    target = template.add_resource(
        scaling.scalable_target(
            f"{tier.title}ScalableTarget",
            cluster_name=Ref(shared.cluster),
            service=service,
            minimum=MIN_TASKS,
            maximum=MAX_TASKS,
        )
    )
    for metric, percent, suffix in (
        (scaling.CPU, CPU_TARGET_PERCENT, "Cpu"),
        (scaling.MEMORY, MEMORY_TARGET_PERCENT, "Memory"),
    ):
        template.add_resource(
            scaling.target_tracking(
                f"{tier.title}{suffix}Scaling",
                target=target,
                metric=metric,
                target_percent=percent,
                scale_out_cooldown=COOLDOWN_SECONDS,
                scale_in_cooldown=COOLDOWN_SECONDS,
            )
        )
