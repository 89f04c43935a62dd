"""Messages speak the language of whoever ran the command: make's variables when make ran
it (the Makefile sets OPS_MAKE_TARGET), the command's own options when a user ran it by hand;
and they count in words ("1 bucket", "a stack that runs no task")."""

import os
import re
import subprocess

import pytest

from ops.cost import cli
from ops.shared import invocation
from ops.shared.report import counted
from tests.helpers import ROOT

MAKEFILE = (ROOT / "Makefile").read_text()


def make(*arguments: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=environment, timeout=120)


def first_line(done: subprocess.CompletedProcess) -> str:
    """The command's one line (make adds one of its own after a failing command)."""
    lines = [line for line in done.stderr.splitlines() if not line.startswith("make: *** ")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_each_make_variable_named_is_the_one_the_makefile_gives_the_option_from():
    for flag, variable in invocation.MAKE_VARIABLES.items():
        assert f"$(if $({variable}),{flag} " in MAKEFILE, (flag, variable)
    # Every command a target runs is told it is make's.
    recipes = re.findall(r"^\t@?(.*-m (?:ops\.|guard|tools\.rehearse).*)$", MAKEFILE, re.MULTILINE)
    assert recipes and all(line.startswith("$(TOOL) ") for line in recipes if "ops.cost.refresh" not in line)
    assert "TOOL = OPS_MAKE_TARGET=$@ $(BIN)/python -m" in MAKEFILE


@pytest.mark.parametrize(
    ("variables", "line"),
    [
        (
            ["SPOT_DISCOUNT=150"],
            "make cost: SPOT_DISCOUNT=150 is refused: give a number from 0 to 100, e.g. SPOT_DISCOUNT=70",
        ),
        (["LOG_GB=-1"], "make cost: LOG_GB=-1 is refused: give a number of 0 or more, e.g. LOG_GB=1"),
        (["DATA_GB=lots"], "make cost: DATA_GB=lots is refused: give a number of 0 or more, e.g. DATA_GB=10"),
    ],
)
def test_make_cost_names_the_make_variable(variables, line):
    done = make("cost", "TEMPLATE=go-api", *variables)
    assert done.returncode == 2
    assert first_line(done) == line


def test_by_hand_cost_names_its_options(capsys, monkeypatch):
    monkeypatch.delenv(invocation.ENV, raising=False)
    assert cli.main(["go-api", "--spot-discount", "150"]) == 2
    said = capsys.readouterr().err
    assert said == "make cost: --spot-discount '150' is refused: give a number from 0 to 100, e.g. --spot-discount 70\n"
    assert cli.main(["go-api", "--log-gb-per-task", "-1"]) == 2
    said = capsys.readouterr().err
    assert (
        said == "make cost: --log-gb-per-task '-1' is refused: give a number of 0 or more, e.g. --log-gb-per-task 1\n"
    )


def test_make_timeline_names_the_make_variables():
    done = make("timeline", "TEMPLATE=go-api", "TASK_START=soon")
    assert first_line(done) == "timeline: TASK_START=soon is not SECONDS or TYPICAL,WORST: e.g. TASK_START=40,90"
    done = make("timeline", "TEMPLATE=go-api", "TARGET_GROUP=interval=x")
    assert first_line(done).startswith("timeline: TARGET_GROUP=interval=x is not KEY=SECONDS_OR_COUNT: use interval,")
    assert "e.g. TARGET_GROUP=interval=30," in first_line(done) and "--target-group" not in done.stderr


def test_make_cost_states_its_assumptions_as_make_variables():
    done = make("cost", "TEMPLATE=go-api", "PARAMS=params/go-api.dev.json")
    assumed = next(line for line in done.stdout.splitlines() if line.startswith("assumed: "))
    assert "(SPOT_DISCOUNT=)" in assumed and "(LOG_GB=)" in assumed and "(DATA_GB=)" in assumed
    assert "--" not in assumed


def test_a_file_for_another_template_names_the_template_as_given(capsys, monkeypatch):
    platform = str(ROOT / "params" / "platform.dev.json")
    monkeypatch.setenv(invocation.ENV, "cost")
    assert cli.main(["go-api", platform]) == 2
    assert capsys.readouterr().err.rstrip().endswith("give TEMPLATE=platform with it, or a parameter file for go-api")
    monkeypatch.delenv(invocation.ENV)
    assert cli.main(["go-api", platform]) == 2
    assert capsys.readouterr().err.rstrip().endswith("give platform with it, or a parameter file for go-api")


@pytest.mark.parametrize(
    ("number", "noun", "said"),
    [
        (1, "bucket", "1 bucket"),
        (2, "bucket", "2 buckets"),
        (0, "bucket", "0 buckets"),
        (1, "policy", "1 policy"),
        (2, "policy", "2 policies"),
        (3, "repository", "3 repositories"),
        (2, "day", "2 days"),  # a vowel before the y
        (1, "other control", "1 other control"),
    ],
)
def test_counted(number, noun, said):
    assert counted(number, noun) == said


def test_cost_counts_in_words_and_a_stack_without_tasks_has_one_total():
    done = make("cost", "TEMPLATE=prerequisites", "PARAMS=params/prerequisites.dev.json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # The prerequisites create two buckets (the knowledge base's, the templates') and three
    # repositories (output/prerequisites.json).
    assert any(line.startswith("S3 storage, 2 buckets x 1 GB ") for line in lines)
    assert any(line.startswith("ECR storage, 3 repositories x 1 GB ") for line in lines)
    totals = [line for line in lines if line.startswith("total")]
    assert len(totals) == 1 and totals[0].startswith("total (the stack runs no task): ")
    assert "0 tasks" not in done.stdout and "Fargate Spot" not in done.stdout
    one_policy = make("cost", "TEMPLATE=go-api", "PARAMS=params/go-api.dev.json").stdout
    assert "Target-tracking alarms, 1 policy x 2" in one_policy
    assert "total at the minimum (1 task): " in one_policy and "total at the maximum (4 tasks): " in one_policy
