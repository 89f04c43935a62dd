"""Property-based tests: any valid configuration of the parts builds a lint-clean template.

Hypothesis draws configurations (ports, sizes, counts, optional features on or
off, environments, regions); each template is linted with cfn-lint, informational
checks and the project's own rules. The normal run tries a fixed, reproducible
set of examples; `make test-deep` (HYPOTHESIS_PROFILE=deep) tries many more, at random.
"""

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from troposphere import FindInMap, GetAtt, Ref, Template

from templates import facts, finfocus_plugin
from templates.parts import alarms, cluster, discovery, fargate, iam, loadbalancing, logs, network, outputs, parameters
from templates.parts import scaling as autoscaling
from templates.parts.service import Rollout, fargate_service, load_balancer
from templates.parts.task import add_task
from tests.helpers import full_findings

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
# The examples are split into shards with fixed seeds, so both pytest workers get
# a share and every run tries the same examples; the deep run draws fresh ones.
SHARDS = 4
PARTS_EXAMPLES = 2000 if DEEP else 160  # in all shards together
TABLE_EXAMPLES = 300 if DEEP else 40
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")

SIZES = fargate.all_sizes()


@dataclass(frozen=True)
class Config:
    """One random service stack made of the parts."""

    region: str
    ports: tuple[int, ...]
    size_choice: str  # "parameter", "literal" or "environments"
    size: fargate.TaskSize
    environment_sizes: tuple[fargate.TaskSize, ...]
    desired: int | None
    minimum_healthy: int
    behind_load_balancer: bool
    discoverable: bool
    spot_weight: int  # 0: LaunchType FARGATE
    existing_cluster: bool
    scaling: tuple[str, ...]
    alarms: bool
    encrypted_logs: bool
    log_retention: int


@st.composite
def configs(draw) -> Config:
    port_count = draw(st.integers(1, 16))
    ports = tuple(draw(st.lists(st.integers(1024, 65535), min_size=port_count, max_size=port_count, unique=True)))
    scaled = draw(st.sets(st.sampled_from([autoscaling.CPU, autoscaling.MEMORY]), max_size=2))
    return Config(
        region=draw(st.sampled_from(facts.GO_API_REGIONS)),
        ports=ports,
        size_choice=draw(st.sampled_from(["parameter", "literal", "environments"])),
        size=draw(st.sampled_from(SIZES)),
        environment_sizes=tuple(draw(st.lists(st.sampled_from(SIZES), min_size=1, max_size=4))),
        desired=None if scaled else draw(st.integers(0, 10)),
        minimum_healthy=draw(st.sampled_from([0, 50, 100])),
        behind_load_balancer=draw(st.booleans()),
        discoverable=draw(st.booleans()),
        spot_weight=draw(st.sampled_from([0, 0, 30, 50, 100])),
        existing_cluster=draw(st.booleans()),
        scaling=tuple(sorted(scaled)),
        alarms=draw(st.booleans()),
        encrypted_logs=draw(st.booleans()),
        log_retention=draw(st.sampled_from(facts.LOG_RETENTION_DAYS)),
    )


