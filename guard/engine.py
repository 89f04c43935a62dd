"""Run the Guard rules of ``rules/`` on a document, in process, with cfn-guard's Python binding.

cfn-guard-rs (PyPI) embeds Guard 3.0; it has wheels for CPython 3.8-3.12 only, so on a newer
Python it is missing and :func:`evaluate` says so in one line. Its short report keeps only the
last 8,192 bytes of a longer one (the start of the JSON is lost), so the verbose report, which
arrives whole, is read instead: one tree, a child per rule.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from templates.errors import ConfigError

RULES_DIR = Path(__file__).parent / "rules"
PASS, FAIL, SKIP = "pass", "fail", "not applicable"
_RESOURCE_PATH = re.compile(r"^/Resources/([^/]+)")


@dataclass(frozen=True)
class Outcome:
    """One rule on one document: its status and, when it fails, the resources that break it."""

    status: str
    resources: tuple[str, ...] = ()


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.guard"))


def _binding():
    try:
        from cfn_guard_rs.cfn_guard_rs import run_checks_rs
    except ImportError:
        raise ConfigError(
            "cfn-guard-rs is not installed (it has wheels for Python 3.8-3.12): "
            "run make with PYTHON=python3.12, or install cfn-guard-rs"
        ) from None
    return run_checks_rs


_STATUS = {"PASS": PASS, "FAIL": FAIL, "SKIP": SKIP}


_TYPE = re.compile(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"')
_RULE = re.compile(r"^rule (\w+)", re.MULTILINE)


@cache
def _rule_types() -> tuple[tuple[str, frozenset[str], tuple[str, ...]], ...]:
    """Each rule file: its text, the resource types it names, and its rules."""
    return tuple(
        (text, frozenset(_TYPE.findall(text)), tuple(_RULE.findall(text)))
        for text in (path.read_text() for path in rule_files())
    )


def evaluate(document: dict, rules: str | None = None) -> dict[str, Outcome]:
    """Rule name -> :class:`Outcome` of ``rules`` (all of ``rules/`` by default) on ``document``.

    Every rule of ``rules/`` reads only resources of the types it names, so each file runs on
    those resources alone, and a file none of whose types the document has is not applicable
    without a run: Guard's verbose report holds every resource each filter looked at, and a
    whole template against every rule made it some megabytes.
    """
    if rules is not None:
        return _evaluate(document, rules)
    outcomes = {}
    resources = document.get("Resources", {})
    for text, types, names in _rule_types():
        chosen = {title: body for title, body in resources.items() if body.get("Type") in types}
        if chosen:
            outcomes.update(_evaluate({"Resources": chosen}, text))
        else:
            outcomes.update({name: Outcome(SKIP) for name in names})
    return outcomes


def _evaluate(document: dict, rules: str) -> dict[str, Outcome]:
    report = json.loads(_binding()(json.dumps(document), rules, True))
    outcomes = {}
    for child in report["children"]:
        rule = child["container"].get("RuleCheck")
        if rule is None:
            continue
        status = _STATUS[rule["status"]]
        failing = tuple(sorted(set(_failing_resources(child)))) if status == FAIL else ()
        outcomes[rule["name"]] = Outcome(status, failing)
    return outcomes


def _failing_resources(node: dict) -> list[str]:
    """The logical IDs of the values that failed a check. Passed branches are cut (one side of an ``or``
    fails for every resource that passes), and so are the filters that chose what to check (a filter
    fails for every resource of another type) and the rule's own ``when`` condition."""
    context = node.get("context", "")
    if context.startswith("Filter/") or context.endswith("/When"):
        return []
    ((kind, detail),) = node["container"].items()
    status = detail if isinstance(detail, str) else (detail or {}).get("status")
    if status in ("PASS", "SKIP", "Success"):
        return []
    if kind == "ClauseValueCheck":
        return _paths(detail)
    return [found for child in node.get("children", []) for found in _failing_resources(child)]


def _paths(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str) and (match := _RESOURCE_PATH.match(value)):
                found.append(match.group(1))
            else:
                found += _paths(value)
    elif isinstance(node, list):
        for item in node:
            found += _paths(item)
    return found
