"""The task definition: the plugin on every regional port, and the proxy beside it while it listens on loopback."""

from troposphere import If, Ref, Sub, Template

from .. import facts
from ..parts import hardening
from ..parts.fargate import Container, PortSpec, memory_of
from ..parts.loopback_proxy import Proxy
from ..parts.task import add_task
from .container import HEALTH_CHECK, PLUGIN_START_TIMEOUT_SECONDS, STOP_TIMEOUT_SECONDS
from .environment import environment
from .proxy import add_shares, proxy_container


def add_plugin_task(
    template: Template, inputs: dict, log_group, ports: list[PortSpec], execute_command: str, proxy: Proxy | None
):
    """The plugin, every regional port; and, while it listens on loopback, the proxy beside it."""
    read_only_root = hardening.read_only(template, inputs["ReadonlyRootFilesystem"], execute_command)
    share = add_shares(template, inputs) if proxy else {}
    plugin = Container(
        name="plugin",
        image=Ref(inputs["ImageUri"]),
        ports=ports,
        log_group=log_group,
        stream_prefix="plugin",
        environment=environment(inputs),
        health_check=HEALTH_CHECK,
        stop_timeout=STOP_TIMEOUT_SECONDS,
        # The image's own user, which writes only under /tmp (facts.py): on the image's own /tmp
        # by default, on a volume there while the root filesystem is read-only (inputs.HARDENING).
        user=facts.PLUGIN_USER,
        read_only_root=read_only_root,
        writable_paths={hardening.SCRATCH_VOLUME: facts.PLUGIN_WRITABLE_PATH},
        writable_condition=hardening.READ_ONLY_ROOT,
        # A hard limit the hooks can see (CT.ECS.PR.7): the whole task's memory. Beside the proxy,
        # the task's CPU and memory less the proxy's share is set aside for it.
        memory=memory_of(inputs["TaskSize"]),
        cpu=share.get("PluginCpu"),
        memory_reservation=share.get("PluginMiB"),
        start_timeout=PLUGIN_START_TIMEOUT_SECONDS if proxy else None,
    )
    # The proxy writes nothing, so its root filesystem is read-only whatever the plugin's is (CT.ECS.PR.6),
    # except while ECS Exec is on: its agent writes to the container's filesystem (parts/hardening.py).
    proxy_read_only = If(execute_command, False, True)
    sidecars = [proxy_container(inputs, log_group, proxy, proxy_read_only, share["ProxyCpu"])] if proxy else []
    return add_task(
        template,
        plugin,
        size=inputs["TaskSize"],
        family=Ref("AWS::StackName"),
        # The default image is public on ghcr.io and needs no permission; these let the
        # same stack pull a copy kept in this account's ECR (a pull-through cache),
        # which is how many teams avoid registry rate limits. The proxy's image is public on
        # ECR Public, which needs none either.
        repositories=[Sub("arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*")],
        # The plugin calls no AWS API: its task role grants nothing unless ECS Exec is on.
        execute_command=execute_command,
        # Pinned, not a parameter: every release of the image is linux/amd64 only.
        architecture=facts.PLUGIN_CPU_ARCHITECTURE,
        sidecars=sidecars,
    )
