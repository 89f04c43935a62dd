"""The proxy container of the plugin templates, run for real in a network namespace of its own.

Nothing here can run the plugin's image, so everything else runs for real: a stand-in plugin that
listens on 127.0.0.1 on every regional port (as every release does, facts.PLUGIN_RELEASES) and
answers with its region, a stand-in task metadata endpoint that serves AWS's documented container
document (tests/fixtures/task_metadata), and the proxy container's entry point and command exactly
as output/<template>.task-definition.json renders them, with the real haproxy binary, as the
image's user (uid 99), with the container's nofile limit. The task's address is the documented one
(192.0.2.3) and the metadata endpoint's is Fargate's (169.254.170.2), both on the namespace's own
loopback interface: no packet leaves it.

The image's tools are busybox's (Alpine): busybox provides wget, timeout, tr and sed here too.
/bin/sh is dash here and busybox ash in the image; the script uses POSIX sh only.
"""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.test_finfocus_plugin import SPEC_PORTS, SPEC_PORTS_10

INSTALL = "apt-get update && apt-get install -y haproxy busybox iproute2"
MISSING = [tool for tool in ("haproxy", "busybox", "ip", "setpriv", "unshare") if shutil.which(tool) is None]
# The container's PATH lacks these: absolute paths.
IP, SETPRIV, UNSHARE, MOUNT = (shutil.which(tool) or tool for tool in ("ip", "setpriv", "unshare", "mount"))
needs_tools = pytest.mark.skipif(
    bool(MISSING) or os.geteuid() != 0,
    reason=(
        f"{', '.join(MISSING)} not installed: {INSTALL} (as root)"
        if MISSING
        else "needs root for a network namespace (ip netns add); CI runs as root"
    ),
)

FIXTURE = json.loads((ROOT / "tests/fixtures/task_metadata/container-v4-fargate.json").read_text())
TASK_ADDRESS = FIXTURE["address"]  # Networks[0].IPv4Addresses[0] of the documented answer
METADATA_ADDRESS = "169.254.170.2"  # where Fargate serves ECS_CONTAINER_METADATA_URI_V4
METADATA_URI = f"http://{METADATA_ADDRESS}/v4/cd189a933e5849daa93386466019ab50-2495160603"
# The image's user: USER haproxy, uid 99, in 3.4/alpine/Dockerfile of github.com/docker-library/haproxy.
IMAGE_UID = 99
# The stop signal of the image (STOPSIGNAL SIGUSR1): HAProxy's graceful stop.
IMAGE_STOP_SIGNAL = signal.SIGUSR1

LAYOUTS = {
    "finfocus-plugin": {port: region for port, region in SPEC_PORTS.items() if region != "metrics"},
    "finfocus-plugin-10-region": {port: region for port, region in SPEC_PORTS_10.items() if region != "metrics"},
}

