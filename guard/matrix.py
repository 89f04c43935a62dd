"""Every template with every parameter file (and its defaults) against every control."""

import json
from dataclasses import dataclass
from pathlib import Path

from ops.shared import params
from ops.shared.report import counted
from templates import TEMPLATES, controls, document

from . import engine, resolve

DEFAULTS = "defaults"
HARDENED = "hardened"


@dataclass(frozen=True)
class Row:
    """One template with one parameter file: control ID -> outcome."""

    template: str
    params: str  # "defaults" or the file name
    outcomes: dict[str, engine.Outcome]

    @property
    def hardened(self) -> bool:
        return self.params == f"{self.template}.{HARDENED}.json"


def parameter_files(template: str) -> list[Path]:
    return params.committed(template)


def row(template: str, built: dict, path: Path | None) -> Row:
    outcomes = engine.evaluate(resolve.stack_resources(built, resolve.parameter_values(path)))
    by_id = {control.id: outcomes[control.rule] for control in controls.CONTROLS}
    return Row(template, DEFAULTS if path is None else path.name, by_id)


def rows(names=None) -> list[Row]:
    found = []
    for name in names or TEMPLATES:
        built = document(name)
        found += [row(name, built, path) for path in [None, *parameter_files(name)]]
    return found


def label(row: Row) -> str:
    """The column of a row's parameter file: its environment (dev, prod, ...), or defaults."""
    return row.params.removeprefix(f"{row.template}.").removesuffix(".json")


def table(found: list[Row]) -> str:
    """Plain text, within 100 columns: a block per template, a line per control that applies to
    it (what its resources are), a column per parameter file."""
    short = {engine.PASS: "pass", engine.FAIL: "FAIL", engine.SKIP: "n/a"}
    width = max(len(control.id) for control in controls.CONTROLS)
    blocks = []
    for template in dict.fromkeys(r.template for r in found):
        rows = [r for r in found if r.template == template]
        applying = [c.id for c in controls.CONTROLS if any(r.outcomes[c.id].status != engine.SKIP for r in rows)]
        columns = [label(r) for r in rows]
        cells = max(len("pass"), *map(len, columns))
        lines = [f"{template}: {len(rows)} parameter sets (defaults, params/{template}.<env>.json)"]
        lines.append(f"  {'control':<{width}}  " + "  ".join(f"{c:<{cells}}" for c in columns))
        for control in applying:
            states = "  ".join(f"{short[r.outcomes[control].status]:<{cells}}" for r in rows)
            lines.append(f"  {control:<{width}}  {states}")
        others = len(controls.CONTROLS) - len(applying)
        lines.append(f"  n/a: {counted(others, 'other control')} (it creates none of the resources they check)")
        blocks.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(blocks)


def as_json(found: list[Row]) -> str:
    """Every row with every control: the outcome, and the resources that break a failing one."""
    return json.dumps(
        {
            "controls": [{"id": c.id, "rule": c.rule, "asks_for": c.title, "url": c.url} for c in controls.CONTROLS],
            "rows": [
                {
                    "template": r.template,
                    "parameters": None if r.params == DEFAULTS else f"params/{r.params}",
                    "hardened": r.hardened,
                    "outcomes": {
                        control: {"status": outcome.status, "resources": list(outcome.resources)}
                        for control, outcome in r.outcomes.items()
                    },
                }
                for r in found
            ],
        },
        indent=2,
    )
