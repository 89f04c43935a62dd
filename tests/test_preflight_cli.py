"""The commands' own behaviour: `make deploy` refusing a broken file (one process), and the
one-line errors of `python -m ops.preflight` / `python -m ops.doctor`, called in-process
through main(argv) (test_preflight_account runs `make preflight` and `make doctor`)."""

import json
import os
import re
import shlex
import subprocess

import pytest

from ops.doctor import cli as doctor
from ops.preflight import cli as preflight
from tests.helpers import ROOT, offline_aws_environment

GO_API_PARAMS = str(ROOT / "params" / "go-api.dev.json")


def make(*arguments, env=None) -> subprocess.CompletedProcess:
    """make as a user runs it at the top level (not as a child of `make test`), with the
    virtual environment taken as it is: -o keeps make from reinstalling it (the tests check
    the target, and .venv may be shared)."""
    environment = {k: v for k, v in (env or os.environ).items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=environment, timeout=120)


def test_make_deploy_refuses_a_broken_parameter_file_before_any_aws_call(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(["ImageUrl=x"]))
    # Nothing listens on port 9: any AWS call would fail with a connection error instead.
    result = make(
        "deploy", "TEMPLATE=go-api", "STACK=x", f"PARAMS={broken}", env=offline_aws_environment("http://127.0.0.1:9")
    )
    assert result.returncode != 0
    assert "unknown parameter ImageUrl" in result.stdout and "did you mean ImageUri?" in result.stdout
    assert "change set" not in result.stdout and "account" not in result.stdout
    assert "Could not connect" not in result.stderr
    assert result.stderr.startswith("deploy: the parameter file does not fit go-api")


def test_make_doctor_runs_the_doctor_and_fails_in_one_line():
    # make passes STACK and FORMAT through (dry run: the command line only) ...
    dry = make("-n", "doctor", "STACK=never-deployed", "FORMAT=json")
    assert "-m ops.doctor never-deployed --json" in dry.stdout, dry.stdout + dry.stderr
    # ... and the doctor it runs stops in one line when no region is set, before any request.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    result = make("doctor", "STACK=never-deployed", env=environment)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("reading", "make:"))]
    assert len(lines) == 1 and lines[0].startswith("doctor: no AWS region: set AWS_REGION"), result.stderr
    assert result.stdout == ""


# Everything boto3 could read credentials or a region from, besides what a test sets.
AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


