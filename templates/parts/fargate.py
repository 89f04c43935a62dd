"""Fargate task sizes, container definitions and task definitions.

The valid CPU/memory pairs live here once. A template offers its size as one
parameter whose allowed values are exactly these pairs (``"<cpu>x<memory>"``), so
the console and the CLI cannot submit a pair Fargate would reject at deploy time.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from troposphere import GetAtt, If, NoValue, Ref, Select, Split, ecs

from ..errors import ConfigError
from ..facts import CPU_ARCHITECTURES, FARGATE_SIZES
from .parameters import Input, value

SIZE_SEPARATOR = "x"
VERSION_CONSISTENCY = "enabled"


@dataclass(frozen=True)
class TaskSize:
    """A Fargate CPU/memory pair, checked against :data:`FARGATE_SIZES`."""

    cpu: int
    memory: int

    def __post_init__(self):
        if self.memory not in FARGATE_SIZES.get(self.cpu, ()):
            if self.cpu not in FARGATE_SIZES:
                fix = f"CPU must be one of {', '.join(map(str, FARGATE_SIZES))}"
            else:
                allowed = FARGATE_SIZES[self.cpu]
                fix = f"with {self.cpu} CPU, memory must be {allowed[0]}-{allowed[-1]} MiB"
                fix += f" in steps of {allowed[1] - allowed[0]}"
            raise ConfigError(f"invalid Fargate size {self}: {fix}")

    @classmethod
    def parse(cls, text: str) -> "TaskSize":
        """Read ``"<cpu>x<memory>"``, e.g. ``"2048x4096"``."""
        cpu, sep, memory = text.partition(SIZE_SEPARATOR)
        if not (sep and re.fullmatch("[0-9]+", cpu) and re.fullmatch("[0-9]+", memory)):
            raise ConfigError(f"invalid Fargate size {text!r}: write it as <cpu>x<memory>, e.g. 2048x4096")
        return cls(int(cpu), int(memory))

    def __str__(self) -> str:
        return f"{self.cpu}{SIZE_SEPARATOR}{self.memory}"


def all_sizes() -> list[TaskSize]:
    return [TaskSize(cpu, memory) for cpu, memories in FARGATE_SIZES.items() for memory in memories]


def task_size(default: TaskSize, name: str = "TaskSize") -> Input:
    """One parameter whose only allowed values are valid Fargate pairs."""
    return Input(
        name,
        "Task size (CPU x memory)",
        "String",
        "Fargate task size as <CPU units>x<memory MiB>; 1024 CPU units are one vCPU. "
        "Only pairs Fargate accepts are offered.",
        default=str(default),
        allowed_values=tuple(str(size) for size in all_sizes()),
        constraint="must be a Fargate CPU/memory pair such as 2048x4096",
    )


def cpu_architecture(default: str = "X86_64") -> Input:
    """The CPU architecture the tasks run on; the image must be built for it."""
    return Input(
        "CpuArchitecture",
        "CPU architecture",
        "String",
        "X86_64, or ARM64 (AWS Graviton, about 20 % less per vCPU-hour and GB-hour) for images built for "
        "linux/arm64 or for both. A task whose image lacks the architecture fails to start.",
        default=default,
        allowed_values=CPU_ARCHITECTURES,
    )


def cpu_of(size_parameter) -> Select:
    return Select(0, Split(SIZE_SEPARATOR, Ref(size_parameter)))


def memory_of(size_parameter) -> Select:
    return Select(1, Split(SIZE_SEPARATOR, Ref(size_parameter)))


@dataclass(frozen=True)
class PortSpec:
    """A named TCP port the container listens on (a number, or a port parameter)."""

    name: str
    port: object


def check_ports(ports: Sequence[PortSpec]) -> None:
    """Reject what ECS would reject at deploy time: no ports, bad numbers, repeats."""
    if not ports:
        raise ConfigError("the container has no ports: give at least one name:port")
    seen_ports: dict[int, str] = {}
    seen_names: set[str] = set()
    for spec in ports:
        if not isinstance(spec.port, int):
            continue  # a parameter: its MinValue/MaxValue guard it at deploy time
        if not 1 <= spec.port <= 65535:
            raise ConfigError(f"port {spec.port} ({spec.name}) is out of range: use 1-65535")
        if spec.port in seen_ports:
            raise ConfigError(
                f"port {spec.port} is used by both {seen_ports[spec.port]} and {spec.name}: give each a port of its own"
            )
        if spec.name in seen_names:
            raise ConfigError(f"port name {spec.name!r} is used twice: names must be unique")
        seen_ports[spec.port] = spec.name
        seen_names.add(spec.name)


def port_ranges(ports: Sequence[int]) -> list[tuple[int, int]]:
    """Collapse ports into the fewest contiguous (first, last) ranges."""
    ranges: list[tuple[int, int]] = []
    for port in sorted(set(ports)):
        if ranges and ranges[-1][1] == port - 1:
            ranges[-1] = (ranges[-1][0], port)
        else:
            ranges.append((port, port))
    return ranges


@dataclass
class Container:
    """What a task's one essential container needs; the mechanics are below."""

    name: str
    image: object
    ports: Sequence[PortSpec]
    log_group: object
    stream_prefix: str
    environment: dict[str, object] = field(default_factory=dict)
    secrets: dict[str, object] = field(default_factory=dict)
    health_check: object = None  # an ecs.HealthCheck, or an Fn::If of one and NoValue
    stop_timeout: int | None = None
    # Hardening (docs/controls.md): the user to run as (None: the image's own USER), a read-only
    # root filesystem (a bool or an Fn::If), the hard memory limit in MiB, and the paths that stay
    # writable on a volume of the task's ephemeral storage (name -> container path), mounted only
    # while ``writable_condition`` holds (None: always).
    user: object = None
    read_only_root: object = None
    memory: object = None
    writable_paths: dict[str, object] = field(default_factory=dict)
    writable_condition: str | None = None
    # A task of several containers: each one's share of the task size (CPU units, and the memory
    # ECS sets aside for it in MiB; the shares must not add up to more than the task has), what
    # it waits for at start (container name -> START, COMPLETE, SUCCESS or HEALTHY) and how long,
    # and what runs instead of the image's ENTRYPOINT and CMD.
    cpu: object = None
    memory_reservation: object = None
    depends_on: dict[str, str] = field(default_factory=dict)
    start_timeout: int | None = None
    entry_point: Sequence[str] | None = None
    command: Sequence[str] | None = None
    # Open files (soft and hard limit); None keeps Fargate's default.
    open_files: int | None = None

    def only_while_read_only(self, items: list):
        """``items`` (mount points, volumes) while the root filesystem is read-only, else none."""
        return If(self.writable_condition, items, NoValue) if self.writable_condition else items


