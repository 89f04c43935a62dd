#!/usr/bin/env python3
"""Build the CloudFormation templates into output/: python build.py --help.

The command line lives in builder/cli.py: Python caches a module's compiled
code, never a script's. This file only makes sure the Python running it can.
"""

import importlib.util
import sys

USAGE_ERROR = 2


def missing_requirement() -> str | None:
    if importlib.util.find_spec("troposphere") is None:
        return (
            f"troposphere is not installed for {sys.executable}: run `make template` first "
            "(it creates .venv), then .venv/bin/python build.py ..."
        )
    return None


if __name__ == "__main__":
    try:
        problem = missing_requirement()
        if problem:
            print(f"build.py: {problem}", file=sys.stderr)
            sys.exit(USAGE_ERROR)
        from builder.cli import main
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C while Python looks for and loads the modules: nothing written yet
    sys.exit(main())
