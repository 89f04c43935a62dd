"""Every supported Python runs every check: for each one on this machine, a fresh virtual
environment made by it in a clean copy of the checkout, and `make test` there.

A copy per Python takes minutes (pip installs both requirements files), so this runs in
`make test-deep` (PYTHON_VERSIONS=1). A supported Python the machine lacks is skipped with
the reason; `pytest -rs` prints it.
"""

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ROOT

# The supported range, as the README states it.
SUPPORTED = ("3.11", "3.12", "3.13")
# What the copy's make must not inherit from the make or the shell that runs this test.
INHERITED = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON", "VENV", "VIRTUAL_ENV", "PYENV_VERSION")
INHERITED_HERE = ("PYTHON_VERSIONS", "REHEARSAL", "HYPOTHESIS_PROFILE")


def version_of(python: str) -> str | None:
    """The full version a Python reports, and None unless it can make a venv with pip."""
    try:
        result = subprocess.run(
            [python, "-c", "import ensurepip, venv, sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
            env={key: value for key, value in os.environ.items() if key != "PYENV_VERSION"},
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def candidates(minor: str) -> list[str]:
    """pythonX.Y on PATH, then each pyenv installation X.Y.* (newest first)."""
    found = [shutil.which(f"python{minor}")]
    if pyenv := shutil.which("pyenv"):
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30).stdout.strip()
        versions = Path(root, "versions").glob(f"{minor}.*")
        key = lambda path: [int(part) if part.isdigit() else -1 for part in path.name.split(".")]  # noqa: E731
        found += [str(path / "bin" / f"python{minor}") for path in sorted(versions, key=key, reverse=True)]
    return [path for path in found if path]


def interpreter(minor: str) -> tuple[str, str]:
    """(path, full version) of a Python ``minor`` that can make a venv, or skip saying why."""
    tried = candidates(minor)
    for path in tried:
        version = version_of(path)
        if version and version.rsplit(".", 1)[0] == minor:
            return path, version
    if tried:
        pytest.skip(f"Python {minor}: none of {', '.join(tried)} runs with ensurepip and venv")
    pytest.skip(f"Python {minor} is not on this machine (no python{minor} on PATH, no pyenv version {minor}.x)")


def git(*arguments: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=True, timeout=120).stdout


def clean_copy(destination: Path) -> Path:
    """A clone (tests/test_changelog.py reads the history) with the checkout's files as they
    are now, committed or not, and nothing git ignores: no .venv, no caches, no user's files."""
    git("clone", "--quiet", str(ROOT), str(destination))
    for name in filter(None, git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")):
        source, target = ROOT / name, destination / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif target.is_file():  # deleted here, not yet committed
            target.unlink()
    return destination


def test_the_supported_range_is_the_one_the_readme_the_set_up_and_the_package_state():
    readme = (ROOT / "README.md").read_text()
    assert f"Python {SUPPORTED[0]} to {SUPPORTED[-1]}" in readme
    venv_sh = (ROOT / "tools" / "venv.sh").read_text()
    bounds = dict(re.findall(r"^(MINIMUM_MAJOR|MINIMUM_MINOR|NEWEST_TESTED_MINOR)=(\d+)$", venv_sh, re.MULTILINE))
    assert f"{bounds['MINIMUM_MAJOR']}.{bounds['MINIMUM_MINOR']}" == SUPPORTED[0]
    assert f"{bounds['MINIMUM_MAJOR']}.{bounds['NEWEST_TESTED_MINOR']}" == SUPPORTED[-1]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == f">={SUPPORTED[0]}"
    listed = [
        c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if c.startswith("Programming Language :: Python :: 3.")
    ]
    assert listed == list(SUPPORTED)
    assert f'target-version = "py{SUPPORTED[0].replace(".", "")}"' in (ROOT / "pyproject.toml").read_text()


@pytest.mark.skipif(
    not os.environ.get("PYTHON_VERSIONS"), reason="each Python's whole make test runs in make test-deep"
)
@pytest.mark.parametrize("minor", SUPPORTED)
def test_make_test_passes_in_a_fresh_venv_of_each_supported_python(tmp_path, minor):
    python, version = interpreter(minor)
    copy = clean_copy(tmp_path / "copy")
    environment = {
        key: value for key, value in os.environ.items() if key not in INHERITED and key not in INHERITED_HERE
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "test", f"PYTHON={python}"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = result.stdout + result.stderr
    tail = "\n".join(output.splitlines()[-60:])
    assert result.returncode == 0, f"make test with Python {version} ({python}) failed:\n{tail}"
    made_by = (copy / ".venv" / "bin" / "python").resolve()
    assert version_of(str(made_by)) == version, f"the venv was made by {made_by}, not by {python}"
    assert re.search(r"^\d+ passed", output, re.MULTILINE), tail
