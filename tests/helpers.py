import functools
import json
import subprocess
import sys
from pathlib import Path

import templates

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def built(name: str, **settings) -> dict:
    """The template as a plain dict, built in memory with build options."""
    return templates.build(name, {k: str(v) for k, v in settings.items()}).to_dict()


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {title: body for title, body in template["Resources"].items() if body["Type"] == kind}


def only(template: dict, kind: str) -> dict:
    found = resources(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.values()))


def policy_statements(role: dict) -> list[dict]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def run_build(*arguments, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *arguments], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def as_json(value) -> str:
    return json.dumps(value, sort_keys=True)
