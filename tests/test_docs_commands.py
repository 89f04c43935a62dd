"""Every shell command in the docs names only templates, parameters, targets and
AWS CLI commands and options that exist."""

import functools
import re
import shlex
from pathlib import Path

import pytest

from templates import cli as build
from tests.helpers import ROOT, built

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL_BLOCK = re.compile(r"```(?:sh|bash|shell)\n(.*?)```", re.DOTALL)
SUBSHELL = re.compile(r"\$\((aws [^()]*)\)")


def shell_commands(path: Path) -> list[str]:
    commands = []
    for block in SHELL_BLOCK.findall(path.read_text()):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


COMMANDS = [(path, command) for path in DOCS for command in shell_commands(path)]


def ids(item):
    path, command = item
    return f"{path.name}: {command[:60]}"


def test_the_docs_have_commands_to_check():
    kinds = {command.split()[0] for _, command in COMMANDS}
    assert {"make", "aws"} <= kinds
    assert any("build.py" in command for _, command in COMMANDS)


@functools.cache
def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


@functools.cache
def aws_cli():
    from awscli.clidriver import create_clidriver

    driver = create_clidriver()
    return driver, set(driver._get_argument_table())


def check_aws(tokens: list[str]) -> None:
    driver, global_options = aws_cli()
    service, operation = tokens[1], tokens[2]
    services = driver._get_command_table()
    assert service in services, f"no AWS CLI service {service!r}"
    operations = services[service]._get_command_table()
    assert operation in operations, f"no command 'aws {service} {operation}'"
    known = set(operations[operation].arg_table) | global_options
    for token in tokens[3:]:
        if token.startswith("--"):
            assert token[2:].split("=")[0] in known, f"'aws {service} {operation}' has no option {token}"


def check_parameter_value(parameter: dict, key: str, value: str) -> None:
    if "AllowedValues" in parameter:
        assert value in [str(v) for v in parameter["AllowedValues"]], f"{key}={value} is not allowed"
    if "AllowedPattern" in parameter:
        assert re.match(parameter["AllowedPattern"], value), f"{key}={value} does not match its pattern"


def check_deploy(tokens: list[str]) -> None:
    options = {}
    current = None
    for token in tokens[3:]:
        if token.startswith("--"):
            current = token[2:]
            options[current] = []
        elif current:
            options[current].append(token)
    (template_file,) = options["template-file"]
    assert (ROOT / template_file).is_file(), f"{template_file} does not exist"
    assert options.get("capabilities") == ["CAPABILITY_IAM"], "the templates create IAM roles: CAPABILITY_IAM"
    name = Path(template_file).stem
    parameters = built(name)["Parameters"]
    for item in options.get("parameter-overrides", []):
        if item.startswith("file://"):
            assert (ROOT / item[len("file://") :]).is_file(), f"{item} does not exist"
            continue
        key, _, value = item.partition("=")
        assert key in parameters, f"{name} has no parameter {key}"
        check_parameter_value(parameters[key], key, value)


def check_make(tokens: list[str]) -> None:
    variables = dict(token.split("=", 1) for token in tokens[1:] if "=" in token)
    targets = [token for token in tokens[1:] if "=" not in token and not token.startswith("-")]
    assert set(targets) <= make_targets(), f"no make target {set(targets) - make_targets()}"
    if "TEMPLATE" in variables:
        assert (ROOT / "output" / f"{variables['TEMPLATE']}.yaml").is_file(), variables["TEMPLATE"]
    if "PARAMS" in variables:
        assert (ROOT / variables["PARAMS"]).is_file(), variables["PARAMS"]


def check_build(tokens: list[str]) -> None:
    arguments = build.parse_arguments(tokens[tokens.index(next(t for t in tokens if t.endswith("build.py"))) + 1 :])
    names = build.select(arguments.names)
    if not arguments.list:
        build.render_all(names, build.settings_from(arguments.set))  # raises on an unknown name or option


@pytest.mark.parametrize("item", COMMANDS, ids=[ids(item) for item in COMMANDS])
def test_command_uses_only_what_exists(item):
    _, command = item
    for nested in SUBSHELL.findall(command):
        check_aws(shlex.split(nested))
    tokens = shlex.split(SUBSHELL.sub("X", command))
    if tokens[0] == "make":
        check_make(tokens)
    elif any(token.endswith("build.py") for token in tokens):
        check_build(tokens)
    elif tokens[0] == "aws":
        check_aws(tokens)
        if tokens[1:3] == ["cloudformation", "deploy"]:
            check_deploy(tokens)