def container_definition(container: Container) -> ecs.ContainerDefinition:
    if container.ports or not container.depends_on:
        check_ports(container.ports)  # only a container beside another may have none of its own
    optional = {}
    if container.entry_point is not None:
        optional["EntryPoint"] = list(container.entry_point)
    if container.command is not None:
        optional["Command"] = list(container.command)
    if container.depends_on:
        optional["DependsOn"] = [
            ecs.ContainerDependency(ContainerName=name, Condition=condition)
            for name, condition in container.depends_on.items()
        ]
    open_files = container.open_files
    # Each property the container sets, in the order the files have always listed them.
    as_given = {
        "StartTimeout": container.start_timeout,
        "Cpu": container.cpu,
        "MemoryReservation": container.memory_reservation,
        "Ulimits": None
        if open_files is None
        else [ecs.Ulimit(Name="nofile", SoftLimit=open_files, HardLimit=open_files)],
        "HealthCheck": container.health_check,
        "StopTimeout": container.stop_timeout,
        "User": container.user,
        "ReadonlyRootFilesystem": container.read_only_root,
        "Memory": container.memory,
    }
    optional.update({key: value for key, value in as_given.items() if value is not None})
    if container.writable_paths:
        optional["MountPoints"] = container.only_while_read_only(
            [
                ecs.MountPoint(SourceVolume=name, ContainerPath=path, ReadOnly=False)
                for name, path in container.writable_paths.items()
            ]
        )
    if container.secrets:
        optional["Secrets"] = [ecs.Secret(Name=name, ValueFrom=source) for name, source in container.secrets.items()]
    if container.environment:
        optional["Environment"] = [
            ecs.Environment(Name=name, Value=setting) for name, setting in container.environment.items()
        ]
    return ecs.ContainerDefinition(
        Name=container.name,
        Image=container.image,
        # ECS resolves the image tag to a digest when a deployment starts, and every task of
        # that deployment (scale-out, replacement, rollback to it) runs that digest: a tag
        # pushed again changes nothing until the next deployment. ECS's default, set so
        # that it stays the choice. docs/ecs-deployment.md ("Releases") says what it means.
        # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html#deployment-container-image-stability
        VersionConsistency=VERSION_CONSISTENCY,
        Essential=True,
        **port_mappings(container.ports),
        LogConfiguration=ecs.LogConfiguration(
            LogDriver="awslogs",
            Options={
                "awslogs-group": Ref(container.log_group),
                "awslogs-region": Ref("AWS::Region"),
                "awslogs-stream-prefix": container.stream_prefix,
            },
        ),
        **optional,
    )


