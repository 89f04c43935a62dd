"""A TCP proxy beside an application that listens on loopback only.

All containers of a Fargate task share one network namespace, so a second container can
listen on the task's own address and forward each port to ``127.0.0.1`` on the same port
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html:
"Containers that belong to the same task can also communicate over the localhost
interface"). Linux refuses ``0.0.0.0:<port>`` while ``127.0.0.1:<port>`` is taken, but not
``<task address>:<port>``, so the proxy binds the task address.

The proxy is HAProxy's Docker Official Image (``mode tcp`` passes gRPC, Connect and HTTP/1.1
through unchanged). It learns the task address from the task metadata endpoint v4, whose
container document lists it as ``Networks[0].IPv4Addresses[0]``
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html),
and reads its configuration on stdin: with ``-W -db``, no pidfile and no stats socket HAProxy
writes nothing, so it runs under a read-only root filesystem with no volume. The shell
``exec``s HAProxy with a heredoc (not a pipe), so HAProxy is PID 1 and gets the stop signal.
HAProxy reads each configuration file into memory once, to its end (``load_cfg_in_mem`` in
src/cfgparse.c since 3.1, where the master-worker model parses it in the worker too; before,
the master parsed it before forking), so stdin serves once. A reload (SIGUSR2) would read an
empty stdin: the proxy is never reloaded, a changed configuration is a new task.

Only busybox tools of the Alpine image are used (``sh``, ``wget``, ``timeout``, ``tr``,
``sed``); busybox ``wget -T`` is not built into every busybox, ``timeout`` is.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from troposphere import ecs

METADATA_VARIABLE = "ECS_CONTAINER_METADATA_URI_V4"
# The first line of every message the proxy stops with, so the log reads as the proxy's.
LOG_PREFIX = "proxy:"
# Tries of the metadata endpoint at start, one second apart: ECS reports transient refusals.
METADATA_TRIES = 5
METADATA_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Timeouts:
    """HAProxy's timeouts, in seconds (``mode tcp``)."""

    connect: int  # to 127.0.0.1 in the same task
    retries: int  # connection attempts after a refused one
    tunnel: int  # silence in both directions on an established connection
    half_closed: int  # client-fin and server-fin: one side has closed, the other may still send
    hard_stop: int  # after the stop signal, connections still open are cut


@dataclass(frozen=True)
class Proxy:
    """What the proxy forwards and how: regional ports, timeouts, its connection cap."""

    ports: Sequence[tuple[str, int]]  # (name, port), forwarded to 127.0.0.1 on the same port
    timeouts: Timeouts
    max_connections: int

    def open_files(self) -> int:
        """The nofile limit ``max_connections`` needs: two sockets a connection, the listeners, and room
        for HAProxy's own (a wake-up pipe per thread, one thread per vCPU; the master's sockets)."""
        return 2 * self.max_connections + len(self.ports) + 256

    def configuration(self, address: str) -> str:
        """The HAProxy configuration, with ``address`` (text, possibly a shell variable) to bind."""
        t = self.timeouts
        lines = [
            "global",
            f"  maxconn {self.max_connections}",
            f"  hard-stop-after {t.hard_stop}s",
            # Without it a second HAProxy on the same ports starts and silently shares them (SO_REUSEPORT).
            "  noreuseport",
            "defaults",
            "  mode tcp",
            f"  retries {t.retries}",
            f"  timeout connect {t.connect}s",
            f"  timeout client {t.tunnel}s",
            f"  timeout server {t.tunnel}s",
            f"  timeout tunnel {t.tunnel}s",
            f"  timeout client-fin {t.half_closed}s",
            f"  timeout server-fin {t.half_closed}s",
        ]
        for name, port in self.ports:
            lines += [f"listen {name}", f"  bind {address}:{port}", f"  server app 127.0.0.1:{port}"]
        return "\n".join(lines)

    def command(self) -> str:
        """The container's shell script: learn the task address, then exec HAProxy on it."""
        tries, seconds = METADATA_TRIES, METADATA_TIMEOUT_SECONDS
        return "\n".join(
            [
                f'fail() {{ echo "{LOG_PREFIX} $*" >&2; exit 1; }}',
                f'[ -n "${{{METADATA_VARIABLE}:-}}" ] || fail "{METADATA_VARIABLE} is not set: the task address '
                'comes from the task metadata endpoint v4 (Fargate platform 1.4.0 or later)"',
                "tries=0",
                f'until document=$(timeout {seconds} wget -q -O - "${METADATA_VARIABLE}"); do',
                "  tries=$((tries + 1))",
                f'  [ "$tries" -lt {tries} ] || fail "the task metadata endpoint ${METADATA_VARIABLE} did not answer '
                f'in {tries} tries"',
                "  sleep 1",
                "done",
                _ADDRESS_OF_DOCUMENT,
                'case "$document" in',
                "  '{'*'\"Networks\":[{'*'}'*'}') ;;",
                '  *) fail "the task metadata endpoint did not answer with a container document with Networks[0] '
                '(bad JSON?)" ;;',
                "esac",
                '[ -n "$address" ] || fail "the task has no IPv4 address (Networks[0].IPv4Addresses is missing or '
                'empty: an IPv6-only subnet?); clients reach the plugin over IPv4"',
                f'echo "{LOG_PREFIX} forwarding $address:{self.port_list()} to 127.0.0.1"',
                "exec haproxy -W -db -f /dev/stdin <<EOF",
                self.configuration("$address"),
                "EOF",
            ]
        )

    def port_list(self) -> str:
        return ",".join(str(port) for _, port in self.ports)

    def health_check_command(self) -> str:
        """Ask the first regional port at the task address, the way a client does."""
        _, port = self.ports[0]
        return (
            f'document=$(timeout {METADATA_TIMEOUT_SECONDS} wget -q -O - "${METADATA_VARIABLE}") && '
            f"{_ADDRESS_OF_DOCUMENT} && "
            f'[ -n "$address" ] && timeout {HEALTH_CHECK_WGET_SECONDS} wget -q -O /dev/null '
            f'"http://$address:{port}/healthz"'
        )

    def health_check(self) -> ecs.HealthCheck:
        return ecs.HealthCheck(
            Command=["CMD-SHELL", self.health_check_command()],
            # Docker runs the first check one interval after the start, and the task counts as
            # healthy only then: every task start waits this long once the application is healthy.
            Interval=10,
            # The metadata request, then the plugin's answer through the proxy.
            Timeout=METADATA_TIMEOUT_SECONDS + HEALTH_CHECK_WGET_SECONDS + 3,
            Retries=3,
            # The proxy starts once the plugin is healthy and binds at once.
            StartPeriod=10,
        )


# With the application down HAProxy accepts and closes the connection (after its retries, if any);
# with the application hung, wget gives up after this long. Longer than the connect timeout.
HEALTH_CHECK_WGET_SECONDS = 5

# The document's whitespace removed, then the first network's first IPv4 address: the network
# objects hold only strings, numbers and lists of strings, so Networks[0] ends at the first "}".
_ADDRESS_OF_DOCUMENT = (
    "document=$(printf %s \"$document\" | tr -d ' \\n\\r\\t') && "
    'address=$(printf %s "$document" | sed -n \'s/.*"Networks":\\[{\\([^}]*\\)}.*/\\1/p\' '
    '| sed -n \'s/.*"IPv4Addresses":\\["\\([0-9][0-9.]*\\)"[],].*/\\1/p\')'
)
