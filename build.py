#!/usr/bin/env python3
"""Build the CloudFormation templates into output/: python build.py --help.

The command line lives in templates/cli.py: Python caches a module's compiled
code, never a script's.
"""

import sys

from templates.cli import main

if __name__ == "__main__":
    sys.exit(main())
