"""Compare two Python bindings of Guard on everything the project runs through Guard.

guard/engine.py runs the rules with guardpycfn (Guard 3.1.2, abi3 wheels for any CPython
3.9+). Before it, the project ran cfn-guard-rs 0.3.3 (Guard 3.0, wheels for CPython 3.8-3.12
only). This script runs both on the same inputs and compares what the project reads from
Guard: each rule's status and the resources that break it, and the whole verbose report.
Use it again before moving to another binding or Guard release (adapt ``BINDINGS``).

It needs both bindings, so a Python both install on (3.11 or 3.12) and a throwaway venv:

    python3.11 -m venv /tmp/guard-compare
    /tmp/guard-compare/bin/pip install -r requirements.txt cfn-guard-rs==0.3.3
    /tmp/guard-compare/bin/python -m guard.compare_bindings

Exit status 0 when every outcome is the same, 1 otherwise (each difference is listed).
"""

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import yaml

from templates import controls

from . import engine, matrix

ROOT = Path(__file__).resolve().parent.parent

FIXTURES = ROOT / "tests" / "guard" / "fixtures"
# A document with no resource any rule checks: every rule must be "not applicable".
UNCHECKED = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}}


def cfn_guard_rs_report(document: dict, rules: str) -> dict:
    from cfn_guard_rs.cfn_guard_rs import run_checks_rs

    return json.loads(run_checks_rs(json.dumps(document), rules, True))


BINDINGS = {"cfn-guard-rs": cfn_guard_rs_report, "guardpycfn": engine.report}


@contextmanager
def binding(name: str):
    """guard.engine running with the binding ``name``."""
    original = engine.report
    engine.report = BINDINGS[name]
    try:
        yield
    finally:
        engine.report = original


def without_input_names(tree: dict) -> dict:
    """The report less the names a binding gives its two inputs (cfn-guard-rs gives none,
    guardpycfn DATA_STDIN and RULES_STDIN): they appear in the root and in each location."""
    text = json.dumps(tree).replace("file:RULES_STDIN,", "file:,").replace('"name": "DATA_STDIN"', '"name": ""')
    return json.loads(text)


def fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.yaml"))


def cases():
    """(what, function giving rule -> Outcome) for every input the project gives Guard."""
    rule_texts = {path.name: path.read_text() for path in engine.rule_files()}
    for path in fixtures():
        document = yaml.safe_load(path.read_text())
        label = f"{path.parent.name}/{path.name}"
        # As the project runs it: every file, each on the resource types it names.
        yield f"{label} (all rules)", lambda document=document: engine.evaluate(document)
        # Guard itself on the whole document, one rule file at a time.
        for name, text in rule_texts.items():
            yield f"{label} x {name}", lambda document=document, text=text: engine.evaluate(document, text)
    for name, text in rule_texts.items():
        yield f"unchecked types x {name}", lambda text=text: engine.evaluate(UNCHECKED, text)


def documented(path_label: str, outcomes: dict) -> bool:
    """A fixture's own rule gives the outcome its folder names (a failure names resources)."""
    kind, file_name = path_label.split("/")
    rule_of = {control.rule_file.removesuffix(".guard"): control.rule for control in controls.CONTROLS}
    outcome = outcomes[rule_of[file_name.split(".")[0]]]
    if kind == "pass":
        return outcome.status == engine.PASS
    return outcome.status == engine.FAIL and bool(outcome.resources)


def main() -> int:
    differences = []
    compared = outcomes_compared = 0
    for label, run in cases():
        results = {}
        for name in BINDINGS:
            with binding(name):
                results[name] = run()
        first, second = results.values()
        compared += 1
        outcomes_compared += len(first)
        if first != second:
            differences.append(f"{label}: {first} != {second}")
    with_documented = {name: 0 for name in BINDINGS}
    for path in fixtures():
        label = f"{path.parent.name}/{path.name}"
        document = yaml.safe_load(path.read_text())
        for name in BINDINGS:
            with binding(name):
                with_documented[name] += documented(label, engine.evaluate(document))
    rows = {}
    for name in BINDINGS:
        with binding(name):
            rows[name] = {(row.template, row.params): row.outcomes for row in matrix.rows()}
    first, second = rows.values()
    for key in first:
        if first[key] != second[key]:
            differences.append(f"matrix {key}: {first[key]} != {second[key]}")
    row_outcomes = sum(len(outcomes) for outcomes in first.values())
    identical = same_but_names = total = 0
    for path in fixtures():
        document = yaml.safe_load(path.read_text())
        for rule_path in engine.rule_files():
            trees = [report(document, rule_path.read_text()) for report in BINDINGS.values()]
            total += 1
            identical += trees[0] == trees[1]
            same_but_names += without_input_names(trees[0]) == without_input_names(trees[1])

    names = " and ".join(BINDINGS)
    print(f"Guard through {names}, on Python {sys.version.split()[0]}:")
    print(
        f"  fixtures: {len(fixtures())} ({len(list(FIXTURES.glob('pass/*.yaml')))} pass, "
        f"{len(list(FIXTURES.glob('fail/*.yaml')))} fail), rules: {len(engine.rule_files())} files"
    )
    print(f"  {compared} runs compared, {outcomes_compared} rule outcomes (status and failing resources)")
    for name, count in with_documented.items():
        print(f"  {name}: {count} of {len(fixtures())} fixtures give their rule the documented outcome")
    print(f"  control matrix: {len(first)} template x parameter file rows, {row_outcomes} control outcomes")
    print(
        f"  verbose reports, fixture x rule file: {identical} of {total} identical, "
        f"{same_but_names} of {total} identical but for the names of the two inputs"
    )
    print(f"  differences in outcome: {len(differences)}")
    for line in differences:
        print(f"    {line}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
