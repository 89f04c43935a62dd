"""`make moto`: a local server for the user's own commands, with the exports that reach it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent


def test_the_printed_exports_reach_the_server_and_a_term_leaves_nothing_behind():
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.moto_server"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        printed = []
        for line in server.stdout:
            printed.append(line)
            if line.startswith("Ctrl-C"):
                break
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1) for line in printed if line.startswith("export ")
        )
        # What the AWS CLI v1 and boto3 need to reach it, and no region of the user's.
        assert set(exports) == {
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        }
        assert exports["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        assert "unset AWS_PROFILE\n" in printed
        session = boto3.session.Session(
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
            region_name=exports["AWS_REGION"],
        )
        cloudformation = session.client("cloudformation", endpoint_url=exports["AWS_ENDPOINT_URL"])
        assert cloudformation.list_stacks()["StackSummaries"] == []
        pid = int(printed[0].split("(pid ")[1].split(")")[0])
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
    # The moto_server it started is gone too, stopped by its own process id.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"moto_server {pid} still runs")


def test_a_port_out_of_range_is_one_line_and_exit_2():
    done = subprocess.run(
        [sys.executable, "-m", "tools.moto_server", "--port", "70000"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--port 70000" in done.stderr


def test_make_names_its_own_variable_for_a_bad_port():
    # -o: the virtual environment is there already; a test never reinstalls it.
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "-o", ".venv/.installed", "moto", "MOTO_PORT=70000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "make moto: MOTO_PORT=70000 is not a port: give one from 1 to 65535"
