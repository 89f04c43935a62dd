"""Run the Guard rules of ``rules/`` on a document, in process, with Guard's Python binding.

guardpycfn (PyPI) embeds Guard 3.1.2 (upstream's main of May 2025) through pyo3; its wheels use
CPython's stable ABI (abi3), so one wheel serves every Python this project supports
(docs/controls.md, "The Guard binding"). The verbose report is read: one tree, a child per
rule, holding the path of every value a check looked at (where the failing resources are found).
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
        from guardpycfn import validate_with_guard
    except ImportError:
        raise ConfigError(
            "guardpycfn (Guard's Python binding) is not installed: run make template, "
            "which installs requirements.txt into .venv"
        ) from None
    return validate_with_guard


def report(document: dict, rules: str) -> dict:
    """Guard's verbose report of ``rules`` on ``document``: the tree of every evaluation."""
    answer = _binding()(json.dumps(document), rules, True)
    if not answer.get("success"):
        raise ConfigError(f"Guard cannot run these rules: {answer.get('error', 'no reason given')}")
    # The binding parses Guard's JSON; text means Guard wrote none (rules text without a rule).
    if not isinstance(answer.get("result"), dict):
        raise ConfigError("Guard gave no report: the rules text holds no rule")
    return answer["result"]


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
    return outcomes_of(report(document, rules))


def outcomes_of(tree: dict) -> dict[str, Outcome]:
    """Rule name -> :class:`Outcome`, read from a verbose report."""
    outcomes = {}
    for child in tree["children"]:
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
