"""Every shell command in the docs names only templates, parameters, targets and
AWS CLI commands and options that exist, and no name that a stack derives from its own name.

Commands come from fenced sh/bash/shell blocks and from inline code spans that start
with aws, make, python or .venv. Users run AWS CLI version 2; the pinned awscli here is
version 1, whose command tables are checked, with V2_ONLY below for what only v2 has.
"""

import functools
import re
import shlex
from pathlib import Path

import pytest

import templates
from builder import cli as build
from tests.helpers import ROOT, built

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL_BLOCK = re.compile(r"```(?:sh|bash|shell)\n(.*?)```", re.DOTALL)
SUBSHELL = re.compile(r"\$\((aws [^()]*)\)")
INLINE_COMMAND = re.compile(r"(?<!`)`((?:aws|make|python3?|\.venv/bin/\w+) [^`\n]+)`(?!`)")

# Commands and options of AWS CLI version 2 that the pinned version 1 lacks, with the
# options of each as the version 2 reference lists them (global options come from v1).
V2_ONLY = {
    # https://awscli.amazonaws.com/v2/documentation/api/latest/reference/logs/tail.html
    ("logs", "tail"): {"since", "follow", "format", "filter-pattern", "log-stream-names", "log-stream-name-prefix"},
}


def shell_commands(path: Path) -> list[str]:
    commands = []
    text = path.read_text()
    for block in SHELL_BLOCK.findall(text):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    prose = SHELL_BLOCK.sub("", text)
    commands.extend(INLINE_COMMAND.findall(prose))
    return commands


COMMANDS = [(path, command) for path in DOCS for command in shell_commands(path)]


def ids(item):
    path, command = item
    return f"{path.name}: {command[:60]}"


def test_the_docs_have_commands_to_check():
    kinds = {command.split()[0] for _, command in COMMANDS}
    assert {"make", "aws"} <= kinds
    assert any("build.py" in command for _, command in COMMANDS)


def test_inline_commands_are_read_too():
    text = "Run `aws logs tail /x --since 1m` or `make help`; not `AWS=aws` nor ```sh\nls\n```."
    assert INLINE_COMMAND.findall(text) == ["aws logs tail /x --since 1m", "make help"]


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
    if len(tokens) < 3 or tokens[1].startswith("--"):  # `aws --version`: global options only
        assert all(token[2:] in global_options for token in tokens[1:] if token.startswith("--")), tokens
        return
    service, operation = tokens[1], tokens[2]
    if (service, operation) in V2_ONLY:
        known = V2_ONLY[service, operation] | global_options
        for token in tokens[3:]:
            if token.startswith("--"):
                assert token[2:].split("=")[0] in known, f"'aws {service} {operation}' has no option {token}"
        return
    services = driver._get_command_table()
    assert service in services, f"no AWS CLI service {service!r}"
    operations = services[service]._get_command_table()
    assert operation in operations, f"no command 'aws {service} {operation}'"
    command, options = operations[operation], tokens[3:]
    if operation == "wait":  # aws SERVICE wait WAITER --options
        waiter = tokens[3]
        assert waiter in command.subcommand_table, f"no waiter 'aws {service} wait {waiter}'"
        command, options = command.subcommand_table[waiter], tokens[4:]
    known = set(command.arg_table) | global_options
    for token in options:
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
        if not value.startswith("$"):  # a shell variable the page sets is checked where it is set
            check_parameter_value(parameters[key], key, value)


def check_make(tokens: list[str]) -> None:
    variables = dict(token.split("=", 1) for token in tokens[1:] if "=" in token)
    targets = [token for token in tokens[1:] if "=" not in token and not token.startswith("-")]
    assert set(targets) <= make_targets(), f"no make target {set(targets) - make_targets()}"
    if "TEMPLATE" in variables:
        assert (ROOT / "output" / f"{variables['TEMPLATE']}.yaml").is_file(), variables["TEMPLATE"]
    if "PARAMS" in variables:
        local = re.fullmatch(r"params/(?P<template>[\w-]+)\.[a-z0-9-]+\.local\.json", variables["PARAMS"])
        if local:  # what `make params-from-stack` writes in the reader's checkout, for its template
            # make probe takes no TEMPLATE: its file holds overrides for a stack of that template.
            expected = variables.get("TEMPLATE", local["template"] if targets == ["probe"] else None)
            assert local["template"] == expected, variables
            assert local["template"] in templates.TEMPLATES, variables["PARAMS"]
        else:
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
    for tokens in pipeline(shlex.split(SUBSHELL.sub("X", command))):
        if tokens[0] == "make":
            check_make(tokens)
        elif any(token.endswith("build.py") for token in tokens):
            check_build(tokens)
        elif tokens[0] == "aws":
            check_aws(tokens)
            if tokens[1:3] == ["cloudformation", "deploy"] and "--template-file" in tokens:
                check_deploy(tokens)


