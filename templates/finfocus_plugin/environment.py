"""What the image reads from its environment: set from a parameter, fixed here, or left to the image."""

from dataclasses import dataclass

from troposphere import Ref

from .container import STOP_TIMEOUT_SECONDS, TERMINATION_GRACE_SECONDS


@dataclass(frozen=True)
class Variable:
    """An environment variable the image reads: set from a parameter, fixed here, or left to the image."""

    name: str
    default: str  # what the image does when the variable is not set
    example: str
    effect: str
    parameter: str | None = None  # the stack parameter that sets it
    fixed: str | None = None  # the value every task gets


# Read from docker/entrypoint.sh, docker/healthcheck.sh and the Go source at v0.1.2 and v0.1.8.
ENVIRONMENT: tuple[Variable, ...] = (
    Variable(
        "FINFOCUS_PLUGIN_WEB_ENABLED",
        "`true` (entrypoint)",
        "`true`",
        "Turns on the HTTP server of every regional process; `/healthz` and the health check need it.",
        fixed="true",
    ),
    Variable(
        "FINFOCUS_PLUGIN_HEALTH_ENDPOINT",
        "`true` (entrypoint)",
        "`true`",
        "Serves `/healthz` on every regional port, which `/healthcheck.sh` asks.",
        fixed="true",
    ),
    Variable(
        "FINFOCUS_LOG_LEVEL",
        "`info`",
        "`warn`",
        "`debug`, `info`, `warn` or `error`. `LOG_LEVEL` is the older name, read when this one is unset.",
        parameter="LogLevel",
    ),
    Variable(
        "FINFOCUS_CORS_ALLOWED_ORIGINS",
        "unset: no cross-origin browser access",
        "`https://app.example.com`",
        "Origins browsers may call the plugin from: `*` or a comma-separated list.",
        parameter="CorsAllowedOrigins",
    ),
    Variable(
        "FINFOCUS_CORS_ALLOW_CREDENTIALS",
        "`false`",
        "`true`",
        "`true` lets browsers send credentials. With origin `*` the plugin refuses to start.",
        parameter="CorsAllowCredentials",
    ),
    Variable(
        "FINFOCUS_CORS_MAX_AGE",
        "`86400`",
        "`600`",
        "Seconds browsers may cache a preflight answer (0 or more; invalid values fall back to the default).",
        parameter="CorsMaxAge",
    ),
    Variable(
        "FINFOCUS_MAX_BATCH_SIZE",
        "`100`",
        "`50`",
        "Most resources in one recommendations request. Larger values are lowered to the release's cap "
        "(500 up to v0.1.5, 100 from v0.1.6).",
        parameter="MaxBatchSize",
    ),
    Variable(
        "FINFOCUS_STRICT_VALIDATION",
        "`false`",
        "`true`",
        "`true` (also `1`, `yes`, `on`): a recommendations request fails on the first resource the plugin "
        "cannot handle instead of skipping it.",
        parameter="StrictValidation",
    ),
    Variable(
        "FINFOCUS_TEST_MODE",
        "unset: off",
        "`true`",
        "Exactly `true`: logs every request and response in full. For debugging only; "
        "add it to a task definition revision of your own, never in production.",
    ),
    Variable(
        "TERMINATION_GRACE_SECONDS",
        "`30`",
        "`30`",
        "Seconds the entrypoint waits after SIGTERM for the regional processes to exit before it kills them. "
        "Each refuses new connections at once and finishes the requests in flight; it does not drain. "
        f"The task's stop timeout ({STOP_TIMEOUT_SECONDS} s) is set to outlast it.",
        fixed=str(TERMINATION_GRACE_SECONDS),
    ),
    Variable(
        "HEALTH_CHECK_TIMEOUT",
        "`5`",
        "`3`",
        "Seconds `/healthcheck.sh` waits for each port's `/healthz` (curl `--max-time`).",
    ),
    Variable(
        "QUIET_HEALTHCHECK",
        "unset: verbose",
        "`true`",
        "`1` or `true`: `/healthcheck.sh` prints only failures and the result.",
    ),
)


def environment(inputs: dict) -> dict:
    """The container's environment: every variable a parameter sets or the template fixes."""
    values = {}
    for variable in ENVIRONMENT:
        if variable.parameter:
            values[variable.name] = Ref(inputs[variable.parameter])
        elif variable.fixed is not None:
            values[variable.name] = variable.fixed
    return values


def environment_table(files) -> str:
    from .. import docblocks  # only the docs need it

    def set_by(variable: Variable) -> str:
        if variable.parameter:
            return f"parameter `{variable.parameter}`"
        if variable.fixed is not None:
            return f"fixed: `{variable.fixed}`"
        return "not set (image default)"

    rows = [[f"`{v.name}`", v.default, v.example, set_by(v), v.effect.replace("|", "\\|")] for v in ENVIRONMENT]
    return docblocks.table(["Variable", "Image default", "Example", "Set by the template", "What it does"], rows)
