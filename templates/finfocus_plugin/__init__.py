"""finfocus-plugin: the multi-region pricing plugin on Fargate, found through Cloud Map.

One container runs a plugin process per AWS region, each on a port of its own,
plus a metrics aggregator. Twelve ports do not belong behind a load balancer (a
listener and a target group each), so clients resolve the task's IP through a
private DNS name and connect to the port of the region they want:

    client --DNS--> aws-public.finfocus.local (A record = task IP) --> :8001 us-east-1
                                                                     --> :8002 us-west-2 ...

The image's regional processes listen on 127.0.0.1 only (facts.LOOPBACK), so a proxy
container beside the plugin takes clients at the task's IP and forwards each regional
port to 127.0.0.1 (proxy.py, parts/loopback_proxy.py).

Which region answers on which port depends on the image release (facts.PLUGIN_RELEASES),
so this package makes one template per port layout (editions.py): ``finfocus-plugin`` for the
12-region releases (GovCloud prices, frozen at v0.1.2) and ``finfocus-plugin-10-region``
for the current release line. Each defaults to the newest release of its layout and
refuses, at build and at deploy time, an image known to serve another layout (images.py).

The pieces, in the order the template is built: options.py (build options), inputs.py
(the parameters), parameter_rules.py, task.py (the plugin's container.py and
environment.py, the proxy.py beside it), clients.py (security group, Cloud Map name,
endpoints); task_definition_file.py is the stand-alone task definition written beside it.
"""

import re

from troposphere import GetAtt, Template

from .. import facts
from ..contract import TemplateContract
from ..controls import (
    Departure,
    alarms_without_action,
    declare_departures,
    logs_kept_less_than_a_year,
    logs_without_a_customer_key,
)
from ..errors import ConfigError
from ..parts import alarm_recovery, cluster, dashboard, discovery, ecs_exec, logs, outputs, parameters
from ..parts.alarms import Notify
from ..parts.fargate import PortSpec
from ..parts.service import FOUND_BY_DNS, fargate_service
from ..parts.service_alarms import ServiceAlarms
from .clients import add_discovery, add_endpoint_outputs, add_security_group
from .editions import TEN_REGION, TWELVE_REGION, Edition, other_edition, region_port_table, summary
from .environment import environment_table
from .images import check_image, needs_proxy
from .inputs import input_groups
from .options import Options, TenRegionOptions, parse_regions
from .parameter_rules import add_rules
from .proxy import proxy_of
from .task import add_plugin_task
from .task_definition_file import artifacts_of, task_definition_json

# What the build command line, the benchmark and the tests call by the template's name.
__all__ = ["TEMPLATE", "TEMPLATE_10_REGION", "Options", "TenRegionOptions", "build", "parse_regions"]

ALARMS = ServiceAlarms("plugin", "Plugin", "finfocus plugin", behind_load_balancer=False)


def build(options: Options = Options()) -> Template:
    edition = options.edition
    region_ports = options.region_ports()
    if not re.fullmatch(facts.IMAGE_PATTERN, options.image):
        raise ConfigError(f"bad image {options.image!r}: use registry/repository[:tag], e.g. {edition.default_image}")
    ports = [PortSpec(region, port) for region, port in region_ports] + [PortSpec("metrics", options.metrics_port)]

    template = Template(Description=_description(edition, region_ports))
    inputs = parameters.declare(template, input_groups(edition, options.image))
    add_rules(template, inputs, edition, region_ports, with_proxy=needs_proxy(options.image))
    cluster_choice = cluster.ClusterChoice(template, inputs["ExistingClusterName"])
    log_group = logs.stack_log_group(template, inputs)
    execute_command = ecs_exec.add_condition(template, inputs[ecs_exec.PARAMETER])
    proxy = proxy_of(region_ports) if needs_proxy(options.image) else None
    task = add_plugin_task(template, inputs, log_group, ports, execute_command, proxy)
    security_group = add_security_group(template, inputs, ports)
    namespace_id, discovery_service = add_discovery(template, inputs)
    service = template.add_resource(
        fargate_service(
            "Service",
            cluster=cluster_choice.name,
            task_definition=task,
            registries=[discovery.registry(discovery_service)],
            security_groups=[GetAtt(security_group, "GroupId")],
            desired_count=inputs["DesiredCount"],
            subnets=inputs["SubnetIds"],
            assign_public_ip=inputs["AssignPublicIp"],
            # One new task at a time, the old ones stay until it is healthy: another task
            # stays registered in Cloud Map while the new one waits for its ~30 s.
            rollout=FOUND_BY_DNS,
            execute_command=execute_command,
            deployment_alarms=ALARMS.rollback_names(),
        )
    )
    _add_alarms(template, inputs, service, cluster_choice.name)
    outputs.service(template, what="plugin", cluster_name=cluster_choice.name, service=service, task_definition=task)
    outputs.export(template, "SecurityGroupId", GetAtt(security_group, "GroupId"), "Security group of the plugin tasks")
    outputs.export(template, "NamespaceId", namespace_id, "Cloud Map namespace ID")
    add_endpoint_outputs(template, region_ports, options.metrics_port, log_group)
    declare_departures(template, [alarms_without_action(template), *departures(log_group, task)])
    # After the table's own checks, so a bad table is reported as such.
    check_image(options.image, edition, region_ports)
    return template


