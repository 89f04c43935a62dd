"""Offline: what the probe task runs, and how its log lines are read.

The task runs the proxy's image (Alpine: busybox ``sh``, ``nslookup``, ``wget``, ``awk``), so
no other image is pulled. The script resolves the plugin's Cloud Map name as a client does,
then asks every regional port of every address the name resolves to, all at once (the whole
probe lasts about one timeout), and prints one line per answer:

    PROBE dns <name> <address> ...            (or ``-`` when the name resolves to nothing)
    PROBE answer <address> <port> <wget exit status> <milliseconds> <wget's error, if any>
    PROBE end

or, in an image without the tools (a Debian variant), ``PROBE missing <tool> ...``.
Values reach the script as arguments (``sh -c SCRIPT probe TIMEOUT NAME PORT...``), never
pasted into it, so no name can change what it runs.
"""

import re
from dataclasses import dataclass

MARKER = "PROBE"
# Each port is asked on the plugin's health path (every regional port serves /healthz:
# docker/healthcheck.sh of github.com/rshade/finfocus-plugin-aws-public asks it on each).
HEALTH_PATH = "/healthz"

# /proc/uptime has hundredths of a second; busybox `date` has no finer unit than the second.
# busybox wget -T bounds the connect and every read (set_alarm() before xconnect_stream() in
# networking/wget.c), so each ask ends within the timeout.
SCRIPT = r"""set -u
timeout_s=$1 name=$2
shift 2
now_ms() {
  read -r up _ < /proc/uptime
  hundredths=${up#*.}
  echo $(( ${up%.*} * 1000 + ${hundredths#0} * 10 ))
}
ask() {
  start=$(now_ms)
  error=$(wget -T "$timeout_s" -q -O /dev/null "http://$1:$2__PATH__" 2>&1)
  status=$?
  took=$(( $(now_ms) - start ))
  echo "PROBE answer $1 $2 $status $took $(printf '%s' "$error" | tr '\n' ' ')"
}
missing=
for tool in nslookup wget awk sort tr; do
  command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "PROBE missing$missing"
  echo "PROBE end"
  exit 0
fi
addresses=$(nslookup "$name" 2>/dev/null | awk '
  /^Name:/ { answer = 1; next }
  answer && /^Address/ {
    for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) { print $i; break }
  }' | sort -u | tr '\n' ' ')
echo "PROBE dns $name ${addresses:--}"
for address in $addresses; do
  for port in "$@"; do
    ask "$address" "$port" &
  done
done
wait
echo "PROBE end"
""".replace("__PATH__", HEALTH_PATH)

ANSWERED, REFUSED, TIMED_OUT, CLOSED, HTTP_ERROR, UNREACHABLE, FAILED = (
    "answered",
    "refused",
    "timed out",
    "closed",
    "http error",
    "unreachable",
    "failed",
)

# busybox wget's own texts (github.com/mirror/busybox at 371fe9f, networking/wget.c and
# libbb/xconnect.c): "can't connect to remote host (<ip>): <strerror>", "download timed out",
# "error getting response[: <strerror>]", "server returned error: <status line>".
# A status of 124 (coreutils timeout) or 143 (killed by SIGTERM) also means time ran out.
_CLASSES = (
    (REFUSED, re.compile(r"Connection refused", re.IGNORECASE)),
    (TIMED_OUT, re.compile(r"timed out", re.IGNORECASE)),
    (UNREACHABLE, re.compile(r"No route to host|unreachable", re.IGNORECASE)),
    (HTTP_ERROR, re.compile(r"server returned error", re.IGNORECASE)),
    (CLOSED, re.compile(r"error getting response|reset by peer", re.IGNORECASE)),
)
TIMEOUT_STATUSES = {124, 143}


def classify(status: int, error: str) -> str:
    """One word for what a port did, from wget's exit status and its error text."""
    if status == 0:
        return ANSWERED
    for result, pattern in _CLASSES:
        if pattern.search(error):
            return result
    if status in TIMEOUT_STATUSES:
        return TIMED_OUT
    return FAILED


@dataclass(frozen=True)
class Answer:
    address: str
    port: int
    result: str
    milliseconds: int
    error: str


@dataclass
class Output:
    """What the task printed: the addresses the name resolved to, the answers, and whether
    the script reached its end (a missing end means the log is cut short)."""

    name: str | None = None
    addresses: tuple[str, ...] = ()
    answers: tuple[Answer, ...] = ()
    missing: tuple[str, ...] = ()
    ended: bool = False


def command(timeout: int, name: str, ports: list[int]) -> list[str]:
    """The container's command, after the entry point ``sh -c``."""
    return [SCRIPT, "probe", str(timeout), name, *(str(port) for port in ports)]


def parse(lines: list[str]) -> Output:
    """The task's log lines (in any order, with anything else among them) as one Output."""
    output = Output()
    answers = []
    for line in lines:
        fields = line.strip().split(" ", 6)
        if len(fields) < 2 or fields[0] != MARKER:
            continue
        kind = fields[1]
        if kind == "dns" and len(fields) >= 3:
            rest = line.strip().split()[2:]
            output.name = rest[0]
            output.addresses = tuple(a for a in rest[1:] if a != "-")
        elif kind == "answer" and len(fields) >= 6 and fields[3].isdigit() and fields[4].isdigit():
            error = fields[6].strip() if len(fields) > 6 else ""
            status = int(fields[4])
            milliseconds = int(fields[5]) if fields[5].isdigit() else 0
            answers.append(Answer(fields[2], int(fields[3]), classify(status, error), milliseconds, error))
        elif kind == "missing":
            output.missing = tuple(line.strip().split()[2:])
        elif kind == "end":
            output.ended = True
    output.answers = tuple(sorted(answers, key=lambda a: (a.port, a.address)))
    return output