def pipeline(tokens: list[str]) -> list[list[str]]:
    """`a | b` as [a, b]; a quoted | (a JMESPath query) stays inside its token."""
    commands = [[]]
    for token in tokens:
        if token == "|":
            commands.append([])
        else:
            commands[-1].append(token)
    return [command for command in commands if command]


def test_each_command_of_a_pipeline_is_checked():
    assert pipeline(shlex.split("aws ecr get-login-password | docker login --password-stdin x")) == [
        ["aws", "ecr", "get-login-password"],
        ["docker", "login", "--password-stdin", "x"],
    ]
    assert pipeline(shlex.split("aws x y --query 'a | b'")) == [["aws", "x", "y", "--query", "a | b"]]


def stack_derived_names() -> dict[str, re.Pattern]:
    """Each name a template derives from its stack name, as a pattern for that name with a
    literal stack name in it (a command using "$STACK" or a stack output does not match)."""
    stack = r"(?<![$\w-])[A-Za-z][A-Za-z0-9-]*"
    # A name that starts with the stack name (<stack>/go-api) starts a token: after a "." or
    # a "/" it is the end of a host or a path (amazonaws.com/go-api, params/go-api.dev.json).
    leading_stack = r"(?<![$\w./-])[A-Za-z][A-Za-z0-9-]*"
    patterns = {}

    def visit(node):
        if isinstance(node, dict):
            if "Fn::Sub" in node:
                text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
                parts = re.split(r"(\$\{[^}]+\})", text)
                # A literal word besides the stack name: "${AWS::StackName}-${AWS::Region}" (the
                # dashboard) reads like any hyphenated name, a bucket's say, and is not looked for.
                literal = [p for p in parts if p and not p.startswith("${")]
                if "${AWS::StackName}" in parts and any(re.search(r"[A-Za-z0-9]", p) for p in literal):
                    regex = "".join(
                        (leading_stack if index == 0 else stack)
                        if part == "${AWS::StackName}"
                        else r"[^\s\"']+"
                        if part.startswith("${")
                        else re.escape(part)
                        for index, part in enumerate(p for p in parts if p)
                    )
                    patterns[text] = re.compile(regex + r"(?![\w-])")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for name in templates.TEMPLATES:
        visit(built(name))
    return patterns


STACK_DERIVED = stack_derived_names()


def test_stack_derived_names_are_recognised():
    assert "/ecs/${AWS::StackName}" in STACK_DERIVED  # the finfocus-plugin and go-api log groups
    log_group = STACK_DERIVED["/ecs/${AWS::StackName}"]
    assert log_group.search("aws logs tail /ecs/finfocus-plugin --since 30m")
    assert not log_group.search('aws logs tail "$LOG_GROUP" --since 30m')
    assert not log_group.search("aws logs tail /ecs/$STACK --since 30m")
    agentcore = STACK_DERIVED["/ecs/${AWS::StackName}/agentcore"]
    assert agentcore.search("aws logs tail /ecs/platform-dev/agentcore")
    # The prerequisites' repositories: a stack name spelt out, not an image URI or a path of this project.
    repository = STACK_DERIVED["${AWS::StackName}/bidopsai/app"]
    assert repository.search("docker push prereq-dev/bidopsai/app:v1")
    assert not repository.search("BffImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/bidopsai/app:v1.0.0")
    assert in_this_project("params/go-api") and not in_this_project("prereq-dev/go-api")
    assert "${AWS::StackName}-${AWS::Region}" not in STACK_DERIVED


