"""Every template with every parameter file (and its defaults) against every control."""

from dataclasses import dataclass
from pathlib import Path

from ops import params
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


def table(found: list[Row]) -> str:
    """Plain text: a line per template and file, a column per control."""
    ids = [control.id for control in controls.CONTROLS]
    short = {"pass": "pass", "fail": "FAIL", "not applicable": "n/a"}
    head = [
        "template",
        "parameters",
        *[i.replace("CT.", "").replace("CLOUDWATCH", "CW").replace("ELASTICLOADBALANCING", "ELB") for i in ids],
    ]
    lines = [[r.template, r.params, *[short[r.outcomes[i].status] for i in ids]] for r in found]
    widths = [max(len(line[column]) for line in [head, *lines]) for column in range(len(head))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [head, *lines]
    )
