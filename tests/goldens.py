"""Golden builds: each build option that changes a template's structure, built once and committed.

    .venv/bin/python -m tests.goldens      (or: make golden) rewrites tests/golden/ from the code

tests/test_goldens.py builds each variant afresh and compares it byte for byte
(build.py --check --output-dir tests/golden/<variant>); after a deliberate change,
regenerate and review the diff.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"

# Directory under tests/golden/ -> the template and its build options.
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "finfocus-plugin.two-regions": ("finfocus-plugin", {"regions": "us-east-1:8001,eu-west-1:8003"}),
    "finfocus-plugin.metrics-9191": ("finfocus-plugin", {"metrics_port": "9191"}),
}


def command(variant: str, *extra: str) -> list[str]:
    name, settings = VARIANTS[variant]
    sets = [argument for key, value in settings.items() for argument in ("--set", f"{key}={value}")]
    return [sys.executable, str(ROOT / "build.py"), name, *sets, "--output-dir", str(GOLDEN / variant), *extra]


def main() -> int:
    for variant in VARIANTS:
        subprocess.run(command(variant), check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
