"""Generated blocks inside the hand-written docs.

A doc marks a block with ``<!-- generated:NAME -->`` ... ``<!-- /generated:NAME -->``;
the build fills it from the same objects the templates are made of, and the
staleness check fails when a doc and the code disagree.

A figure inside a sentence is marked on one line, with what it is of after a slash:
``<!-- generated:timeline.figure/go-api:defaults:GoApiService:release -->`` ...
``<!-- /generated:timeline.figure/go-api:defaults:GoApiService:release -->``. Its generator
takes that argument too, and returns one line.
"""

import re
from collections.abc import Callable

from .errors import ConfigError

_BLOCK = re.compile(
    r"(<!-- generated:(?P<full>(?P<name>[\w.-]+)(?:/(?P<argument>[\w.:=,%-]+))?) -->(?P<newline>\n?))"
    r"(?P<body>.*?)(?P<close><!-- /generated:(?P=full) -->)",
    re.DOTALL,
)


def fill(text: str, blocks: dict[str, Callable[[Callable[[str], str]], str]], source: str, files) -> str:
    """``text`` with every marked block replaced by what its generator returns now.

    A generator gets ``files``: output file name -> its text, as this build made it.
    """

    def replace(match: re.Match) -> str:
        name, argument = match.group("name", "argument")
        if name not in blocks:
            raise ConfigError(f"{source} asks for generated block {name!r}, which no template provides")
        if not match.group("newline"):
            return match.group(1) + inline(blocks[name], argument, match.group("full")) + match.group("close")
        if argument is not None:
            raise ConfigError(f"{source}: block {match.group('full')!r} takes no argument: put it on one line")
        return match.group(1) + blocks[name](files).rstrip("\n") + "\n" + match.group("close")

    def inline(make, argument: str | None, full: str) -> str:
        try:
            made = make(files, argument) if argument is not None else make(files)
        except (KeyError, ValueError, TypeError) as error:
            raise ConfigError(f"{source}: figure {full!r} cannot be made: {error}") from None
        if "\n" in made.strip():
            raise ConfigError(f"{source}: {full!r} is a block: give it lines of its own")
        return made.strip()

    return _BLOCK.sub(replace, text)


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
