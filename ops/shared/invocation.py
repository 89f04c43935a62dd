"""Who ran a command, so that its messages name what that person typed.

The Makefile runs every command with OPS_MAKE_TARGET set to the target's name; a message then
names make's variables (SPOT_DISCOUNT=70) where a command run by hand names its own options
(--spot-discount 70). Nothing else changes with it.
"""

import os

ENV = "OPS_MAKE_TARGET"

# Each option a command takes and the make variable that gives it (the Makefile's recipes),
# and the positional arguments the Makefile gives from a variable.
MAKE_VARIABLES = {
    "--spot-discount": "SPOT_DISCOUNT",
    "--log-gb-per-task": "LOG_GB",
    "--data-gb": "DATA_GB",
    "--alb-lcu": "ALB_LCU",
    "--stored-gb": "STORED_GB",
    "--region": "REGION",
    "--target-group": "TARGET_GROUP",
    "--task-start": "TASK_START",
    "--output": "OUTPUT",
    "--stack": "STACK",
    "--port": "MOTO_PORT",
}
ARGUMENTS = ("TEMPLATE", "PARAMS", "STACK", "ENV")


def make_target() -> str:
    """The make target that ran this command, or "" when it was run by hand."""
    return os.environ.get(ENV, "")


def option(flag: str, value: str = "") -> str:
    """``flag`` with ``value`` as the user gives it: SPOT_DISCOUNT=70 from make, --spot-discount 70 by hand."""
    if make_target() and flag in MAKE_VARIABLES:
        return f"{MAKE_VARIABLES[flag]}={value}"
    return f"{flag} {value}".rstrip()


def given(flag: str, text: str) -> str:
    """A value the user gave, quoted as typed: SPOT_DISCOUNT=150 from make, --spot-discount '150' by hand."""
    return option(flag, text) if make_target() else f"{flag} {text!r}"


def argument(variable: str, value: str) -> str:
    """A positional argument as the user gives it: TEMPLATE=platform from make, platform by hand."""
    assert variable in ARGUMENTS, variable
    return f"{variable}={value}" if make_target() else value
