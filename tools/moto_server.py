"""A moto_server on 127.0.0.1 for the tests and `make rehearse`: started, and stopped by its own
process id, with the one correction of tools/moto_fixes/ (moto's update of a conditional resource).

`make moto` (python -m tools.moto_server) runs one in the foreground for your own day-2
commands and prints the environment that points them at it, until Ctrl-C.
"""

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


def start(log=subprocess.DEVNULL, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """The server process and its endpoint URL; OSError when it is missing or does not answer."""
    server = shutil.which("moto_server", path=str(BIN)) or shutil.which("moto_server")
    if not server:
        raise OSError("moto_server is not installed: make template installs requirements.txt")
    port = port or free_port()
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


REGION = "us-east-1"


def exports(endpoint: str) -> str:
    """What points boto3 (the make targets) and the AWS CLI at the server: both read
    AWS_ENDPOINT_URL; the AWS CLI version 1 of the tests reads AWS_DEFAULT_REGION, not AWS_REGION."""
    values = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    return "\n".join(f"export {key}={value}" for key, value in values.items()) + "\nunset AWS_PROFILE\n"


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="make moto", description=__doc__.split("\n\n")[1])
    parser.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    arguments = parser.parse_args(argv)
    if not 0 <= arguments.port <= 65535:
        from ops import invocation  # the message names MOTO_PORT= when make ran it

        given = invocation.option("--port", str(arguments.port))
        print(f"make moto: {given} is not a port: give one from 1 to 65535", file=sys.stderr)
        return 2
    try:
        process, endpoint = start(log=None, port=arguments.port or None)
    except OSError as error:
        print(f"make moto: {error}", file=sys.stderr)
        return 1
    print(f"moto_server on {endpoint} (pid {process.pid}), with tools/moto_fixes; in another shell:\n")
    print(exports(endpoint))
    print("Ctrl-C stops it and forgets everything it held.", flush=True)
    # A TERM (a closed terminal, a timeout) stops the server as Ctrl-C does, never leaving it behind.
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        process.wait()
    except KeyboardInterrupt:
        stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
