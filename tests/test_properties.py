"""Property-based tests: any valid configuration of the parts builds a lint-clean template.

Hypothesis draws configurations (ports, sizes, counts, optional features on or
off, environments, regions); each template is linted with cfn-lint, informational
checks and the project's own rules. The normal run tries a fixed, reproducible
set of examples (the corner configurations below plus seeded random ones; clean
results are cached, see tests/lint_cache.py); `make test-deep`
(HYPOTHESIS_PROFILE=deep) tries many more, at random. The last test proves the
property can fail: with a part broken on purpose, the same body reports it.
"""

import dataclasses
import os
import sys
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, seed, settings
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
# Linting is 0.3-2 s per template, so the normal run is sized to keep `make test`
# under a minute on 2 cores; the deep run is the search for new failures.
SHARDS = 4
PARTS_EXAMPLES = 2000 if DEEP else 40  # in all shards together, plus the corner examples
TABLE_EXAMPLES = 300 if DEEP else 8
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
        template,
        "ClientCidr",
        group="Network",
        label="Clients",
        Type="String",
        AllowedPattern=facts.CIDR_PATTERN,
        Description="Who may connect",
    )
    image = parameters.add(
        template,
        "ImageUri",
        group="Container",
        label="Image",
        Type="String",
        AllowedPattern=facts.ECR_IMAGE_PATTERN,
        Description="ECR image",
    )
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
            template,
            "Environment",
            group="Container",
            label="Environment",
            Type="String",
            AllowedValues=list(environments),
            Default="env0",
            Description="Sizing row",
        )
        size = (FindInMap("Sizes", Ref(environment), "Cpu"), FindInMap("Sizes", Ref(environment), "Memory"))

    ports = [fargate.PortSpec(f"port-{port}", port) for port in config.ports]
    container = fargate.Container(
        name="app",
        image=Ref(image),
        ports=ports,
        log_group=log_group,
        stream_prefix="app",
        environment={"PORT": str(config.ports[0])},
    )
    task = add_task(
        template,
        container,
        size=size,
        family=Ref("AWS::StackName"),
        repositories=[iam.ecr_repository_arn(Ref(image))],
    )
    group = template.add_resource(
        network.security_group(
            "SecurityGroup",
            description="Service tasks",
            vpc=vpc,
            ingress=network.ports(config.ports, lambda a, b: f"Service ports {a}-{b}", cidr=client),
            egress=[network.port(network.HTTPS, "AWS APIs and image pulls", cidr=network.ANYWHERE)],
        )
    )

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
            template,
            "ListenerArn",
            group="Load balancer",
            label="Listener",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:elasticloadbalancing:.+:listener/app/.+$",
            Description="Listener",
        )
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
            "Service",
            cluster=cluster_name,
            task_definition=task,
            subnets=subnets,
            security_groups=[GetAtt(group, "GroupId")],
            assign_public_ip="DISABLED",
            rollout=Rollout(config.minimum_healthy, 200),
            desired_count=config.desired,
            capacity_strategy=strategy,
            registries=registries,
            depends_on=depends,
            **balancing,
        )
    )

    if config.scaling:
        target = template.add_resource(
            autoscaling.scalable_target(
                "ScalableTarget", cluster_name=cluster_name, service=service, minimum=1, maximum=5
            )
        )
        for metric in config.scaling:
            template.add_resource(
                autoscaling.target_tracking(
                    f"Scaling{metric[-15:-11]}",
                    target=target,
                    metric=metric,
                    target_percent=70,
                    scale_out_cooldown=60,
                    scale_in_cooldown=300,
                )
            )
    if config.alarms:
        template.add_resource(
            alarms.tasks_below_desired(
                "TasksBelowDesired",
                name="tasks-below-desired",
                service=alarms.ServiceMetrics(cluster_name, GetAtt(service, "Name")),
                description="Fewer tasks than desired",
                notify=alarms.Notify(),
                minutes=5,
            )
        )
    outputs.export(template, "ServiceArn", Ref(service), "Service")
    return template


def corner(**changes) -> Config:
    """A configuration at an edge of the space, run every time whatever the random draw."""
    base = Config(
        region="us-east-1",
        ports=(8080,),
        size_choice="literal",
        size=SIZES[0],
        environment_sizes=(SIZES[0],),
        desired=1,
        minimum_healthy=100,
        behind_load_balancer=False,
        discoverable=False,
        spot_weight=0,
        existing_cluster=False,
        scaling=(),
        alarms=False,
        encrypted_logs=False,
        log_retention=1,
    )
    return dataclasses.replace(base, **changes)


