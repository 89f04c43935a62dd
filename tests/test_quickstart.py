"""The first hour of a new user: the README's quick start in a fresh clone, and the
set-up's answers to a wrong Python.

The clone is of the committed state (git clone of this repository) with the shared
.venv linked into it, so nothing is installed. `-o .venv/.installed` keeps make from
installing into that shared environment whatever the dates of the clone's files.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

KEEP_VENV = ["-o", ".venv/.installed"]


def run(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, f"{shlex.join(command)} printed a traceback:\n{output}"
    return result


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("quickstart") / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(directory)], check=True, timeout=60)
    (directory / ".venv").symlink_to((ROOT / ".venv").resolve())
    return directory


def readme_block(heading: str) -> list[str]:
    """The commands of the first fenced block under a README heading, without comments."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"## {heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    return [line.split(" #")[0].strip() for line in block.splitlines() if line.strip()]


def phony_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split()) - {"FORCE"}


@pytest.mark.parametrize("arguments", [[], ["help"]], ids=["make", "make help"])
def test_make_alone_lists_every_target_one_line_each(clone, arguments):
    result = run(["make", "--no-print-directory", *arguments], clone)
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ") and line.split()}
    assert phony_targets() <= listed, f"missing from make help: {phony_targets() - listed}"
    for variable in ("PYTHON", "VENV", "S3_PREFIX"):
        assert re.search(rf"^  {variable} ", result.stdout, re.MULTILINE), variable
    for target in ("deploy", "plan", "package"):
        line = next(line for line in result.stdout.splitlines() if line.startswith(f"  {target} "))
        assert "TEMPLATE=" in line and ("STACK=" in line or "S3_BUCKET=" in line), line


def test_build_list_names_every_template(clone):
    result = run([".venv/bin/python", "build.py", "--list"], clone)
    assert result.returncode == 0, result.stderr
    for name in ("finfocus-plugin", "go-api", "platform"):
        assert name in result.stdout


def test_the_readme_build_options_run_in_a_fresh_clone(clone):
    commands = readme_block("Build options")
    assert len(commands) >= 4 and all(command.startswith(".venv/bin/python build.py") for command in commands)
    for command in commands:
        result = run(shlex.split(command), clone)
        assert result.returncode == 0, f"{command}: {result.stderr}"
    assert (clone / "build" / "finfocus-plugin.yaml").is_file()


def test_make_check_passes_in_a_fresh_clone(clone):
    result = run(["make", "--no-print-directory", *KEEP_VENV, "check"], clone)
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_deploy_stops_on_a_misspelt_parameter_before_any_aws_call(clone, tmp_path):
    entries = json.loads((clone / "params" / "go-api.dev.json").read_text())
    broken = tmp_path / "go-api.broken.json"
    broken.write_text(json.dumps([*entries, "MaxTask=6"]))
    # No AWS credentials or endpoint here: had the deploy reached AWS, it would say so.
    deploy = ["deploy", "TEMPLATE=go-api", "STACK=go-api-dev", f"PARAMS={broken}"]
    result = run(["make", "--no-print-directory", *KEEP_VENV, *deploy], clone)
    assert result.returncode != 0
    assert "account" not in result.stdout and "change set" not in result.stdout
    # One problem, one line: the file, the key, its likely intended name and the fix.
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        f"deploy: {broken}: unknown parameter MaxTask: did you mean MaxTasks?: rename MaxTask to MaxTasks"
    )


def test_the_readme_set_up_commands_are_make_targets():
    assert [command.split()[:2] for command in readme_block("Use")] == [["make", "template"], ["make", "test"]]


# --- The virtual environment and the Python that makes it ------------------------------


def fake_python(directory: Path, version: str, prefix: str = "/opt/old") -> Path:
    """A script that answers like a Python of that version would to tools/venv.sh."""
    path = directory / f"python{version}"
    path.write_text(f'#!/bin/sh\necho "{version} {prefix}"\n')
    path.chmod(0o755)
    return path


def default_environment(directory: Path) -> dict[str, str]:
    """The environment of a user who names no Python, whose python3 is this test's Python.

    Without it, a PYTHON given to the make that runs the tests (make test PYTHON=python3.12)
    reaches the make below through MAKEFLAGS, and python3 is whatever the machine has."""
    (directory / "default-bin").mkdir(exist_ok=True)
    python3 = directory / "default-bin" / "python3"
    if not python3.exists():
        python3.symlink_to(sys.executable)
    environment = {**os.environ, "PATH": f"{python3.parent}:{os.environ['PATH']}"}
    for inherited in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON"):
        environment.pop(inherited, None)
    return environment


