"""The command line of build.py: build the CloudFormation templates into output/.

    python build.py                      build every template
    python build.py go-api platform      build some
    python build.py --list               what each template deploys
    python build.py --check              fail, naming each stale file, if output/ is out of date
    python build.py finfocus-plugin --set layout=10-region --output-dir build/

Bad input gets one line on stderr and exit code 2; nothing is written then.
"""

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from . import TEMPLATES, doc_blocks, reference_page, render
from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
DOCS = ROOT / "docs"
USAGE_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that names the valid choices."""

    def error(self, message):
        options = " ".join(sorted(o for action in self._actions for o in action.option_strings if o.startswith("--")))
        self.exit(USAGE_ERROR, f"build.py: {message} (options: {options}; templates: {', '.join(TEMPLATES)})\n")


def parse_arguments(argv):
    parser = OneLineParser(description="Build the CloudFormation templates into output/.")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"templates to build: {', '.join(TEMPLATES)} (default: all)"
    )
    parser.add_argument("--list", action="store_true", help="print each template and what it deploys")
    parser.add_argument("--check", action="store_true", help="build in memory; exit 1 naming every file that differs")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a build option, e.g. layout=10-region"
    )
    parser.add_argument("--output-dir", type=Path, default=OUTPUT, help="where to write (default: output/)")
    return parser.parse_args(argv)


def settings_from(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {pair!r} is not KEY=VALUE: write e.g. --set layout=10-region")
        settings[key] = value
    return settings


def select(names: list[str]) -> list[str]:
    unknown = [name for name in names if name not in TEMPLATES]
    if unknown:
        raise ConfigError(f"unknown template {', '.join(unknown)}: choose from {', '.join(TEMPLATES)}")
    return names or list(TEMPLATES)


def render_all(names: list[str], settings: dict[str, str]) -> dict[str, str]:
    """Every file of the chosen templates, in memory; a build option must fit one of them."""
    known = {key for name in names for key in _option_names(name)}
    for key in settings:
        if key not in known:
            raise ConfigError(f"unknown option {key!r}: valid options are {', '.join(sorted(known)) or 'none'}")
    files = {}
    for name in names:
        own = {key: value for key, value in settings.items() if key in _option_names(name)}
        try:
            files.update(render(name, own))
        except ConfigError as error:
            if str(error).startswith(name):
                raise
            raise ConfigError(f"{name}: {error}") from None
    return files


def _option_names(name: str) -> set[str]:
    return {field.name for field in dataclasses.fields(TEMPLATES[name].Options)}


def render_docs(names: list[str]) -> dict[Path, str]:
    """The generated reference pages, the taskcat configuration, and the docs whose
    generated blocks the build keeps current, as they should read."""
    from . import docblocks, taskcat  # only the docs need these

    blocks = doc_blocks()
    docs = {DOCS / "reference" / f"{name}.md": reference_page(name) for name in names}
    docs[ROOT / ".taskcat.yml"] = taskcat.config(TEMPLATES, ROOT / "params")
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if "<!-- generated:" in text:
            docs[path] = docblocks.fill(text, blocks, str(path.relative_to(ROOT)))
    return docs


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def stale_files(files: dict[Path, str]) -> list[str]:
    stale = []
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path))
    return stale


def main(argv=None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        names = select(arguments.names)
        if arguments.list:
            width = max(map(len, TEMPLATES))
            for name in names:
                print(f"{name:<{width}}  {TEMPLATES[name].SUMMARY}")
            return 0
        directory = arguments.output_dir.resolve()
        files = {directory / name: text for name, text in render_all(names, settings_from(arguments.set)).items()}
        if directory == OUTPUT:
            # A build into a directory of one's own is a one-off; the docs describe output/.
            files.update(render_docs(names))
    except ConfigError as error:
        print(f"build.py: {error}", file=sys.stderr)
        return USAGE_ERROR

    if arguments.check:
        stale = stale_files(files)
        for path in stale:
            print(f"stale: {path} (run: make template)", file=sys.stderr)
        if not stale:
            print(f"{len(files)} files up to date")
        return 1 if stale else 0
    changed = stale_files(files)
    for path, text in files.items():
        if str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path) in changed:
            write_atomically(path, text)
    print(f"built {len(files)} files, {len(changed)} changed{': ' if changed else ''}{', '.join(changed)}")
    return 0
