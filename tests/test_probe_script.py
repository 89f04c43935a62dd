"""The probe task's script, run here with `sh` against stand-ins on loopback.

The task runs it in the proxy's Alpine image with busybox `nslookup` and `wget`. Where this
machine has busybox, its `wget` is used; otherwise a stand-in that connects for real and
prints busybox's own failure texts (networking/wget.c, libbb/xconnect.c at
https://github.com/mirror/busybox/tree/371fe9f71d445d18be28c82a2a6d82115c8af19d). `nslookup`
is always a stand-in printing busybox's answer format (networking/nslookup.c:
"Name:\\t%s\\nAddress: %s\\n" after the server lines), so nothing asks a real resolver.
"""

import http.server
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading

import pytest

from ops.probe import script as probe_script

NAME = "plugin.finfocus.local"

FAKE_WGET = r"""#!{python}
import socket, sys
arguments = sys.argv[1:]
timeout = float(arguments[arguments.index("-T") + 1])
url = arguments[-1].removeprefix("http://")
host_port, _, path = url.partition("/")
host, _, port = host_port.rpartition(":")


def die(text):
    print("wget: " + text, file=sys.stderr)
    sys.exit(1)


try:
    connection = socket.create_connection((host, int(port)), timeout=timeout)
except TimeoutError:
    die("download timed out")
except OSError as error:
    die(f"can't connect to remote host ({{host}}): {{error.strerror}}")
connection.sendall(f"GET /{{path}} HTTP/1.1\r\nHost: {{host_port}}\r\nConnection: close\r\n\r\n".encode())
try:
    answer = connection.recv(4096)
except TimeoutError:
    die("download timed out")
except OSError as error:
    die(f"error getting response: {{error.strerror}}")
if not answer:
    die("error getting response")
status = answer.split(b"\r\n", 1)[0].decode()
if status.split()[1] != "200":
    die(f"server returned error: {{status}}")
"""

FAKE_NSLOOKUP = """#!/bin/sh
printf 'Server:\\t\\t127.0.0.53\\nAddress:\\t127.0.0.53:53\\n\\n'
printf 'Non-authoritative answer:\\n'
for address in {addresses}; do printf 'Name:\\t%s\\nAddress: %s\\n' "$1" "$address"; done
printf '\\nNon-authoritative answer:\\n*** Can'"'"'t find %s: No answer\\n\\n' "$1"
"""


