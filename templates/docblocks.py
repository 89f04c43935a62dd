"""Generated blocks inside the hand-written docs.

A doc marks a block with ``<!-- generated:NAME -->`` ... ``<!-- /generated:NAME -->``;
the build fills it from the same objects the templates are made of, and the
staleness check fails when a doc and the code disagree.
"""

import re
from collections.abc import Callable

from .errors import ConfigError

_BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.DOTALL)


def fill(text: str, blocks: dict[str, Callable[[Callable[[str], str]], str]], source: str, files) -> str:
    """``text`` with every marked block replaced by what its generator returns now.

    A generator gets ``files``: output file name -> its text, as this build made it.
    """

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in blocks:
            raise ConfigError(f"{source} asks for generated block {name!r}, which no template provides")
        return match.group(1) + blocks[name](files).rstrip("\n") + "\n" + match.group(4)

    return _BLOCK.sub(replace, text)


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
