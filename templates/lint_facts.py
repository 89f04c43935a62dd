"""The facts the cfn-lint rules need, as the JSON file beside them.

The rules in ``lint_rules/`` must load in any cfn-lint installation, so they
cannot import this package; they read ``lint_rules/facts.json`` instead. This
module writes that file from ``templates/facts.py``, the one home of the values.

Regenerate with: .venv/bin/python -m templates.lint_facts
"""

import json
from pathlib import Path

from templates import facts

PATH = Path(__file__).resolve().parent.parent / "lint_rules" / "facts.json"
REGENERATE = ".venv/bin/python -m templates.lint_facts"


def lint_facts() -> dict:
    return {
        "generated_by": REGENERATE,
        # JSON object keys are strings: CPU units as text, memory sizes as numbers.
        "fargate_sizes": {str(cpu): list(memory) for cpu, memory in facts.FARGATE_SIZES.items()},
        "template_body_direct_bytes": facts.TEMPLATE_BODY_DIRECT_BYTES,
        "deployed_from_s3_metadata": facts.DEPLOYED_FROM_S3_METADATA,
        "region_part": facts.REGION_PART,
        "partition_part": facts.PARTITION_PART,
        "account_part": facts.ACCOUNT_PART,
    }


def render() -> str:
    return json.dumps(lint_facts(), indent=2) + "\n"


def write(path: Path = PATH) -> None:
    path.write_text(render())


if __name__ == "__main__":
    write()
    print(f"wrote {PATH.relative_to(Path.cwd()) if PATH.is_relative_to(Path.cwd()) else PATH}")