@pytest.fixture
def aws_environment(monkeypatch):
    """An environment with dummy keys in us-east-1 and no AWS configuration files."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return monkeypatch


def one_line(stderr: str) -> list[str]:
    """stderr without the progress lines."""
    return [line for line in stderr.splitlines() if not line.startswith(("checking", "reading"))]


PREFLIGHT = (preflight.main, ["go-api", GO_API_PARAMS], "preflight: ")
DOCTOR = (doctor.main, ["x"], "doctor: ")


# Both commands reach AWS through ops.shared.aws (Account, call): each problem is shown with one,
# the other command with another (and `make doctor` above with no region).
@pytest.mark.parametrize(
    ("command", "unset", "region", "says"),
    [
        (PREFLIGHT, ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), None, "no AWS credentials"),
        (DOCTOR, ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), None, "no AWS credentials"),
        (PREFLIGHT, (), "xx-nowhere-1", "unknown AWS region 'xx-nowhere-1'"),
        (PREFLIGHT, ("AWS_DEFAULT_REGION",), None, "no AWS region"),
    ],
    ids=["preflight-no-credentials", "doctor-no-credentials", "preflight-unknown-region", "preflight-no-region"],
)
def test_aws_environment_problems_are_one_line(aws_environment, capsys, command, unset, region, says):
    main, argv, prefix = command
    for name in unset:
        aws_environment.delenv(name)
    if region:
        aws_environment.setenv("AWS_REGION", region)
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = one_line(captured.err)
    assert len(lines) == 1 and lines[0].startswith(prefix) and says in lines[0], captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["go-apx", GO_API_PARAMS], "unknown template 'go-apx': use one of"),
        (["go-api", "params/none.json"], "parameter file params/none.json does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(aws_environment, capsys, argv, says):
    assert preflight.main(argv) == 2
    captured = capsys.readouterr()
    lines = one_line(captured.err)
    assert len(lines) == 1 and lines[0].startswith("preflight: ") and says in lines[0], captured.err
    assert captured.out == ""


def test_offline_preflight_prints_the_report_and_exits_1_on_a_failure(aws_environment, capsys, tmp_path):
    # --offline makes no AWS call: no endpoint is needed.
    broken = tmp_path / "p.json"
    broken.write_text(json.dumps(["ImageUrl=x"]))
    assert preflight.main(["go-api", str(broken), "--offline", "--json"]) == 1
    results = json.loads(capsys.readouterr().out)
    assert {"check": "params:ImageUrl", "status": "fail"}.items() <= results[0].items()
    assert preflight.main(["go-api", GO_API_PARAMS, "--offline"]) == 0
    assert capsys.readouterr().out.startswith("pass")


# --- docs/preflight-doctor.md: its commands run as written ------------------------------
# (tests/test_docs_commands.py checks its make targets and AWS CLI commands with every page.)

PAGE = ROOT / "docs" / "preflight-doctor.md"


def page_commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", PAGE.read_text(), re.DOTALL)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.strip()]


def recipe_words(target: str) -> str:
    """The target's line and recipe in the Makefile: the variables it reads appear in it."""
    found = re.search(rf"^{target}:.*\n(?:\t.*\n)*", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found, f"no make target {target}"
    return found.group(0)


def test_page_commands_have_no_placeholders_to_fill():
    commands = page_commands()
    assert {"make", "aws"} <= {tokens[0] for tokens in commands}
    for tokens in commands:
        # [optional] and <placeholder> are not shell: a copied command must run as it is.
        assert not [t for t in tokens if t.startswith("[") or re.search(r"<[a-z-]+>", t)], tokens


def test_page_make_commands_use_variables_their_target_reads():
    targets = set()
    for tokens in (t for t in page_commands() if t[0] == "make"):
        target, variables = tokens[1], dict(token.split("=", 1) for token in tokens[2:])
        targets.add(target)
        recipe = recipe_words(target)
        for name in set(variables) - {"FORMAT"}:
            assert re.search(rf"\$\({name}\)", recipe), f"make {target} does not read {name}"
        if "FORMAT" in variables:
            assert "$(format_flag)" in recipe
        if "TEMPLATE" in variables:
            assert (ROOT / "output" / f"{variables['TEMPLATE']}.json").is_file()
        if "PARAMS" in variables:
            assert (ROOT / variables["PARAMS"]).is_file()
    assert targets == {"preflight", "doctor", "explain"}


# --- FORMAT= ------------------------------------------------------------------------------


def targets_taking_format() -> list[str]:
    """Every target whose help line offers FORMAT= (make help prints the same lines)."""
    makefile = (ROOT / "Makefile").read_text()
    return re.findall(r"^([a-z-]+):.*## .*\[FORMAT=json\]", makefile, re.MULTILINE)


# What each target needs besides FORMAT= to get as far as its command line.
NEEDS = {
    "plan": ["TEMPLATE=go-api", "STACK=go-api-dev"],
    "preflight": ["TEMPLATE=go-api"],
    "doctor": ["STACK=go-api-dev"],
    "probe": ["STACK=finfocus-plugin"],
    "explain": ["TEXT=Throttling"],
    "timeline": ["TEMPLATE=go-api"],
    "cost": ["TEMPLATE=go-api"],
    "controls": [],
}


def test_every_target_that_takes_format_is_known_here():
    assert sorted(targets_taking_format()) == sorted(NEEDS)


@pytest.mark.parametrize("target", sorted(NEEDS))
def test_format_is_text_or_json_in_any_case_and_nothing_else(target):
    """make -n prints the command line without running it; an unknown FORMAT= stops make first."""
    for given, flag in (("json", True), ("JSON", True), ("Json", True), ("text", False), ("TEXT", False)):
        dry = make("-n", target, *NEEDS[target], f"FORMAT={given}")
        assert dry.returncode == 0, dry.stderr
        assert ("--json" in dry.stdout) is flag, (given, dry.stdout)
    for given in ("yaml", "jsonl", "js"):
        refused = make("-n", target, *NEEDS[target], f"FORMAT={given}")
        assert refused.returncode == 2 and refused.stdout == ""
        (line,) = refused.stderr.splitlines()
        assert line.endswith(f"FORMAT={given} is unknown: use FORMAT=text or FORMAT=json.  Stop."), line