@pytest.mark.parametrize("item", COMMANDS, ids=[ids(item) for item in COMMANDS])
def test_command_reads_stack_derived_names_instead_of_spelling_them(item):
    """A name built from the stack name (/ecs/<stack>, <stack>-agentcore) is right for one stack name
    only: commands read it from the stack (outputs or describe-stack-resource) instead."""
    _, command = item
    for source, pattern in STACK_DERIVED.items():
        found = next((m for m in pattern.finditer(command) if not in_this_project(m.group(0))), None)
        assert not found, f"{found.group(0)!r} is {source} for one stack name: read it from the stack instead"


def in_this_project(text: str) -> bool:
    """A path of this repository (params/go-api...), not a name a stack made."""
    first = text.split("/", 1)[0]
    return bool(first) and (ROOT / first).is_dir()


def test_v2_only_commands_are_really_missing_from_the_pinned_cli():
    """The allow-list holds only what version 1 lacks; anything v1 has is checked against v1's table."""
    driver, _ = aws_cli()
    services = driver._get_command_table()
    for service, operation in V2_ONLY:
        assert operation not in services[service]._get_command_table(), f"aws {service} {operation} is in v1"


def test_platform_guide_lists_every_container_variable():
    """Each variable of each container (plain and secret) is in the guide's table."""
    guide = (ROOT / "docs" / "platform.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in guide.splitlines() if line.startswith("| `")}
    for resource in built("platform")["Resources"].values():
        if resource["Type"] == "AWS::ECS::TaskDefinition":
            for container in resource["Properties"]["ContainerDefinitions"]:
                names = [v["Name"] for v in container.get("Environment", []) + container.get("Secrets", [])]
                assert set(names) <= rows, f"{container['Name']}: not in docs/platform.md: {set(names) - rows}"


# --- Shell variables: each one a command reads is set earlier on its page -----------------

# Variables a reader's shell has without this page setting them: the shell's own and the AWS
# CLI's (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html).
STANDARD_VARIABLES = {
    "HOME",
    "PATH",
    "PWD",
    "USER",
    "SHELL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
}
# $NAME or ${NAME} (also ${NAME:-default}); $1, $@, $? and $(...) are not names.
VARIABLE_USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
SINGLE_QUOTED = re.compile(r"'[^']*'")
# Where a command starts: the line's start, or after ; && || | ( { or `then`/`do`.
COMMAND_START = r"(?:^|[;&|({]\s*|\b(?:then|do)\s+)"
ASSIGNMENTS = [
    re.compile(COMMAND_START + r"(?:export\s+|local\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)="),
    re.compile(COMMAND_START + r"for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b"),
    re.compile(COMMAND_START + r"read\s+(?:-[a-z]+\s+)*((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)"),
]


def commands_in_page_order(text: str) -> list[str]:
    """The commands of a page (fenced shell blocks and inline command spans) in the order a
    reader meets them, so that "set earlier" means earlier on the page."""
    found = []
    for block in SHELL_BLOCK.finditer(text):
        for line in re.sub(r"\\\n\s*", " ", block.group(1)).splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                found.append((block.start(), line))
    prose = SHELL_BLOCK.sub(lambda block: " " * len(block.group(0)), text)  # keeps the offsets
    found += [(span.start(), span.group(1)) for span in INLINE_COMMAND.finditer(prose)]
    return [command for _, command in sorted(found, key=lambda item: item[0])]


def assigned_names(command: str) -> set[str]:
    names = set()
    for pattern in ASSIGNMENTS:
        for match in pattern.finditer(command):
            names.update(match.group(1).split())
    return names


def unset_variables(text: str) -> list[tuple[str, str]]:
    """(variable, command) for each variable a command reads before the page sets it."""
    assigned, unset = set(STANDARD_VARIABLES), []
    for command in commands_in_page_order(text):
        unquoted = SINGLE_QUOTED.sub("''", command)  # the shell expands nothing in '...'
        for name in VARIABLE_USE.findall(unquoted):
            if name not in assigned and name not in assigned_names(command):
                unset.append((name, command))
        assigned |= assigned_names(command)
    return unset


def test_a_page_that_reads_an_unset_variable_is_caught():
    page = 'Set it:\n\n```sh\nSTACK=demo\n```\n\nThen `aws ecs list-tasks --cluster $CLUSTER --family "${STACK}"`.\n'
    assert unset_variables(page) == [("CLUSTER", 'aws ecs list-tasks --cluster $CLUSTER --family "${STACK}"')]


def test_a_variable_used_before_the_page_sets_it_is_caught():
    page = '`aws logs tail "$LOG_GROUP"` first, and only later:\n\n```sh\nLOG_GROUP=/x\n```\n'
    assert [name for name, _ in unset_variables(page)] == ["LOG_GROUP"]


@pytest.mark.parametrize(
    "block",
    [
        'VPC=vpc-1\naws ec2 describe-vpcs --vpc-ids "$VPC"',
        'export VPC=vpc-1\naws ec2 describe-vpcs --vpc-ids "$VPC"',
        'VPC=$(aws ec2 describe-vpcs --query "Vpcs[0].VpcId" --output text)\naws ec2 describe-vpcs --vpc-ids "$VPC"',
        'for VPC in vpc-1 vpc-2; do aws ec2 describe-vpcs --vpc-ids "$VPC"; done',
        'read -r VPC\naws ec2 describe-vpcs --vpc-ids "$VPC"',
        'vpc() { local VPC="$1"; aws ec2 describe-vpcs --vpc-ids "${VPC}"; }',
        "aws ec2 describe-vpcs --region \"$AWS_REGION\" --filters 'Name=tag:x,Values=$NOT_EXPANDED'",
        'sed -e "s/<AWS_REGION>/${AWS_REGION:-us-east-1}/g" x.json',
    ],
    ids=["assignment", "export", "command substitution", "for", "read", "function parameter", "quoted", "default"],
)
def test_variables_set_on_the_page_or_standard_are_accepted(block):
    assert unset_variables(f"```sh\n{block}\n```\n") == []


@pytest.mark.parametrize("path", DOCS, ids=[str(path.relative_to(ROOT)) for path in DOCS])
def test_every_variable_a_command_reads_is_set_earlier_on_its_page(path):
    """A reader runs a page's commands top to bottom in one shell: a variable nothing on the
    page sets expands to nothing, and the command runs with an empty argument."""
    unset = unset_variables(path.read_text())
    assert not unset, "\n".join(f"${name} is not set on this page before: {command}" for name, command in unset)


# --- No step leaves files in the checkout -------------------------------------------------------
# A guide's command runs in the checkout: a file it writes there shows in `git status` and
# ends up committed. Writes go to a variable (a mktemp file), /dev/null, or a place git
# ignores (params/*.local.json, build/).
REDIRECT = re.compile(r"(?<![0-9&<>])>>?\s*(\"?[^\s;|&)\"]+\"?)")
IGNORED_PLACES = ("params/", "build/", "/dev/null", "/tmp/")


def written_files(command: str) -> list[str]:
    without_quotes = re.sub(r"<[\w -]+>", "x", SINGLE_QUOTED.sub("''", command))  # placeholders: <arn>
    targets = REDIRECT.findall(without_quotes)
    tokens = shlex.split(command) if command.strip() else []
    for option in ("--output-dir", "-o", "--outfile"):
        targets += [tokens[i + 1] for i, token in enumerate(tokens[:-1]) if token == option and tokens[0] != "aws"]
    return [t.strip('"') for t in targets]


def leaves_a_file(target: str) -> bool:
    return not (target.startswith(("$", "&")) or target.startswith(IGNORED_PLACES) or target.startswith("/"))


def test_written_files_are_found():
    assert written_files("sed -e x in.json > task-definition.json") == ["task-definition.json"]
    assert written_files('sed -e x in.json > "$TASK_DEFINITION"') == ["$TASK_DEFINITION"]
    assert written_files("echo '{\"a\": 1}' 2>/dev/null") == []
    assert leaves_a_file("task-definition.json") and not leaves_a_file("params/x.local.json")


@pytest.mark.parametrize("item", COMMANDS, ids=ids)
def test_no_documented_command_leaves_a_file_in_the_checkout(item):
    path, command = item
    left = [target for target in written_files(command) if leaves_a_file(target)]
    assert left == [], f"{path.name}: {command!r} writes {left} into the checkout"
    for token in re.findall(r"file://(\S+)", command):  # a file a command reads was written somewhere
        name = token.strip("\"'")
        if name == "...":  # the form, not a file: file://...
            continue
        assert not leaves_a_file(name) or (ROOT / name).exists(), f"{path.name}: {name} is not in the checkout"
