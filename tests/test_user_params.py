"""A user's own params/*.local.json are input to the day-2 commands, never to the build.

make params-from-stack writes params/<template>.<env>.local.json with a `<fill in: ...>` for
what the stack cannot know (docs/prerequisites.md); the user fills it in, or breaks it. None of
that may change what make check, make template, make controls or the tests read, and each
day-2 command answers a bad file in one line.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from guard import matrix
from ops import cost
from ops.cost import page
from ops.deploy import cli as deploy
from ops.preflight import cli as preflight
from ops.shared import params
from ops.timeline import cli as timeline
from ops.timeline import tables
from templates import TEMPLATES
from tests.helpers import ROOT, offline_aws_environment

GO_API_DEV = json.loads((ROOT / "params" / "go-api.dev.json").read_text())
# As make params-from-stack writes it (ops/params_from_stack/cli.py: the repository URI, then the marker).
PLACEHOLDER = [
    "ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:<fill in: image tag>",
    *(entry for entry in GO_API_DEV if not entry.startswith("ImageUri=")),
]
PLATFORM_DEV = json.loads((ROOT / "params" / "platform.dev.json").read_text())
PLATFORM_PLACEHOLDER = [
    "BffImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/bff:<fill in: image tag>",
    "AgentCoreImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore:<fill in: image tag>",
    *(entry for entry in PLATFORM_DEV if not entry.startswith(("BffImageUri=", "AgentCoreImageUri="))),
]
USER_FILES = {
    "go-api.dev.local.json": json.dumps(PLACEHOLDER, indent=2),
    "go-api.prod.local.json": json.dumps(GO_API_DEV, indent=2),  # filled in
    "go-api.broken.local.json": '[\n  "ImageUri=x",\n',  # not JSON: a line lost in an edit
    "go-api.other.local.json": json.dumps(PLATFORM_DEV, indent=2),  # another template's keys
    "platform.dev.local.json": json.dumps(PLATFORM_PLACEHOLDER, indent=2),
}


def write_user_files(directory: Path) -> None:
    for name, text in USER_FILES.items():
        (directory / name).write_text(text)


@pytest.fixture
def user_params(tmp_path, monkeypatch) -> Path:
    """The committed params/ with a user's files beside them, where the code looks for params/."""
    directory = tmp_path / "params"
    shutil.copytree(ROOT / "params", directory, ignore=shutil.ignore_patterns("*.local.json"))
    write_user_files(directory)
    monkeypatch.setattr(params, "DIRECTORY", directory)
    return directory


