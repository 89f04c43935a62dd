"""Container hardening: who the process runs as, and whether it can write to its image.

AWS Control Tower's proactive controls CT.ECS.PR.3 and CT.ECS.PR.6 (Security Hub ECS.20 and
ECS.5) ask for a User that is not root and a read-only root filesystem; docs/controls.md says
where each template meets them by default and which parameter does otherwise.

A read-only root filesystem needs a writable place for temporary files: a volume on the task's
ephemeral storage, mounted at one path. ECS Exec cannot run in a container whose root filesystem
is read-only (its agent writes to it; the maintainers of amazon-ecs-exec-checker say so in
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


def read_only_root(default: str) -> Input:
    return Input(
        "ReadonlyRootFilesystem",
        "Read-only root filesystem",
        "String",
        "true: the containers cannot write to their image, only to the writable path below. Writable while ECS "
        "Exec is on.",
        default=default,
        allowed_values=("true", "false"),
    )


def writable_path() -> Input:
    return Input(
        "WritablePath",
        "Writable path",
        "String",
        "Directory that stays writable (a volume on the task's ephemeral storage, emptied with each task).",
        default="/tmp",
        allowed_pattern=PATH_PATTERN,
        constraint="must be an absolute path such as /tmp",
    )


def user(template: Template, parameter):
    """The User property: the parameter when given, else none (the image's USER)."""
    return If(when_given(template, parameter), Ref(parameter), NoValue)


def read_only(template: Template, switch, execute_command: str | None):
    """ReadonlyRootFilesystem: the ``switch`` parameter (or True), except while ECS Exec is on."""
    if switch is None:
        return If(execute_command, False, True) if execute_command else True
    wanted = Equals(Ref(switch), "true")
    template.add_condition("ReadOnlyRoot", And(wanted, Not(Condition(execute_command))) if execute_command else wanted)
    return If("ReadOnlyRoot", True, False)
