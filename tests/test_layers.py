"""The layers of the code: import-linter's contracts in pyproject.toml catch an import
the wrong way, and README.md's diagram is drawn from those contracts."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builder import layers
from tests.helpers import ROOT

PACKAGES = ("builder", "tools", "guard", "ops", "templates", "lint_rules")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = 6  # in pyproject.toml
COMMANDS = "each command folder of ops imports no other, except as listed"
SHARED = "ops.shared is the bottom of ops: it imports no command folder"


def lint_imports_in(tmp_path: Path, file: str, line: str) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the packages' Python files with ``line`` added to ``file``."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_not_python)
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / file, "a", encoding="utf-8") as stream:
        stream.write(f"\n{line}\n")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )


def _not_python(directory: str, names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if name == "__pycache__" or not (name.endswith(".py") or (Path(directory) / name).is_dir())
    ]


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed: run make test (it installs it)")
@pytest.mark.parametrize(
    ("file", "line", "broken"),
    [
        # The registry gathering docs from ops/ again: the circle the build now sits above.
        (
            "templates/__init__.py",
            "from ops import timeline",
            # cost reads templates, so it would reach timeline's folder through them too.
            ("builder above tools and guard, above ops, above templates", COMMANDS),
        ),
        # The layers let builder import guard; the second contract does not.
        ("builder/docs.py", "import guard.matrix", "guard and lint_rules stand alone: no other package imports them"),
        (
            "lint_rules/_shared.py",
            "from templates import facts",
            "lint_rules imports nothing of ours (cfn-lint loads it by path)",
        ),
        # ops/shared/stack.py imports ops/shared/context.py; the way back closes a circle.
        ("ops/shared/context.py", "from . import stack", "no circle of imports between the modules of a package"),
        # Two command folders that know nothing of each other: one reaching into the other.
        ("ops/timeline/cli.py", "from ..cost import cli", COMMANDS),
        # The reverse of a listed exception (deploy runs preflight): also a circle between folders.
        (
            "ops/preflight/cli.py",
            "from ..deploy import cli",
            (COMMANDS, "no circle of imports between the modules of a package"),
        ),
        # The shared package reaching up into a command folder: every command would reach doctor's
        # through it, and doctor imports it (a circle).
        (
            "ops/shared/report.py",
            "from ..doctor import signatures",
            (SHARED, COMMANDS, "no circle of imports between the modules of a package"),
        ),
    ],
)
def test_an_import_against_the_layers_fails_lint_imports(tmp_path, file, line, broken):
    broken = (broken,) if isinstance(broken, str) else broken
    result = lint_imports_in(tmp_path, file, line)
    assert result.returncode == 1, result.stdout + result.stderr
    output = " ".join(result.stdout.split())  # import-linter wraps long contract names
    assert all(f"{name} BROKEN" in output for name in broken), output
    assert f"Contracts: {CONTRACTS - len(broken)} kept, {len(broken)} broken." in output, output


PYPROJECT = """
[tool.importlinter]
root_packages = ["builder", "cli", "core", "plugins"]

[[tool.importlinter.contracts]]
name = "layers"
type = "layers"
layers = ["builder", "cli | plugins", "core"]

[[tool.importlinter.contracts]]
name = "builder keeps out of plugins"
type = "forbidden"
source_modules = ["builder"]
forbidden_modules = ["plugins"]
"""
MAKEFILE = """
# A variable that ends in -m runs a module too.
TOOL = TARGET=$@ $(BIN)/python -m

serve: $(INSTALLED) ## Serve
\t@$(BIN)/python -m cli.serve --port 1
\t$(BIN)/python -m pytest

site: ## Build the site
\t$(BIN)/python build.py
scan: ## Scan
\t$(BIN)/python -m plugins
note: ## Not a module of ours
\techo -m nothing
watch: ## Watch
\t@$(TOOL) cli.serve --watch
"""


@pytest.fixture
def project(tmp_path):
    for path in ("cli/serve.py", "plugins/__init__.py", "core/__init__.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    return tmp_path


def test_the_diagram_has_a_box_per_package_and_an_arrow_per_permitted_layer_step(project):
    assert layers.diagram(PYPROJECT, MAKEFILE, project).splitlines() == [
        "```mermaid",
        "flowchart TB",
        '    builder["builder/<br>make site"]',
        '    cli["cli/<br>make serve, watch"]',
        '    plugins["plugins/<br>make scan"]',
        '    core["core/"]',
        "    builder --> cli",
        "    cli --> core",
        "    plugins --> core",
        "```",
    ]


def test_a_package_outside_the_layers_is_drawn_alone():
    pyproject = PYPROJECT.replace('"cli | plugins"', '"cli"')
    diagram = layers.diagram(pyproject, "", Path("/nonexistent"))
    assert '    plugins["plugins/"]' in diagram.splitlines()
    assert "plugins -->" not in diagram and "--> plugins" not in diagram


def test_the_command_table_names_the_file_or_the_folder_each_target_runs(project):
    assert layers.command_table(MAKEFILE, project).splitlines() == [
        "| Command | Runs |",
        "|---|---|",
        "| `make serve` | `cli/serve.py` |",
        "| `make site` | `build.py` → `builder/` |",
        "| `make scan` | `plugins/` |",
        "| `make watch` | `cli/serve.py` |",
    ]


def test_readme_carries_the_diagram_of_the_real_contracts():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- generated:layers.diagram -->\n")[1].split("<!-- /generated:layers.diagram -->")[0]
    # The contracts as the project means them; pyproject.toml must say the same.
    for arrow in ("builder --> tools", "tools --> ops", "guard --> ops", "ops --> templates"):
        assert f"    {arrow}\n" in block
    assert "builder --> guard" not in block and 'lint_rules["lint_rules/<br>make lint"]' in block


ROOMS = """
[[tool.importlinter.contracts]]
name = "common is the bottom of cli"
type = "forbidden"
source_modules = ["cli.common"]
forbidden_modules = ["cli.serve", "cli.fetch"]

[[tool.importlinter.contracts]]
name = "commands"
type = "independence"
modules = ["cli.serve", "cli.fetch"]
ignore_imports = ["cli.serve.main -> cli.fetch.client", "cli.serve.other -> cli.fetch"]
"""


def test_the_folders_of_an_independence_contract_are_drawn_inside_their_package(project):
    (project / "cli/fetch").mkdir()
    (project / "cli/fetch/__init__.py").write_text("")
    makefile = MAKEFILE + "get: ## Get\n\t$(BIN)/python -m cli.fetch\n"
    diagram = layers.diagram(PYPROJECT + ROOMS, makefile, project).splitlines()
    assert diagram[3:12] == [
        '    subgraph cli["cli/"]',
        '        subgraph cli_commands["one folder per command"]',
        '            cli_serve["serve/<br>make serve, watch"]',
        '            cli_fetch["fetch/<br>make get"]',
        "        end",
        '        cli_common["common/"]',
        "        cli_commands --> cli_common",
        "    end",
        '    plugins["plugins/<br>make scan"]',
    ]
    # The layers as before, and each listed exception once, dotted.
    assert "    cli --> core" in diagram and "    builder --> cli" in diagram
    assert [line for line in diagram if "-.->" in line] == ["    cli_serve -.-> cli_fetch"]