def test_only_the_committed_files_are_the_projects(user_params):
    found = {path.name for path in params.committed()}
    tracked = subprocess.run(["git", "ls-files", "params"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found == {Path(name).name for name in tracked.stdout.split()}
    assert "go-api.dev.json" in found and not any(name.endswith(".local.json") for name in found)
    assert [path.name for path in params.committed("go-api")] == [
        "go-api.dev.json",
        "go-api.hardened.json",
        "go-api.prod.json",
    ]
    # finfocus-plugin's files are not finfocus-plugin-10-region's.
    assert all(path.name.startswith("finfocus-plugin.") for path in params.committed("finfocus-plugin"))


def test_the_docs_tables_and_the_controls_ignore_a_users_files(user_params):
    """What the build reads for docs/cost.md, docs/releases.md and the control matrix (make
    check in a copy of the checkout, below, runs the whole build)."""
    assert not [row for row in matrix.rows(["go-api"]) if "local" in row.params]
    assert [label for label, _ in page.environments("go-api")] == ["dev", "hardened", "prod", "defaults"]
    assert None not in tables._stack_files("platform")[1:] and all(
        "local" not in path.name for path in tables._stack_files("platform")[1:]
    )


def test_no_module_reads_params_but_through_the_one_list():
    """A new glob over params/ would bring a user's files into the build or the tests again."""
    globbing = re.compile(r"""params["')/ ]*\)?\.r?glob\(|glob\(\s*f?["']params/|PARAMS(_DIR)?\.r?glob\(""")
    found = []
    for folder in ("ops", "templates", "guard", "tools", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = [line for line in path.read_text().splitlines() if ".local.json" not in line]
            if path != ROOT / "ops" / "params.py" and globbing.search("\n".join(lines)):
                found.append(str(path.relative_to(ROOT)))
    for path in (ROOT / "build.py",):
        if globbing.search(path.read_text()):
            found.append(path.name)
    assert found == []


def test_make_check_template_and_controls_in_a_checkout_with_a_users_files(tmp_path):
    """What the user runs, in a copy of this checkout: the files make params-from-stack leaves."""
    checkout = tmp_path / "checkout"
    # The files of this checkout as they are (new ones too), never the user's ignored ones.
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    tracked = subprocess.run(listing, cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    venv = Path(sys.prefix)
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}

    def make(*goals):
        command = ["make", "--no-print-directory", "-o", f"{venv}/.installed", f"VENV={venv}", *goals]
        return subprocess.run(command, cwd=checkout, capture_output=True, text=True, env=environment, timeout=120)

    write_user_files(checkout / "params")
    docs = {path: path.read_bytes() for path in (checkout / "docs").rglob("*.md")}
    for goals in (["check"], ["template"]):
        done = make(*goals)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert "0 changed" in done.stdout
    assert {path: path.read_bytes() for path in (checkout / "docs").rglob("*.md")} == docs
    controls = make("controls")
    assert controls.returncode == 0, controls.stderr
    assert "local" not in controls.stdout
    # A row for the defaults and one for each committed file of each template.
    rows = len(TEMPLATES) + len(params.committed())
    assert f"\n{rows} template x parameter file rows;" in controls.stdout


def one_line(status: int, out: str, err: str) -> str:
    """The one line a refused command prints (stdout and stderr together)."""
    lines = (out + err).splitlines()
    assert status != 0 and len(lines) == 1, out + err
    assert "Traceback" not in lines[0]
    return lines[0]


def said_once(line: str) -> None:
    """No clause of the line repeats another (a constraint said as the problem and again as the fix)."""
    clauses = [clause.strip() for clause in re.split(r": |; ", line) if len(clause.strip()) > 12]
    repeated = [clause for clause in clauses if any(clause in other for other in clauses if other is not clause)]
    assert repeated == [], line


def run(capsys, main, *arguments) -> tuple[int, str, str]:
    try:
        status = main(list(arguments))
    except SystemExit as done:
        status = done.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def no_aws(monkeypatch):
    """Nothing listens on port 9: a call to AWS would be a connection error, not the line expected."""
    for key, value in offline_aws_environment("http://127.0.0.1:9").items():
        monkeypatch.setenv(key, value)


DAY_2 = {
    "cost": lambda path: (cost.cli.main, "go-api", path),
    "timeline": lambda path: (timeline.main, "go-api", path),
    "preflight": lambda path: (preflight.main, "go-api", path, "--offline"),
    "plan": lambda path: (deploy.main, "--plan", "go-api", "go-api-dev", path),
    "deploy": lambda path: (deploy.main, "go-api", "go-api-dev", path),
}


@pytest.mark.parametrize("command", DAY_2)
def test_a_file_that_is_not_json_is_one_line(command, user_params, capsys, no_aws):
    path = str(user_params / "go-api.broken.local.json")
    line = one_line(*run(capsys, *DAY_2[command](path)))
    assert f"{path} is not JSON" in line and "Key=Value" in line
    said_once(line)


@pytest.mark.parametrize("command", DAY_2)
def test_another_templates_file_is_one_line(command, user_params, capsys, no_aws):
    path = str(user_params / "go-api.other.local.json")
    line = one_line(*run(capsys, *DAY_2[command](path)))
    # Environment is the first of platform.dev.json's keys that go-api does not take.
    assert f"{path} holds platform's parameters (Environment and " in line
    assert "TEMPLATE" in line or "platform" in line.rsplit(":", 1)[1]
    said_once(line)


@pytest.mark.parametrize("command", ["preflight", "plan", "deploy"])
def test_a_value_still_to_fill_in_stops_what_deploys_or_checks_it(command, user_params, capsys, no_aws):
    path = str(user_params / "go-api.dev.local.json")
    status, out, err = run(capsys, *DAY_2[command](path))
    naming = [line for line in (out + err).splitlines() if "ImageUri" in line]
    assert status != 0 and len(naming) == 1, out + err
    assert "ImageUri is still to be filled in" in naming[0] and "<fill in: image tag>" in naming[0]
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("command", "file", "keys"),
    [
        ("cost", "go-api.dev.local.json", "ImageUri"),
        ("timeline", "go-api.dev.local.json", "ImageUri"),
        ("cost", "platform.dev.local.json", "BffImageUri, AgentCoreImageUri"),
        ("timeline", "platform.dev.local.json", "BffImageUri, AgentCoreImageUri"),
    ],
)
def test_cost_and_timeline_need_no_image_tag(command, file, keys, user_params, capsys):
    name = file.split(".")[0]
    path = str(user_params / file)
    main = cost.cli.main if command == "cost" else timeline.main
    status, out, err = run(capsys, main, name, path)
    assert status == 0, err
    # The figures are those of the committed file the placeholders stand in for.
    committed = run(capsys, main, name, str(ROOT / "params" / f"{name}.dev.json"))[1]
    assert out.replace(path, "FILE") == committed.replace(str(ROOT / "params" / f"{name}.dev.json"), "FILE")
    assert err.splitlines() == [
        f"{'make cost' if command == 'cost' else 'timeline'}: {path}: still to fill in "
        f"before a deploy: {keys} (make {command} does not read {'them' if ',' in keys else 'it'})"
    ]


@pytest.mark.parametrize(("command", "prefix"), [("cost", "make cost"), ("timeline", "timeline")])
def test_a_value_still_to_fill_in_that_the_command_reads_is_refused(command, prefix, tmp_path, capsys):
    """The count of tasks is what cost multiplies and what a release rolls: no estimate, no timing."""
    entries = [entry for entry in GO_API_DEV if not entry.startswith("MinTasks=")]
    path = tmp_path / "go-api.dev.local.json"
    path.write_text(json.dumps([*entries, "MinTasks=<fill in: the fewest tasks>"]))
    main = cost.cli.main if command == "cost" else timeline.main
    line = one_line(*run(capsys, main, "go-api", str(path)))
    said = (
        f"{prefix}: {path}: MinTasks is still to be filled in and make {command} reads it: <fill in: the fewest tasks>"
    )
    assert line == said


@pytest.mark.parametrize("command", DAY_2)
def test_a_value_the_pattern_refuses_is_said_once(command, tmp_path, capsys, no_aws):
    entries = [entry for entry in GO_API_DEV if not entry.startswith("ImageUri=")]
    path = tmp_path / "go-api.json"
    path.write_text(json.dumps([*entries, "ImageUri=go-api:latest"]))
    status, out, err = run(capsys, *DAY_2[command](str(path)))
    if command == "preflight":  # a report: the problem, then its fix, on lines of their own
        assert status == 1 and "fail  params:ImageUri  'go-api:latest' is refused: ImageUri must be" in out
        return
    line = one_line(status, out, err)
    assert "'go-api:latest' is refused: ImageUri must be" in line
    said_once(line)