def departures(log_group, task) -> list[Departure]:
    """The controls the defaults do not meet (docs/controls.md)."""
    tmp = facts.PLUGIN_WRITABLE_PATH
    return [
        Departure(
            "CT.ECS.PR.6",
            (task.title,),
            f"The published image writes FIFOs under {tmp} and declares no VOLUME there: read-only, {tmp} would be "
            "a volume only root may write to, so the root filesystem stays writable.",
            f"ReadonlyRootFilesystem=true and an image that declares VOLUME {tmp} (the guide builds one)",
        ),
        logs_kept_less_than_a_year(
            (log_group.title,), "30 days of logs by default: a year costs twelve times the storage."
        ),
        logs_without_a_customer_key((log_group.title,)),
    ]


def _add_alarms(template: Template, inputs: dict, service, cluster_name) -> None:
    """The service's alarms and the optional dashboard."""
    notify = Notify(inputs["AlarmTopicArn"], parameters.when_given(template, inputs["AlarmTopicArn"]))
    ALARMS.add_task_alarms(template, service=service, cluster_name=cluster_name, notify=notify)
    alarm_recovery.add(template, notify, inputs["AlarmTopicKmsKeyArn"])
    parameters.when_true(template, inputs[dashboard.PARAMETER], dashboard.CONDITION)
    template.add_resource(
        dashboard.dashboard(
            "Dashboard",
            panels=[dashboard.Panel("Plugin", GetAtt(service, "Name"))],
            cluster_name=cluster_name,
            alarm_names=ALARMS.names(),
        )
    )


def _description(edition: Edition, region_ports) -> str:
    if region_ports == facts.PLUGIN_LAYOUTS[edition.layout]:
        ports = f"the {edition.layout} layout of image releases {edition.release_tags}"
    else:
        ports = f"{len(region_ports)} regions of a custom table"
    return (
        f"finfocus pricing plugin on Fargate, found through Cloud Map. Its ports are fixed to {ports}, "
        f"plus metrics; for the {other_edition(edition).layout} releases deploy {other_edition(edition).name}."
    )


def contract(edition: Edition, options: type, doc_blocks: dict | None = None) -> TemplateContract:
    # The plugin runs anywhere its regions are priced from, GovCloud included.
    return TemplateContract(
        edition.name,
        summary(edition),
        tuple(region for region, _ in facts.PLUGIN_LAYOUTS[edition.layout]),
        options,
        build,
        artifacts=artifacts_of(edition),
        doc_blocks=doc_blocks or {},
    )


TEMPLATE = contract(
    TWELVE_REGION,
    Options,
    {
        "finfocus-plugin.region-ports": region_port_table,
        "finfocus-plugin.environment": environment_table,
        "finfocus-plugin.task-definition": task_definition_json,
    },
)
TEMPLATE_10_REGION = contract(TEN_REGION, TenRegionOptions)