def compose(config: Config) -> Template:
    """A one-service stack assembled from the parts, as a user of the parts would."""
    template = Template(Description="A service assembled from the parts")
    inputs = (parameters.vpc_id(), parameters.subnet_ids("SubnetIds", "Subnets", "Task subnets"))
    vpc, subnets = parameters.declare(template, [parameters.Group("Network", inputs)]).values()
    client = parameters.add(
        template, "ClientCidr", group="Network", label="Clients", Type="String",
        AllowedPattern=facts.CIDR_PATTERN, Description="Who may connect",
    )  # fmt: skip
    image = parameters.add(
        template, "ImageUri", group="Container", label="Image", Type="String",
        AllowedPattern=facts.ECR_IMAGE_PATTERN, Description="ECR image",
    )  # fmt: skip
    logging = [parameters.Group("Logging", (parameters.log_kms_key_arn(),))]
    kms = (
        parameters.log_key(template, parameters.declare(template, logging)["LogKmsKeyArn"])
        if config.encrypted_logs
        else None
    )
    log_group = template.add_resource(
        logs.log_group("LogGroup", name="/ecs/${AWS::StackName}", retention_days=config.log_retention, kms_key=kms)
    )

    if config.size_choice == "parameter":
        sizes = [parameters.Group("Container", (fargate.task_size(config.size),))]
        size = parameters.declare(template, sizes)["TaskSize"]
    elif config.size_choice == "literal":
        size = config.size
    else:
        environments = {f"env{index}": s for index, s in enumerate(config.environment_sizes)}
        template.add_mapping(
            "Sizes", {n: {"Cpu": str(s.cpu), "Memory": str(s.memory)} for n, s in environments.items()}
        )
        environment = parameters.add(
            template, "Environment", group="Container", label="Environment", Type="String",
            AllowedValues=list(environments), Default="env0", Description="Sizing row",
        )  # fmt: skip
        size = (FindInMap("Sizes", Ref(environment), "Cpu"), FindInMap("Sizes", Ref(environment), "Memory"))

    ports = [fargate.PortSpec(f"port-{port}", port) for port in config.ports]
    container = fargate.Container(
        name="app", image=Ref(image), ports=ports, log_group=log_group, stream_prefix="app",
        environment={"PORT": str(config.ports[0])},
    )  # fmt: skip
    task = add_task(
        template, container, size=size, family=Ref("AWS::StackName"),
        repositories=[iam.ecr_repository_arn(Ref(image))],
    )  # fmt: skip
    group = template.add_resource(
        network.security_group(
            "SecurityGroup", description="Service tasks", vpc=vpc,
            ingress=network.ports(config.ports, lambda a, b: f"Service ports {a}-{b}", cidr=client),
            egress=[network.port(network.HTTPS, "AWS APIs and image pulls", cidr=network.ANYWHERE)],
        )
    )  # fmt: skip

    if config.existing_cluster:
        existing = parameters.declare(template, [parameters.Group("Cluster", (parameters.existing_cluster_name(),))])
        choice = cluster.ClusterChoice(template, existing["ExistingClusterName"])
        cluster_name, strategy = choice.name, None  # an unknown cluster: launch type only
    else:
        weights = {cluster.FARGATE: 100 - config.spot_weight, cluster.FARGATE_SPOT: config.spot_weight}
        weights = {provider: weight for provider, weight in weights.items() if weight}
        strategy = cluster.strategy(weights) if config.spot_weight else None
        created = template.add_resource(cluster.cluster("Cluster", capacity_strategy=strategy))
        cluster_name = Ref(created)

    balancing, depends, registries = {}, [], []
    if config.behind_load_balancer:
        listener = parameters.add(
            template, "ListenerArn", group="Load balancer", label="Listener", Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:elasticloadbalancing:.+:listener/app/.+$", Description="Listener",
        )  # fmt: skip
        target_group = template.add_resource(
            loadbalancing.ip_target_group("TargetGroup", vpc=vpc, port=config.ports[0], health_check_path="/health")
        )
        rule = template.add_resource(
            loadbalancing.listener_rule(
                "ListenerRule", listener=listener, priority=10, target_group=target_group, path_pattern="/app/*"
            )
        )
        balancing = {
            "load_balancers": [load_balancer(target_group, container_name="app", container_port=config.ports[0])],
            "health_check_grace_seconds": 60,
        }
        depends = [rule]
    if config.discoverable:
        namespace = template.add_resource(
            discovery.private_namespace("Namespace", name="service.local", vpc=vpc, description="Names")
        )
        found = template.add_resource(
            discovery.a_record_service("Discovery", name="app", namespace_id=Ref(namespace), description="Task IPs")
        )
        registries = [discovery.registry(found)]
    service = template.add_resource(
        fargate_service(
            "Service", cluster=cluster_name, task_definition=task, subnets=subnets,
            security_groups=[GetAtt(group, "GroupId")], assign_public_ip="DISABLED",
            rollout=Rollout(config.minimum_healthy, 200), desired_count=config.desired,
            capacity_strategy=strategy, registries=registries, depends_on=depends, **balancing,
        )
    )  # fmt: skip

    if config.scaling:
        target = template.add_resource(
            autoscaling.scalable_target(
                "ScalableTarget", cluster_name=cluster_name, service=service, minimum=1, maximum=5
            )
        )
        for metric in config.scaling:
            template.add_resource(
                autoscaling.target_tracking(
                    f"Scaling{metric[-15:-11]}", target=target, metric=metric, target_percent=70,
                    scale_out_cooldown=60, scale_in_cooldown=300,
                )
            )  # fmt: skip
    if config.alarms:
        template.add_resource(
            alarms.tasks_below_desired(
                "TasksBelowDesired", cluster_name=cluster_name, service_name=GetAtt(service, "Name"),
                description="Fewer tasks than desired",
            )
        )  # fmt: skip
    outputs.export(template, "ServiceArn", Ref(service), "Service")
    return template


def sharded(body, examples: int, **strategies):
    """``SHARDS`` Hypothesis tests of ``body``, each with its own seed and share of examples."""
    tests = {}
    for shard in range(SHARDS):

        def test(**drawn):
            body(**drawn)

        test = given(**strategies)(settings(max_examples=examples // SHARDS)(test))
        if not DEEP:
            test = seed(shard)(test)
        tests[f"test_{body.__name__}_{shard}"] = test
    return tests


def any_configuration_of_the_parts_is_lint_clean(config):
    assert full_findings(compose(config).to_dict(), [config.region]) == []


def any_region_table_builds_a_lint_clean_plugin_template(table, metrics_port, size, region):
    options = finfocus_plugin.Options(
        regions=",".join(f"{name}:{port}" for name, port in table), metrics_port=metrics_port
    )
    template = finfocus_plugin.build(options).to_dict()
    mappings = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]["PortMappings"]
    assert len(mappings) == len(table) + 1
    assert full_findings(template, [region]) == []


globals().update(sharded(any_configuration_of_the_parts_is_lint_clean, PARTS_EXAMPLES, config=configs()))
globals().update(
    sharded(
        any_region_table_builds_a_lint_clean_plugin_template,
        TABLE_EXAMPLES,
        table=st.lists(
            st.tuples(st.sampled_from(facts.FINFOCUS_PLUGIN_REGIONS), st.integers(1024, 65000)),
            min_size=1, max_size=40, unique_by=(lambda row: row[0], lambda row: row[1]),
        ),
        metrics_port=st.integers(65001, 65535),
        size=st.sampled_from(SIZES),
        region=st.sampled_from(facts.FINFOCUS_PLUGIN_REGIONS),
    )
)  # fmt: skip