def port_mappings(ports: Sequence[PortSpec]) -> dict:
    if not ports:
        return {}
    # Under awsvpc the host port is the container port; ECS fills it in.
    return {
        "PortMappings": [
            ecs.PortMapping(Name=spec.name, ContainerPort=value(spec.port), Protocol="tcp") for spec in ports
        ]
    }


def task_definition(
    title: str,
    *,
    family,
    size,
    container: Container,
    execution_role,
    task_role,
    architecture="X86_64",
    sidecars: Sequence[Container] = (),
) -> ecs.TaskDefinition:
    """A Fargate task definition: one essential container, and the ``sidecars`` beside it.

    ``size`` is a :class:`TaskSize` known at build time, the size parameter, or a
    (cpu, memory) pair of expressions (e.g. from a mapping of checked sizes).
    ``architecture`` is ``X86_64``, ``ARM64`` or the :func:`cpu_architecture` parameter.
    """
    if isinstance(architecture, str) and architecture not in CPU_ARCHITECTURES:
        raise ConfigError(f"unknown CPU architecture {architecture!r}: use one of {', '.join(CPU_ARCHITECTURES)}")
    cpu, memory = task_cpu_memory(size)
    # A volume without a host path is a bind mount on the task's ephemeral storage, gone with
    # the task (Fargate has no tmpfs). It hides the image's directory at its path and starts
    # empty, "the volume permissions are set to 0755 and the owner as root", unless the image
    # declares a VOLUME at exactly that path: then ECS copies the directory into the volume, with
    # the permissions its Dockerfile gave it. So a user other than root can write there only with
    # such an image (parts/hardening.py), and the volume exists only while the root filesystem is
    # read-only: otherwise the image's own directory is writable as the image made it.
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html
    volumes = (
        {"Volumes": container.only_while_read_only([ecs.Volume(Name=name) for name in container.writable_paths])}
        if container.writable_paths
        else {}
    )
    return ecs.TaskDefinition(
        title,
        Family=family,
        RequiresCompatibilities=["FARGATE"],
        NetworkMode="awsvpc",
        Cpu=cpu,
        Memory=memory,
        ExecutionRoleArn=GetAtt(execution_role, "Arn"),
        TaskRoleArn=GetAtt(task_role, "Arn"),
        RuntimePlatform=ecs.RuntimePlatform(OperatingSystemFamily="LINUX", CpuArchitecture=value(architecture)),
        ContainerDefinitions=[container_definition(item) for item in (container, *sidecars)],
        **volumes,
    )


def task_cpu_memory(size) -> tuple:
    """The task's CPU and memory expressions: ``size`` is a :class:`TaskSize`, the size parameter, or a pair."""
    if isinstance(size, TaskSize):
        return str(size.cpu), str(size.memory)
    if isinstance(size, tuple):
        return size
    return cpu_of(size), memory_of(size)
