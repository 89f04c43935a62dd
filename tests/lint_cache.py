"""A content-addressed cache of cfn-lint results, for the property tests' edit loop.

The key is everything a result depends on: the template document, the regions and
checks, the cfn-lint version and the source of every file under lint_rules/. Change
any of them (a part, a rule, the pinned cfn-lint) and the template is linted again.
Results live in .cache/cfn-lint/ (ignored by git; delete it at will).
LINT_CACHE=off turns the cache off.
"""

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / ".cache" / "cfn-lint"


@functools.cache
def _tools_fingerprint() -> bytes:
    digest = hashlib.sha256(f"cfn-lint {version('cfn-lint')}\n".encode())
    for path in sorted((ROOT / "lint_rules").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json"):
            digest.update(f"{path.relative_to(ROOT)}\n".encode())
            digest.update(path.read_bytes())
    return digest.digest()


def key(document: dict, regions: list[str], checks: list[str]) -> str:
    digest = hashlib.sha256(_tools_fingerprint())
    digest.update(json.dumps([document, sorted(regions), sorted(checks)], sort_keys=True, default=str).encode())
    return digest.hexdigest()


def cached(document: dict, regions: list[str], checks: list[str], lint: Callable[[], list[str]]) -> list[str]:
    """``lint()``'s findings, read from the cache when this exact input was linted clean before."""
    if os.environ.get("LINT_CACHE") == "off":
        return lint()
    path = DIRECTORY / f"{key(document, regions, checks)}.json"
    if path.is_file():
        return json.loads(path.read_text())
    findings = lint()
    if not findings:  # a failure is always linted again, so its message is current
        DIRECTORY.mkdir(parents=True, exist_ok=True)
        # Written whole and renamed: the other pytest worker may read it at the same moment.
        with tempfile.NamedTemporaryFile("w", dir=DIRECTORY, delete=False, suffix=".tmp") as handle:
            handle.write(json.dumps(findings))
        os.replace(handle.name, path)
    return findings