# Everything on (largest sizes, most ports, both scaling metrics), and everything off
# on an existing cluster: the two ends a random draw of 64 may not reach.
EVERYTHING = corner(
    region="sa-east-1",
    ports=tuple(range(65520, 65536)),
    size_choice="environments",
    size=SIZES[-1],
    environment_sizes=(SIZES[0], SIZES[-1], SIZES[len(SIZES) // 2], SIZES[1]),
    desired=None,
    minimum_healthy=50,
    behind_load_balancer=True,
    discoverable=True,
    spot_weight=50,
    scaling=tuple(sorted([autoscaling.CPU, autoscaling.MEMORY])),
    alarms=True,
    encrypted_logs=True,
    log_retention=facts.LOG_RETENTION_DAYS[-1],
)
NOTHING = corner(size_choice="parameter", size=SIZES[-1], desired=0, minimum_healthy=0, existing_cluster=True)
ALL_SPOT = corner(ports=(1024,), spot_weight=100, behind_load_balancer=True, desired=10, minimum_healthy=0)
CORNERS = {0: [{"config": EVERYTHING}], 1: [{"config": NOTHING}], 2: [{"config": ALL_SPOT}]}


def sharded(body, examples: int, corners: dict[int, list[dict]] | None = None, **strategies):
    """``SHARDS`` Hypothesis tests of ``body``, each with its own seed and share of examples."""
    tests = {}
    for shard in range(SHARDS):

        def test(**drawn):
            body(**drawn)

        test = given(**strategies)(settings(max_examples=examples // SHARDS)(test))
        for explicit in (corners or {}).get(shard, []):
            test = example(**explicit)(test)
        if not DEEP:
            test = seed(shard)(test)
        tests[f"test_{body.__name__}_{shard}"] = test
    return tests


def any_configuration_of_the_parts_is_lint_clean(config):
    assert full_findings(compose(config).to_dict(), [config.region]) == []


def any_region_table_builds_a_lint_clean_plugin_template(table, metrics_port, region):
    options = finfocus_plugin.Options(
        regions=",".join(f"{name}:{port}" for name, port in table),
        metrics_port=metrics_port,
        image="registry.example.com/mirror/finfocus:custom",  # no release serves a random table
    )
    template = finfocus_plugin.build(options).to_dict()
    mappings = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]["PortMappings"]
    assert len(mappings) == len(table) + 1
    assert full_findings(template, [region]) == []


globals().update(sharded(any_configuration_of_the_parts_is_lint_clean, PARTS_EXAMPLES, CORNERS, config=configs()))
globals().update(
    sharded(
        any_region_table_builds_a_lint_clean_plugin_template,
        TABLE_EXAMPLES,
        table=st.lists(
            st.tuples(st.sampled_from(facts.FINFOCUS_PLUGIN_REGIONS), st.integers(1024, 65000)),
            min_size=1,
            max_size=40,
            unique_by=(lambda row: row[0], lambda row: row[1]),
        ),
        metrics_port=st.integers(65001, 65535),
        region=st.sampled_from(facts.FINFOCUS_PLUGIN_REGIONS),
    )
)


def without_depends_on(real):
    def broken(*args, **kwargs):
        return real(*args, **{**kwargs, "depends_on": []})

    return broken


def instance_target_group(real):
    def broken(*args, **kwargs):
        group = real(*args, **kwargs)
        group.TargetType = "instance"
        return group

    return broken


def one_second_health_checks(real):
    def broken(*args, **kwargs):
        group = real(*args, **kwargs)
        group.HealthCheckIntervalSeconds = 1  # troposphere lets it through; AWS's minimum is 5
        return group

    return broken


# A part broken as a plausible edit would break it, and the finding the property must report.
BROKEN_PARTS = [
    (lambda: sys.modules[__name__], "fargate_service", without_depends_on, "E9101"),
    (lambda: loadbalancing, "ip_target_group", instance_target_group, "E9103"),
    (lambda: loadbalancing, "ip_target_group", one_second_health_checks, "E3034"),
]


BROKEN_IDS = [breakage.__name__ for _, _, breakage, _ in BROKEN_PARTS]


@pytest.mark.parametrize(("owner", "name", "breakage", "finding"), BROKEN_PARTS, ids=BROKEN_IDS)
def test_the_property_fails_on_a_broken_part(monkeypatch, owner, name, breakage, finding):
    monkeypatch.setattr(owner(), name, breakage(getattr(owner(), name)))
    with pytest.raises(AssertionError) as failure:
        any_configuration_of_the_parts_is_lint_clean(EVERYTHING)
    assert finding in str(failure.value)