# The documented answer with its only IPv4 address gone, as in a subnet with IPv6 addresses only.
_document = json.loads(FIXTURE["container"])
_network = _document["Networks"][0]
del _network["IPv4Addresses"]
_network["IPv6Addresses"] = ["2001:db8::3"]
NO_IPV4 = json.dumps(_document, indent=4)
DOCUMENTS = {
    "documented": FIXTURE["container"],
    "compact": json.dumps(json.loads(FIXTURE["container"]), separators=(",", ":")),
    "truncated": FIXTURE["container"][: len(FIXTURE["container"]) // 2],
    "html": "<html><body>502 Bad Gateway</body></html>\n",
    "no-ipv4": NO_IPV4,
}

STAND_IN_PLUGIN = """
import http.server, json, sys, threading, time

class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":  # a call still running when the proxy is told to stop
            time.sleep(1)
        body = self.server.region.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

for port, region in json.loads(sys.argv[1]).items():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Answer)
    server.region = region
    threading.Thread(target=server.serve_forever, daemon=True).start()
print("listening", flush=True)
threading.Event().wait()
"""

STAND_IN_METADATA = """
import http.server, json, sys

documents = json.loads(sys.argv[2])

class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        body = documents.get(name, documents["documented"]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer((sys.argv[1], 80), Answer)
print("listening", flush=True)
server.serve_forever()
"""

# Asks each port at the task's address; "wait" retries until every one answers with its region
# (or 10 s): while the stand-in plugin binds its ports, the proxy accepts and then closes.
CLIENT = """
import http.client, json, sys, time

address, ports, mode = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]

def ask(port, path="/"):
    try:
        connection = http.client.HTTPConnection(address, int(port), timeout=5)
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    except ConnectionRefusedError:
        return "refused"
    except OSError as error:
        return "error: " + type(error).__name__

if mode == "slow":
    # "sent" once the request is on its way, so the test stops the proxy only after that.
    connection = http.client.HTTPConnection(address, int(ports[0]), timeout=5)
    connection.request("GET", "/slow")
    print("sent", flush=True)
    print(json.dumps({ports[0]: connection.getresponse().read().decode()}), flush=True)
    sys.exit()
deadline = time.monotonic() + 10
while True:
    answers = {port: ask(port) for port in ports}
    unanswered = [a for a in answers.values() if a == "refused" or a.startswith("error: ")]
    if mode == "once" or not unanswered or time.monotonic() > deadline:
        break
    time.sleep(0.05)
print(json.dumps(answers))
"""


def rendered_proxy(name: str) -> dict:
    """The proxy container as the build writes it (parameters at their defaults)."""
    document = json.loads((ROOT / f"output/{name}.task-definition.json").read_text())
    (proxy,) = [c for c in document["containerDefinitions"] if c["name"] == "proxy"]
    return proxy


class Namespace:
    """A network namespace with only its loopback interface, and the processes started in it."""

    def __init__(self, tools):
        self.name = f"proxytest-{uuid.uuid4().hex[:10]}"
        self.tools = tools
        self.processes: list[subprocess.Popen] = []
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.ip("link", "set", "lo", "up")
        for address in (TASK_ADDRESS, METADATA_ADDRESS):
            self.ip("addr", "add", f"{address}/32", "dev", "lo")

    def ip(self, *arguments):
        subprocess.run(["ip", "-n", self.name, *arguments], check=True)

    def command(self, *arguments) -> list[str]:
        return [IP, "netns", "exec", self.name, *arguments]

    def start(self, arguments, **options) -> subprocess.Popen:
        process = subprocess.Popen(self.command(*arguments), **options)
        self.processes.append(process)
        return process

    def python(self, script: str, *arguments) -> subprocess.Popen:
        process = self.start([sys.executable, "-c", script, *arguments], stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "listening"
        return process

    def container_environment(self, container: dict, uri: str | None) -> dict:
        # Only the image's tools: a command the image lacks fails here too.
        environment = {"PATH": str(self.tools)}
        environment.update({item["name"]: item["value"] for item in container.get("environment", [])})
        if uri is not None:
            environment["ECS_CONTAINER_METADATA_URI_V4"] = uri
        return environment

    def as_container(self, container: dict, arguments: list[str], uri: str | None, **options) -> subprocess.Popen:
        """``arguments`` run as the container would: its user, its environment, its nofile limit, and a
        read-only root filesystem when it has one (/ remounted read-only in a mount namespace of its own)."""
        (nofile,) = [u for u in container["ulimits"] if u["name"] == "nofile"]
        limits = (nofile["softLimit"], nofile["hardLimit"])
        user = str(container["user"])
        as_user = [SETPRIV, f"--reuid={user}", f"--regid={user}", "--clear-groups", "--"]
        if container.get("readonlyRootFilesystem"):
            read_only = f'{MOUNT} -o remount,bind,ro / && exec "$@"'
            as_user = [UNSHARE, "--mount", "--propagation", "private", "/bin/sh", "-c", read_only, "sh", *as_user]
        # From "/", not the checkout, which the image's user may not be allowed to enter (a clone
        # in a directory only root can read): a container starts in its image's directory.
        return self.start(
            as_user + arguments,
            cwd="/",
            env=self.container_environment(container, uri),
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, limits),
            **options,
        )

    def ask(self, ports, mode: str) -> dict[int, str]:
        result = subprocess.run(
            self.command(sys.executable, "-c", CLIENT, TASK_ADDRESS, json.dumps(sorted(ports)), mode),
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        )
        return {int(port): answer for port, answer in json.loads(result.stdout).items()}

    def slow_call(self, ports) -> subprocess.Popen:
        """A call to the first port that the stand-in answers after a second, left running."""
        return self.start(
            [sys.executable, "-c", CLIENT, TASK_ADDRESS, json.dumps(sorted(ports)), "slow"],
            stdout=subprocess.PIPE,
            text=True,
        )

    def stop(self, process: subprocess.Popen, sig=signal.SIGTERM) -> None:
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self):
        for process in reversed(self.processes):
            self.stop(process, signal.SIGKILL)
        subprocess.run(["ip", "netns", "delete", self.name], check=False)


