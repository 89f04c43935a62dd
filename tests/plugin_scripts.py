"""What the plugin image's shell scripts write to, read from their text.

The image runs docker/entrypoint.sh (and docker/healthcheck.sh for its HEALTHCHECK). With a
read-only root filesystem every path they write must be on a writable mount. This module finds
those paths in a script's lines: redirections, mkfifo, mktemp, touch, tee, rm (removing a file
writes its directory), and here-strings or here-documents (bash may keep them in a temporary file
under $TMPDIR, or /tmp when TMPDIR is unset, as the image leaves it:
https://www.gnu.org/software/bash/manual/bash.html#Here-Documents).

tests/fixtures/plugin_image/scripts.json quotes, for every release the templates serve, the lines
of both scripts that write or that set a variable a write uses, with the URL, commit and git blob
of each script; tests/fixtures/plugin_image/dockerfiles.json quotes every instruction of the last
stage of docker/Dockerfile (the image that runs: its base, its user, what it does to directories,
any VOLUME). ``python -m tests.plugin_scripts <clone of the plugin repository>`` quotes them again
from the files themselves, for a new release or to check the quotation.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "plugin_image" / "scripts.json"
DOCKERFILE_FIXTURE = FIXTURE.parent / "dockerfiles.json"
REPOSITORY = "https://github.com/rshade/finfocus-plugin-aws-public"
SCRIPTS = ("docker/entrypoint.sh", "docker/healthcheck.sh")
DOCKERFILE = "docker/Dockerfile"
# Device files of the container's own /dev, not of its root filesystem.
DEVICES = {"/dev/null", "/dev/stdout", "/dev/stderr"}
TEMPORARY_DIRECTORY = "/tmp"  # $TMPDIR, which the image does not set

_ASSIGNMENT = re.compile(r"^\s*(?:local\s+|export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;]+)")
# A redirection to a file: >, >>, 2>, &>; not a duplication such as 2>&1.
_REDIRECT = re.compile(r"(?<![<>&0-9])(?:[0-9]?>>?|&>)\s*(?!&)(\"[^\"]+\"|'[^']+'|[^\s;&|)]+)")
_COMMANDS = re.compile(
    r"(?:^|[;&|(\s])(mkfifo|mktemp|touch|tee|rm)\b((?:\s+-[A-Za-z]+)*)(?:\s+(\"[^\"]+\"|[^\s;&|)]+))?"
)
_HERE = re.compile(r"<<<?")


def _strip_comment(line: str) -> str:
    return "" if line.lstrip().startswith("#") else line


def _unquote(word: str) -> str:
    return word[1:-1] if len(word) > 1 and word[0] == word[-1] and word[0] in "\"'" else word


def write_lines(text: str) -> dict[int, str]:
    """Line number -> line, for every line that writes or sets a variable a write uses."""
    lines = {number: line for number, line in enumerate(text.splitlines(), 1) if _strip_comment(line).strip()}
    writes = {number: line for number, line in lines.items() if targets_of(line) or _HERE.search(line)}
    used = {name for line in writes.values() for name in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", line)}
    setters = {
        number: line
        for number, line in lines.items()
        if (match := _ASSIGNMENT.match(line)) and match.group(1) in used and "/" in match.group(2)
    }
    return dict(sorted({**writes, **setters}.items()))


def targets_of(line: str) -> list[str]:
    """The words a line writes to, as written (variables not yet expanded)."""
    line = _strip_comment(line)
    found = [_unquote(word) for word in _REDIRECT.findall(line)]
    for command, _options, word in _COMMANDS.findall(line):
        # mktemp without a template makes its file under $TMPDIR, /tmp when unset.
        found.append(_unquote(word) if word else f"{TEMPORARY_DIRECTORY}/<{command}>")
    return found


def written_paths(lines: dict[int, str]) -> set[str]:
    """Every path the quoted lines write, variables expanded from the quoted assignments."""
    variables = {}
    for line in lines.values():
        if match := _ASSIGNMENT.match(line):
            variables[match.group(1)] = _unquote(match.group(2))
    paths = set()
    for line in lines.values():
        for target in targets_of(line):
            paths.add(_expand(target, variables))
        if _HERE.search(line):
            paths.add(TEMPORARY_DIRECTORY + "/<here-document>")
    return paths


def _expand(word: str, variables: dict[str, str]) -> str:
    def replace(match):
        name = match.group(1) or match.group(2)
        return variables.get(name, match.group(0))

    for _ in range(3):  # a variable set from another
        word = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", replace, word)
    return word


def final_stage(text: str) -> dict[int, str]:
    """Line number -> line, for every instruction line of a Dockerfile's last stage (from its FROM)."""
    lines = dict(enumerate(text.splitlines(), 1))
    start = max(number for number, line in lines.items() if re.match(r"FROM\s", line, re.IGNORECASE))
    return {n: line for n, line in lines.items() if n >= start and line.strip() and not line.lstrip().startswith("#")}


def quote(clone: Path, tags, files=SCRIPTS, lines_of=write_lines) -> dict:
    """A fixture's content, read from a git clone of the plugin repository."""

    def git(*args) -> str:
        return subprocess.run(["git", f"--git-dir={clone}", *args], check=True, capture_output=True, text=True).stdout

    releases = {}
    for tag in tags:
        commit = git("rev-parse", f"{tag}^{{commit}}").strip()
        releases[tag] = {"commit": commit}
        for script in files:
            releases[tag][script] = {
                "url": f"{REPOSITORY}/blob/{tag}/{script}",
                "blob": git("rev-parse", f"{tag}:{script}").strip(),
                "lines": {str(number): line for number, line in lines_of(git("show", f"{tag}:{script}")).items()},
            }
    return {"repository": REPOSITORY, "releases": releases}


if __name__ == "__main__":
    from templates import facts

    tags = [release.tag for release in facts.PLUGIN_RELEASES]
    clone = Path(sys.argv[1])
    fixtures = {
        FIXTURE: quote(clone, tags),
        DOCKERFILE_FIXTURE: quote(clone, tags, (DOCKERFILE,), final_stage),
    }
    differ = []
    for path, found in fixtures.items():
        if len(sys.argv) > 2 and sys.argv[2] == "--write":
            path.write_text(json.dumps(found, indent=2) + "\n")
        elif found != json.loads(path.read_text()):
            differ.append(path.name)
    print(f"{', '.join(differ)} differ: run with --write" if differ else "the fixtures quote the files as they are")
    sys.exit(1 if differ else 0)
