"""tools/moto_server.py stops its own server even when the server is slow to exit."""

import subprocess
import sys
import time

from tools import moto_server

IGNORES_SIGTERM = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(); time.sleep(60)"


def started(code: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    process.stdout.readline()  # the handler is in place
    return process


def test_a_server_that_does_not_exit_on_sigterm_is_killed_after_the_grace_period():
    process = started(IGNORES_SIGTERM)
    began = time.monotonic()
    moto_server.stop(process, grace=0.5)
    assert process.returncode == -9  # SIGKILL
    assert 0.5 <= time.monotonic() - began < 5


def test_a_server_that_exits_on_sigterm_is_not_killed():
    process = started("import time; print(); time.sleep(60)")
    moto_server.stop(process, grace=5)
    assert process.returncode == -15  # SIGTERM


def test_a_server_that_has_exited_is_left_alone():
    process = started("print()")
    process.wait(timeout=10)
    moto_server.stop(process)
    assert process.returncode == 0
