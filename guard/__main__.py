"""``make controls``: the control matrix. Exit 1 when a hardened parameter file fails a control, 2 on bad input."""

import argparse
import os
import sys

from templates import TEMPLATES
from templates.errors import ConfigError

from . import engine, matrix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guard", description=__doc__.splitlines()[0])
    parser.add_argument("templates", nargs="*", help=f"some of {', '.join(TEMPLATES)} (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.templates if name not in TEMPLATES]
    if unknown:
        print(f"make controls: unknown template {unknown[0]!r}: use one of {', '.join(TEMPLATES)}", file=sys.stderr)
        return 2
    try:
        found = matrix.rows(arguments.templates or None)
    except ConfigError as error:
        print(f"make controls: {error}", file=sys.stderr)
        return 2
    failing = [
        f"{r.params} fails {control}"
        for r in found
        if r.hardened
        for control, outcome in r.outcomes.items()
        if outcome.status == engine.FAIL
    ]
    try:
        if arguments.json:
            print(matrix.as_json(found))
        else:
            print(matrix.table(found))
            print(
                f"\n{len(found)} template x parameter file rows; FAIL under defaults is a departure (docs/controls.md)"
            )
        sys.stdout.flush()
    except BrokenPipeError:  # `make controls | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    for line in failing:
        print(line, file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
