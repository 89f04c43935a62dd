"""What the hand-written guides and the README say agrees with the templates and the tree.

Where a page keeps a short list of its own (console groups, the parameters that set the
plugin's variables, the parameters people change most, the README's layout), these tests
hold it to the built template or the repository, so a renamed group, parameter or folder
fails here instead of misleading a reader.
"""

import re
import subprocess

import pytest

from tests.helpers import ROOT, built

PLUGIN_TEMPLATES = ["finfocus-plugin", "finfocus-plugin-10-region"]

# The variables the image reads that an operator tunes, each with the stack parameter that
# sets it (the image's variables: GUIDE section 4; the parameter names: docs/finfocus-plugin.md).
PLUGIN_VARIABLE_PARAMETERS = {
    "LogLevel": "FINFOCUS_LOG_LEVEL",
    "CorsAllowedOrigins": "FINFOCUS_CORS_ALLOWED_ORIGINS",
    "CorsAllowCredentials": "FINFOCUS_CORS_ALLOW_CREDENTIALS",
    "CorsMaxAge": "FINFOCUS_CORS_MAX_AGE",
    "MaxBatchSize": "FINFOCUS_MAX_BATCH_SIZE",
    "StrictValidation": "FINFOCUS_STRICT_VALIDATION",
}


def section(path: str, heading: str) -> str:
    text = (ROOT / path).read_text()
    body = text.split(f"\n{heading}\n", 1)[1]
    return re.split(r"\n## ", body, maxsplit=1)[0]


def table_rows(text: str) -> list[list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def variables_set_by_parameters(name: str) -> dict[str, str]:
    """parameter -> variable, for each container variable whose value is a Ref to a parameter."""
    container = built(name)["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    return {
        variable["Value"]["Ref"]: variable["Name"]
        for variable in container["Environment"]
        if isinstance(variable["Value"], dict) and "Ref" in variable["Value"]
    }


@pytest.mark.parametrize("name", PLUGIN_TEMPLATES)
def test_the_plugin_sets_the_specified_variables_from_these_parameters(name):
    assert variables_set_by_parameters(name) == PLUGIN_VARIABLE_PARAMETERS


def test_the_full_guide_names_the_parameter_of_each_plugin_variable():
    """docs/ecs-deployment.md once said two of these were left at the image's defaults."""
    rows = table_rows(section("docs/ecs-deployment.md", "## Environment variables"))
    documented = {row[0].strip("`"): row[1].strip("`") for row in rows}
    assert documented == PLUGIN_VARIABLE_PARAMETERS
    text = section("docs/ecs-deployment.md", "## Environment variables")
    assert "finfocus-plugin.md#environment" in text, "point to the generated table"
    assert "templates/finfocus_plugin" not in text, "every variable an operator tunes is a stack parameter"


@pytest.mark.parametrize("name", PLUGIN_TEMPLATES)
def test_the_console_groups_in_the_guide_are_the_templates_own(name):
    guide = section("docs/finfocus-plugin.md", "## Deploy in the console")
    listed = re.search(r"they are grouped \((.*?)\)\s+and every one", guide, re.DOTALL).group(1)
    interface = built(name)["Metadata"]["AWS::CloudFormation::Interface"]
    groups = [group["Label"]["default"] for group in interface["ParameterGroups"]]
    assert " ".join(listed.split()) == ", ".join(groups)


@pytest.mark.parametrize("name", PLUGIN_TEMPLATES)
def test_the_short_parameter_table_names_real_parameters_and_points_to_the_reference(name):
    text = section("docs/finfocus-plugin.md", "## Parameters")
    named = {part.strip().strip("`") for row in table_rows(text) for part in row[0].split(",")}
    assert named <= set(built(name)["Parameters"]), named - set(built(name)["Parameters"])
    assert {"VpcId", "SubnetIds", "ClientCidr", "ImageUri", "EnableExecuteCommand"} <= named
    assert f"(reference/{name}.md)" in text


def readme_section(heading: str) -> str:
    return section("README.md", f"## {heading}")


def test_the_readme_layout_names_every_folder_of_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {path.split("/")[0] for path in tracked.splitlines() if "/" in path and not path.startswith(".")}
    listed = {row[0].strip("`").rstrip("/") for row in table_rows(readme_section("Layout"))}
    assert folders <= listed, f"not in the README's layout: {folders - listed}"


def test_the_readme_layout_gives_the_range_of_the_lint_rules():
    numbers = sorted(int(path.name[1:5]) for path in (ROOT / "lint_rules").rglob("E[0-9]*.py"))
    assert f"E{numbers[0]}-E{numbers[-1]}" in readme_section("Layout")
    for folder in sorted({path.parent.name for path in (ROOT / "lint_rules").rglob("E[0-9]*.py")}):
        assert f"`{folder}/`" in readme_section("Layout"), folder


def test_the_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name}" in readme, f"README.md does not link docs/{page.name}"


def test_the_readme_names_every_build_option():
    """`--set image=` and `metrics_port` are options too: the README once said images and ports never were."""
    text = readme_section("Build options")
    for option in ("regions", "metrics_port", "image"):
        assert f"`{option}`" in text, option
