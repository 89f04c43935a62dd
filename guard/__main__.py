"""``make controls``: the control matrix. Exit 1 when a hardened parameter file fails a control, 2 on bad input."""

import sys

from templates.errors import ConfigError

from . import engine, matrix


def main() -> int:
    try:
        found = matrix.rows(sys.argv[1:] or None)
    except ConfigError as error:
        print(f"make controls: {error}", file=sys.stderr)
        return 2
    print(matrix.table(found))
    failing = [
        f"{r.params} fails {control}"
        for r in found
        if r.hardened
        for control, outcome in r.outcomes.items()
        if outcome.status == engine.FAIL
    ]
    for line in failing:
        print(line, file=sys.stderr)
    print(f"\n{len(found)} template x parameter file rows; FAIL under defaults is a departure (docs/controls.md)")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
