"""The command line of build.py: build the CloudFormation templates into output/.

    python build.py                      build every template into output/ (and the generated docs)
    python build.py go-api platform      build some
    python build.py --list               each template, what it deploys, and its build options
    python build.py --check              fail, naming each stale file, if output/ is out of date
    python build.py finfocus-plugin --set metrics_port=9191 --output-dir build/

A build option (--set) makes a variant of a template: it needs the template named
and an --output-dir other than output/, which holds the default builds only.
Bad input gets one line on stderr and exit code 2; nothing is written then.
Ctrl-C leaves every file either as it was or completely written, and exits 130.
"""

import argparse
import os
import sys
from pathlib import Path

from templates import TEMPLATES, describe, document, render
from templates.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
USAGE_ERROR = 2
INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


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
    parser.add_argument("--list", action="store_true", help="print each template, what it deploys and its options")
    parser.add_argument("--check", action="store_true", help="build in memory; exit 1 naming every file that differs")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a build option of the named template, e.g. metrics_port=9191 (needs --output-dir)",
    )
    parser.add_argument("--output-dir", default=str(OUTPUT), help="where to write (default: output/)")
    return parser.parse_args(argv)


def settings_from(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {pair!r} is not KEY=VALUE: write e.g. --set metrics_port=9191")
        if not value.isprintable():
            # A newline from a pasted value or `$(cat file)` would otherwise be kept, or silently dropped.
            raise ConfigError(f"--set {key}={value!r} contains a newline or control character: give the value alone")
        settings[key] = value
    return settings


def select(names: list[str]) -> list[str]:
    unknown = [name for name in names if name not in TEMPLATES]
    if unknown:
        raise ConfigError(f"unknown template {', '.join(unknown)}: choose from {', '.join(TEMPLATES)}")
    return names or list(TEMPLATES)


def output_directory(text: str, writing: bool = True) -> Path:
    """The --output-dir, refused when it cannot hold the files (nothing is created here).
    ``writing`` False (--check) only reads: a read-only checkout is fine."""
    if not text.strip():
        raise ConfigError("--output-dir is empty: name a directory, e.g. --output-dir build/")
    directory = Path(text).resolve()
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"--output-dir {text} is a file: name a directory, e.g. --output-dir build/")
    existing = next(parent for parent in (directory, *directory.parents) if parent.exists())
    if not existing.is_dir():
        raise ConfigError(f"--output-dir {text} lies under the file {existing}: name a directory, e.g. build/")
    if writing and not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"--output-dir {text} is not writable ({existing}): choose a directory you can write")
    return directory


def check_variant(names: list[str], settings: dict[str, str], directory: Path) -> None:
    """A build with options is a variant: of named templates, and never into output/."""
    if not settings:
        return
    if not names:
        raise ConfigError("--set needs the template named: e.g. build.py finfocus-plugin --set metrics_port=9191")
    if directory == OUTPUT:
        raise ConfigError(
            "--set builds a variant, and output/ holds the default builds: write it elsewhere with --output-dir build/"
        )


def render_all(names: list[str], settings: dict[str, str]) -> tuple[dict[str, dict], dict[str, str]]:
    """The document and the files of every chosen template, in memory."""
    known = {option.name for name in names for option in describe(name).build_options()}
    for key in settings:
        if key not in known:
            raise ConfigError(f"unknown option {key!r}: valid options are {', '.join(sorted(known)) or 'none'}")
    documents, files = {}, {}
    for name in names:
        own = {option.name for option in describe(name).build_options()}
        try:
            documents[name] = document(name, {key: value for key, value in settings.items() if key in own})
            files.update(render(name, documents[name]))
        except ConfigError as error:
            if str(error).startswith(name):
                raise
            raise ConfigError(f"{name}: {error}") from None
    return documents, files


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write beside the target, then rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(text, bytes):
            temporary.write_bytes(text)
        else:
            with open(temporary, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def stale_files(files: dict[Path, str | bytes]) -> list[Path]:
    def current(path: Path, content: str | bytes) -> bool:
        if not path.exists():
            return False
        return (path.read_bytes() if isinstance(content, bytes) else path.read_text(encoding="utf-8")) == content

    return [path for path, content in files.items() if not current(path, content)]


def list_templates(names: list[str]) -> None:
    width = max(map(len, TEMPLATES))
    for name in names:
        described = describe(name)
        print(f"{name:<{width}}  {described.summary}")
        options = described.build_options()
        for option in options:
            default = "none" if option.default is None else option.default
            print(f"  --set {option.name}=<{option.type}>  (default: {default})  {option.help}")
        if not options:
            print("  (no build options: every choice is a stack parameter, see params/)")


def build(arguments) -> int:
    names = select(arguments.names)
    if arguments.list:
        list_templates(names)
        return 0
    settings = settings_from(arguments.set)
    directory = output_directory(arguments.output_dir, writing=not arguments.check)
    check_variant(arguments.names, settings, directory)
    documents, rendered = render_all(names, settings)
    files = {directory / name: text for name, text in rendered.items()}
    if directory == OUTPUT:
        # A build into a directory of one's own is a one-off; the docs describe output/.
        from .docs import render_docs  # ops/ and tools/ too: only the docs need them

        files.update(render_docs(ROOT, documents, rendered))

    stale = stale_files(files)
    if arguments.check:
        for path in stale:
            print(f"stale: {shown(path)} (run: make template)", file=sys.stderr)
        if not stale:
            print(f"{len(files)} files up to date")
        return 1 if stale else 0
    try:
        for path in stale:
            write_atomically(path, files[path])
    except OSError as error:
        where = error.filename or directory
        raise ConfigError(f"cannot write {where}: {error.strerror}: choose a writable --output-dir") from None
    changed = ", ".join(shown(path) for path in stale)
    print(f"built {len(files)} files, {len(stale)} changed{': ' if stale else ''}{changed}")
    return 0


def main(argv=None) -> int:
    try:
        arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
        status = build(arguments)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return status
    except ConfigError as error:
        print(f"build.py: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("build.py: interrupted: every file is as it was or completely written; run it again", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader left (build.py --list | head -1): stop quietly, and keep Python
        # from failing again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