def make_venv_dry_run(venv: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = ["make", "--no-print-directory", "-n", "template", f"VENV={venv}", *arguments]
    return run(command, ROOT, env=default_environment(venv.parent))


@pytest.mark.parametrize("version", ["3.9.18", "3.10.13", "2.7.18"])
def test_an_old_python_gets_one_line_naming_the_fix(tmp_path, version):
    old = fake_python(tmp_path, version)
    venv = tmp_path / "venv"
    result = run(["make", "--no-print-directory", "template", f"VENV={venv}", f"PYTHON={old}"], ROOT)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert f"Python 3.11 or newer is needed, found {version} at {old}: run make PYTHON=python3.12" in line
    assert not venv.exists()


def test_a_missing_python_gets_one_line_too(tmp_path):
    result = run(["make", "--no-print-directory", "template", f"VENV={tmp_path / 'v'}", "PYTHON=no-such-python3"], ROOT)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "no working Python at no-such-python3" in line


def venv_made_by(tmp_path: Path, python: Path, stamp: str = "") -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(python)
    (venv / ".installed").write_text(stamp)
    return venv


def stamp_of(python: str) -> str:
    result = subprocess.run(
        ["sh", "tools/venv.sh", "stamp", python, "unused", "requirements.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_a_venv_made_by_an_old_python_is_made_again(tmp_path):
    venv = venv_made_by(tmp_path, fake_python(tmp_path, "3.9.18"))
    result = make_venv_dry_run(venv)
    assert result.returncode == 0, result.stderr
    assert f"python3 -m venv --clear {venv}" in result.stdout


@pytest.mark.parametrize("version", ["3.14.0", "4.0.1"])
def test_a_python_newer_than_tested_is_used_with_a_one_line_warning(tmp_path, version):
    newer = fake_python(tmp_path, version, prefix=f"/opt/python{version}")
    venv = tmp_path / "venv"
    result = make_venv_dry_run(venv, f"PYTHON={newer}")
    assert result.returncode == 0, result.stderr
    (warning,) = [line for line in result.stdout.splitlines() if "warning" in line]
    assert warning == (
        f"warning: Python {version} at {newer} is newer than the newest tested, 3.13: "
        "if a requirement does not install or a test fails, run make PYTHON=python3.13"
    )
    assert f"{newer} -m venv --clear {venv}" in result.stdout


@pytest.mark.parametrize("version", ["3.11.0", "3.13.9"])
def test_a_python_of_the_tested_range_gets_no_warning(tmp_path, version):
    tested = fake_python(tmp_path, version, prefix=f"/opt/python{version}")
    result = make_venv_dry_run(tmp_path / "venv", f"PYTHON={tested}")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stdout + result.stderr
    assert f"{tested} -m venv --clear" in result.stdout


def test_a_good_venv_is_left_alone(tmp_path):
    venv = venv_made_by(tmp_path, Path(sys.executable), stamp_of(sys.executable))
    result = make_venv_dry_run(venv)
    assert result.returncode == 0, result.stderr
    assert "pip install" not in result.stdout and "-m venv" not in result.stdout
    assert f"{venv}/bin/python build.py" in result.stdout


def test_a_good_venv_is_left_alone_when_the_default_python_is_old(tmp_path):
    """PYTHON not given: a working venv is kept even if python3 on PATH is too old."""
    old = fake_python(tmp_path, "3.9.18")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3").symlink_to(old)
    venv = venv_made_by(tmp_path, Path(sys.executable), stamp_of(sys.executable))
    environment = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    environment.pop("PYTHON", None)
    result = run(["make", "--no-print-directory", "-n", "template", f"VENV={venv}"], ROOT, env=environment)
    assert result.returncode == 0, result.stderr
    assert "-m venv" not in result.stdout


def test_a_venv_of_another_python_is_made_again_when_python_is_given(tmp_path):
    other = fake_python(tmp_path, "3.12.4", prefix="/opt/python3.12")
    venv = venv_made_by(tmp_path, Path(sys.executable), stamp_of(sys.executable))
    result = make_venv_dry_run(venv, f"PYTHON={other}")
    assert result.returncode == 0, result.stderr
    assert f"{other} -m venv --clear {venv}" in result.stdout


def test_changed_requirements_are_installed_again(tmp_path):
    venv = venv_made_by(tmp_path, Path(sys.executable), "python x\nrequirements 1 1\n")
    result = make_venv_dry_run(venv)
    assert result.returncode == 0, result.stderr
    assert f"{venv}/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt" in result.stdout
    assert "-m venv" not in result.stdout