def executable(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


BUSYBOX = shutil.which("busybox")
# Debian's busybox before 1.36.1-5 is built without FEATURE_WGET_TIMEOUT, and its wget crashes
# on -T (https://github.com/docker-easyconnect/docker-easyconnect/pull/369); Alpine's has it.
# Such a wget is replaced by the stand-in; the shell, awk, sort and tr stay busybox's.
WGET_HAS_TIMEOUT = (
    bool(BUSYBOX) and "-T SEC" in subprocess.run([BUSYBOX, "wget", "--help"], capture_output=True, text=True).stderr
)
SHELL = [BUSYBOX, "sh"] if BUSYBOX else ["sh"]


@pytest.fixture
def tools(tmp_path):
    """A PATH whose applets are busybox's where it is installed, wget the stand-in where busybox's
    has no -T, and nslookup always the stand-in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if BUSYBOX:
        for applet in ("awk", "sort", "tr"):
            (bin_dir / applet).symlink_to(BUSYBOX)
    if WGET_HAS_TIMEOUT:
        (bin_dir / "wget").symlink_to(BUSYBOX)
    else:
        executable(bin_dir / "wget", FAKE_WGET.format(python=sys.executable))

    def resolve_to(*addresses):
        executable(bin_dir / "nslookup", FAKE_NSLOOKUP.format(addresses=" ".join(addresses)))

    resolve_to()
    return bin_dir, resolve_to


class Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        code = self.status if self.path == probe_script.HEALTH_PATH else 404
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_):
        pass


class Unhealthy(Health):
    status = 503


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port() -> int:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return spare.getsockname()[1]


def run_script(bin_dir, timeout, ports):
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    finished = subprocess.run(
        [*SHELL, "-c", *probe_script.command(timeout, NAME, ports)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.splitlines()


def test_each_port_is_answered_refused_timed_out_or_errored_as_the_parser_reads_it(tools):
    bin_dir, resolve_to = tools
    resolve_to("127.0.0.1")
    healthy, unhealthy = serve(Health), serve(Unhealthy)
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = free_port()
    ports = [healthy.server_address[1], closed, silent.getsockname()[1], unhealthy.server_address[1]]
    try:
        lines = run_script(bin_dir, 1, ports)
    finally:
        healthy.shutdown()
        unhealthy.shutdown()
        silent.close()
    assert lines[0] == f"PROBE dns {NAME} 127.0.0.1 "
    assert lines[-1] == "PROBE end"
    output = probe_script.parse(lines)
    assert output.ended and output.name == NAME and output.addresses == ("127.0.0.1",)
    found = {a.port: a for a in output.answers}
    assert len(found) == 4
    assert found[ports[0]].result == "answered"
    assert found[ports[1]].result == "refused"
    assert found[ports[2]].result == "timed out"
    assert found[ports[3]].result == "http error"
    # Times are measured: the silent port waited about the timeout, the others far less.
    assert 900 <= found[ports[2]].milliseconds <= 5000
    assert found[ports[0]].milliseconds < 900


def test_every_address_the_name_resolves_to_is_asked(tools):
    bin_dir, resolve_to = tools
    resolve_to("127.0.0.1", "127.0.0.2")  # the stand-in listens on the first only
    healthy = serve(Health)
    try:
        lines = run_script(bin_dir, 1, [healthy.server_address[1]])
    finally:
        healthy.shutdown()
    output = probe_script.parse(lines)
    assert output.addresses == ("127.0.0.1", "127.0.0.2")
    assert [(a.address, a.result) for a in output.answers] == [("127.0.0.1", "answered"), ("127.0.0.2", "refused")]


def test_a_name_that_resolves_to_nothing_asks_no_port(tools):
    bin_dir, _ = tools
    lines = run_script(bin_dir, 1, [free_port()])
    assert lines == [f"PROBE dns {NAME} -", "PROBE end"]
    output = probe_script.parse(lines)
    assert output.ended and output.addresses == () and output.answers == ()


def test_an_image_without_the_tools_says_which_are_missing(tmp_path):
    """A Debian variant of the image has no wget or nslookup: the script says so and asks nothing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("awk", "sort", "tr"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    finished = subprocess.run(
        [shutil.which("sh"), "-c", *probe_script.command(1, NAME, [8001])],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    output = probe_script.parse(finished.stdout.splitlines())
    assert output.ended and output.missing == ("nslookup", "wget") and output.answers == ()


@pytest.mark.parametrize(
    ("status", "error", "result"),
    [
        (0, "", "answered"),
        # https://github.com/ronggang/transmission-web-control/issues/371
        (1, "wget: can't connect to remote host (151.101.0.133): Connection refused", "refused"),
        (1, "wget: download timed out", "timed out"),
        # https://github.com/open-power/op-build/issues/1187 (what the proxy gives with the app down)
        (1, "wget: error getting response", "closed"),
        (1, "wget: error getting response: Connection reset by peer", "closed"),
        (1, "wget: server returned error: HTTP/1.1 503 Service Unavailable", "http error"),
        (1, "wget: can't connect to remote host (10.0.1.23): No route to host", "unreachable"),
        (143, "", "timed out"),
        (1, "wget: bad address 'plugin.finfocus.local'", "failed"),
    ],
)
def test_wget_texts_are_classified(status, error, result):
    assert probe_script.classify(status, error) == result


def test_lines_that_are_not_the_probes_are_ignored_and_a_cut_log_has_no_end():
    output = probe_script.parse(
        ["some other line", "PROBE dns x 10.0.0.1", "PROBE answer 10.0.0.1 8001 0 7 ", "PROBE answer broken"]
    )
    assert not output.ended
    assert [(a.port, a.result, a.milliseconds) for a in output.answers] == [(8001, "answered", 7)]
