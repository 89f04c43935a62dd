"""A moto_server on 127.0.0.1 for the tests and `make rehearse`: started, and stopped by its own
process id, with the one correction of tools/moto_fixes/ (moto's update of a conditional resource)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
FIXES = Path(__file__).resolve().parent / "moto_fixes"
START_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(log=subprocess.DEVNULL) -> tuple[subprocess.Popen, str]:
    """The server process and its endpoint URL; OSError when it is missing or does not answer."""
    server = shutil.which("moto_server", path=str(BIN)) or shutil.which("moto_server")
    if not server:
        raise OSError("moto_server is not installed: make template installs requirements.txt")
    port = free_port()
    path = os.pathsep.join(filter(None, [str(FIXES), os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=log,
        # No test needs moto's catalogue of public AMIs; building it costs a second of CPU.
        env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false", "PYTHONPATH": path},
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise OSError(f"moto_server did not answer within {START_SECONDS} s")


def reset(endpoint: str) -> None:
    """Every account, region and resource forgotten (moto's own reset call)."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """Our own server, by its own process id: SIGTERM, and SIGKILL if it has not exited after
    ``grace`` seconds (moto exits through sys.exit, which a starved CPU can hold up)."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