# What the proxy's commands find on PATH in the Alpine image: busybox applets and haproxy.
IMAGE_TOOLS = {"wget": "busybox", "timeout": "busybox", "tr": "busybox", "sed": "busybox", "sleep": "busybox"}


@pytest.fixture(scope="module")
def namespace():
    # Readable by the image's user, unlike pytest's own temporary directories (0700, root's).
    tools = Path(tempfile.mkdtemp(prefix="proxy-image-tools-"))
    try:
        tools.chmod(0o755)
        for name, program in {**IMAGE_TOOLS, "haproxy": "haproxy"}.items():
            (tools / name).symlink_to(shutil.which(program))
        space = Namespace(tools)
        try:
            space.python(STAND_IN_METADATA, METADATA_ADDRESS, json.dumps(DOCUMENTS))
            yield space
        finally:
            space.close()
    finally:
        shutil.rmtree(tools)


def run_proxy(space: Namespace, container: dict, uri: str | None) -> subprocess.Popen:
    return space.as_container(
        container,
        container["entryPoint"] + container["command"],
        uri,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def health_check(space: Namespace, container: dict) -> tuple[int, float]:
    """The container's CMD-SHELL health check, run as Docker runs it (/bin/sh -c), and its duration."""
    kind, command = container["healthCheck"]["command"]
    assert kind == "CMD-SHELL"
    started = time.monotonic()
    process = space.as_container(container, ["/bin/sh", "-c", command], METADATA_URI)
    code = process.wait(timeout=container["healthCheck"]["timeout"] + 5)
    return code, time.monotonic() - started


@needs_tools
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_a_client_at_the_task_address_gets_each_region_through_the_proxy(namespace, name):
    layout = LAYOUTS[name]
    proxy = rendered_proxy(name)
    # It writes nothing: run with its root filesystem read-only, as the task definition has it.
    assert proxy["readonlyRootFilesystem"] is True
    plugin = namespace.python(STAND_IN_PLUGIN, json.dumps(layout))

    # The plugin alone: on loopback, so a client at the task's address is refused on every port.
    assert namespace.ask(layout, "once") == {port: "refused" for port in layout}

    started = time.monotonic()
    process = run_proxy(namespace, proxy, METADATA_URI)
    try:
        assert namespace.ask(layout, "wait") == layout
        ready = time.monotonic() - started
        assert process.poll() is None
        # exec, not a child of sh: HAProxy itself gets ECS's stop signal.
        with open(f"/proc/{process.pid}/comm") as comm:
            assert comm.read().strip() == "haproxy"
        # Seconds, not a minute: the metadata endpoint answers at once here (a loaded machine is slower).
        assert ready < 10, f"the proxy took {ready:.1f} s to answer"

        # ECS counts a container unhealthy after `retries` failed checks in a row, not after one.
        passed = any(health_check(namespace, proxy)[0] == 0 for _ in range(proxy["healthCheck"]["retries"]))
        assert passed, "the health check fails while the plugin answers through the proxy"

        namespace.stop(plugin)
        code, took = health_check(namespace, proxy)
        assert code != 0, "the health check passes with the plugin stopped"
        assert took < proxy["healthCheck"]["timeout"], f"the failing check took {took:.1f} s, over its timeout"

        # The image's stop signal, which ECS sends (it honours STOPSIGNAL on Fargate): a call in
        # flight is answered, a new connection is refused at once, and HAProxy then exits.
        plugin = namespace.python(STAND_IN_PLUGIN, json.dumps(layout))
        first = min(layout)
        assert namespace.ask(layout, "wait") == layout
        in_flight = namespace.slow_call(layout)
        assert in_flight.stdout.readline() == "sent\n"
        time.sleep(0.3)  # the stand-in answers /slow after a second: the call is in flight
        process.send_signal(IMAGE_STOP_SIGNAL)
        time.sleep(0.1)
        assert namespace.ask(layout, "once") == {port: "refused" for port in layout}
        assert json.loads(in_flight.communicate(timeout=10)[0].splitlines()[-1]) == {str(first): layout[first]}
        assert process.wait(timeout=5) == 0
    finally:
        namespace.stop(process, signal.SIGKILL)
        namespace.stop(plugin, signal.SIGKILL)
    log = process.stdout.read()
    assert f"proxy: forwarding {TASK_ADDRESS}:{','.join(map(str, layout))} to 127.0.0.1" in log


@needs_tools
def test_the_proxy_reads_the_address_from_a_compact_document_too(namespace):
    """The documented answer is indented; the endpoint's own spacing is not promised, so none is assumed."""
    proxy = rendered_proxy("finfocus-plugin-10-region")
    ports = LAYOUTS["finfocus-plugin-10-region"]
    plugin = namespace.python(STAND_IN_PLUGIN, json.dumps(ports))
    process = run_proxy(namespace, proxy, METADATA_URI.rsplit("/", 1)[0] + "/compact")
    try:
        assert namespace.ask(ports, "wait") == ports
        # The health check goes through the proxy: with the plugin up and the proxy gone, it fails.
        namespace.stop(process, signal.SIGKILL)
        code, _ = health_check(namespace, proxy)
        assert code != 0, "the health check passes without the proxy: it does not ask the task's address"
    finally:
        namespace.stop(process, signal.SIGKILL)
        namespace.stop(plugin, signal.SIGKILL)


@needs_tools
@pytest.mark.parametrize(
    "document, cause",
    [
        (None, "ECS_CONTAINER_METADATA_URI_V4 is not set"),
        ("truncated", "did not answer with a container document with Networks[0] (bad JSON?)"),
        ("html", "did not answer with a container document with Networks[0] (bad JSON?)"),
        ("no-ipv4", "the task has no IPv4 address"),
    ],
)
def test_without_a_task_address_the_proxy_stops_at_once_naming_the_cause(namespace, document, cause):
    proxy = rendered_proxy("finfocus-plugin")
    uri = None if document is None else METADATA_URI.rsplit("/", 1)[0] + f"/{document}"
    started = time.monotonic()
    process = run_proxy(namespace, proxy, uri)
    try:
        _, errors = process.communicate(timeout=10)
    finally:
        namespace.stop(process, signal.SIGKILL)
    assert process.returncode == 1
    assert time.monotonic() - started < 2
    lines = errors.splitlines()
    assert len(lines) == 1 and lines[0].startswith("proxy: ") and cause in lines[0], errors


@needs_tools
def test_the_open_files_limit_is_what_the_connection_cap_needs(namespace):
    """Fargate's own nofile limit is not assumed: with fewer open files than maxconn needs, HAProxy
    refuses to start, so the task definition sets the limit with it."""
    proxy = rendered_proxy("finfocus-plugin")
    too_few = {**proxy, "ulimits": [{"name": "nofile", "softLimit": 4096, "hardLimit": 4096}]}
    process = run_proxy(namespace, too_few, METADATA_URI)
    try:
        _, errors = process.communicate(timeout=10)
    finally:
        namespace.stop(process, signal.SIGKILL)
    assert process.returncode != 0
    assert "Cannot raise FD limit" in errors
