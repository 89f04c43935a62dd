"""Container hardening: who the process runs as, and whether it can write to its image.

AWS Control Tower's proactive controls CT.ECS.PR.3 and CT.ECS.PR.6 (Security Hub ECS.20 and
ECS.5) ask for a User that is not root and a read-only root filesystem; docs/controls.md says
where each template meets them by default and which parameter does otherwise.

A read-only root filesystem needs a writable place for temporary files: a volume on the task's
ephemeral storage, mounted at one path while (and only while) the root filesystem is read-only.
On Fargate such a volume is a bind mount owned by root with mode 0755, which a user other than
root cannot write to, unless the image declares a VOLUME at that very path: ECS then copies the
image's directory, with the permissions the Dockerfile gave it, into the volume
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html;
github.com/aws/containers-roadmap/issues/938). Nor is there a tmpfs to mount instead ("If you're
using tasks that use the Fargate launch type, the tmpfs parameter isn't supported",
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinuxParameters.html). So an image
run read-only as a non-root user must declare ``VOLUME <path>`` owned by that user, as the
parameters say.

ECS Exec cannot run in a container whose root filesystem is read-only (its agent writes to it;
the maintainers of amazon-ecs-exec-checker say so in
github.com/aws-containers/amazon-ecs-exec-checker/issues/21), so turning ECS Exec on makes the
root filesystem writable for as long as it is on.
"""

from troposphere import And, Condition, Equals, If, Not, NoValue, Ref, Template

from .parameters import Input, when_given

SCRATCH_VOLUME = "scratch"
# Not root, as a name or a uid, with or without a group (CT.ECS.PR.3 treats 0, root, 0:<group> and
# root:<group> as root); empty means the image's own USER.
USER_PATTERN = r"^((?!(0|root)(:|$))[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?)?$"
PATH_PATTERN = r"^(/[A-Za-z0-9._-]+)+$"


def container_user() -> Input:
    return Input(
        "ContainerUser",
        "Container user (optional)",
        "String",
        "User (name or uid, optionally :group) the containers run as, e.g. 65532. Not root. Leave empty for the "
        "image's own USER.",
        default="",
        allowed_pattern=USER_PATTERN,
        constraint="must be empty or a user other than root, such as 65532 or app:app",
    )


# An image that runs as a user other than root, read-only, writes only where it declared a VOLUME.
VOLUME_NEEDED = (
    "An image that runs as a user other than root must declare VOLUME at that path in its Dockerfile, owned by "
    "that user: otherwise the path is an empty directory only root may write to."
)


def read_only_root(default: str, description: str | None = None) -> Input:
    return Input(
        "ReadonlyRootFilesystem",
        "Read-only root filesystem",
        "String",
        description
        or "true: the containers cannot write to their image, only to the writable path below. "
        f"{VOLUME_NEEDED} Writable while ECS Exec is on.",
        default=default,
        allowed_values=("true", "false"),
    )


def writable_path() -> Input:
    return Input(
        "WritablePath",
        "Writable path",
        "String",
        "Directory that stays writable while the root filesystem is read-only: a volume on the task's ephemeral "
        "storage, emptied with each task. Nothing is mounted there while the root filesystem is writable.",
        default="/tmp",
        allowed_pattern=PATH_PATTERN,
        constraint="must be an absolute path such as /tmp",
    )


def user(template: Template, parameter):
    """The User property: the parameter when given, else none (the image's USER)."""
    return If(when_given(template, parameter), Ref(parameter), NoValue)


READ_ONLY_ROOT = "ReadOnlyRoot"


def read_only(template: Template, switch, execute_command: str | None):
    """ReadonlyRootFilesystem: the ``switch`` parameter, except while ECS Exec is on.

    Adds the :data:`READ_ONLY_ROOT` condition, under which the container's writable paths are
    mounted (``Container.writable_condition``).
    """
    wanted = Equals(Ref(switch), "true")
    template.add_condition(READ_ONLY_ROOT, And(wanted, Not(Condition(execute_command))) if execute_command else wanted)
    return If(READ_ONLY_ROOT, True, False)
