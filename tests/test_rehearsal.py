"""make rehearse: the whole path on moto, and the list of what moto cannot rehearse.

The whole rehearsal takes about ten seconds, so it runs in `make test-deep` (REHEARSAL=1);
`make test` keeps the checks of its parts (tests/test_params_from_stack.py) and of the
list below.
"""

import os
import subprocess
import sys

import pytest

from ops import preflight
from tests.helpers import ROOT
from tools import moto_gaps, rehearse


def test_every_gap_check_is_a_preflight_check():
    """A gap that names a check preflight does not have would excuse nothing real."""
    known = {name for name, _ in preflight.ACCOUNT_CHECKS}
    for check in moto_gaps.GAP_CHECKS:
        assert check.split(":")[0] in known, check


def test_the_rehearsal_excuses_only_gaps_of_the_list():
    assert {"ecs-cluster"} == moto_gaps.GAP_LEFTOVERS
    # What the deletes keep on purpose: the log group (logs.py), the bucket and the repositories
    # (DeletionPolicy RetainExceptOnCreate), and nothing that costs by the hour.
    assert {"log-group", "bucket", "repository"} == rehearse.MEANT_TO_STAY
    assert {"vpc.dns", "iam.ecs-service-linked-role"} <= moto_gaps.GAP_CHECKS


def test_the_guide_lists_every_gap_and_every_step():
    guide = (ROOT / "docs" / "prerequisites.md").read_text()
    assert moto_gaps.table() in guide  # the generated block, current
    for step in rehearse.STEPS:
        assert step.what in guide, step.what


def test_make_rehearse_runs_the_module_and_needs_no_aws():
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "rehearse"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "-m tools.rehearse" in done.stdout


@pytest.mark.skipif(not os.environ.get("REHEARSAL"), reason="the whole rehearsal runs in make test-deep")
def test_make_rehearse_in_a_fresh_clone(tmp_path):
    """What a user runs: the committed state, its own moto_server, every step, nothing left in params/."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=60)
    (clone / ".venv").symlink_to((ROOT / ".venv").resolve())
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "rehearse"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    steps = [line for line in done.stdout.splitlines() if line.startswith("== ")]
    assert len(steps) == len(rehearse.STEPS), steps
    assert "ImageUri is v1.1.0" in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert not list((clone / "params").glob("*.local.json"))
    print(next(line for line in done.stdout.splitlines() if line.startswith("rehearsed in")), file=sys.stderr)
