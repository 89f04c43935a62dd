"""python -m ops.doctor.score: how well the signatures name real failure texts.

Three sets of texts, each quoted with the address it was read at (tests/fixtures/doctor/):
corpus.json, real texts the signatures are written from; catalog.json, AWS's own published
wordings (service event messages, stopped-task errors, CloudFormation handler messages), which
every signature must explain; heldout.json, real texts from sources no signature was written
from, scored by family only and never used to write a pattern. The held-out score is the one
that says how well doctor knows a text it has not seen.
Exit status: 0, or 1 when a written-from text is named wrong or the held-out score is below
HELD_OUT_TARGET.
"""

import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from . import signatures

FIXTURES = Path(__file__).resolve().parent.parent.parent / "tests" / "fixtures" / "doctor"
SETS = ("corpus", "catalog", "heldout")
HELD_OUT_TARGET = 0.95
UNKNOWN = "unknown"


def texts(name: str) -> list[dict]:
    return json.loads((FIXTURES / f"{name}.json").read_text())["texts"]


def named_family(entry: dict) -> str:
    found = signatures.best(entry["text"], entry.get("resource_type"))
    return found.family if found else UNKNOWN


def right(entry: dict) -> bool:
    """A held-out text needs its family; a written-from one its signature as well."""
    found = signatures.best(entry["text"], entry.get("resource_type"))
    family_right = (found.family if found else UNKNOWN) == entry["family"]
    if "signature" not in entry:
        return family_right
    return (found.name if found else None) == entry["signature"] and family_right


def by_family(entries: list[dict]) -> dict[str, tuple[int, int]]:
    """family -> (texts, named right)."""
    score: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry in entries:
        score[entry["family"]][0] += 1
        score[entry["family"]][1] += right(entry)
    return {family: (total, good) for family, (total, good) in sorted(score.items())}


def _percent(good: int, total: int) -> str:
    return f"{100 * good / total:.1f} %" if total else "-"


def _total(score: dict[str, tuple[int, int]]) -> tuple[int, int]:
    return sum(total for total, _ in score.values()), sum(good for _, good in score.values())


def _summary(written: dict[str, tuple[int, int]], held: dict[str, tuple[int, int]]) -> str:
    (w_total, w_good), (h_total, h_good) = _total(written), _total(held)
    return (
        f"Held out: **{h_good} of {h_total} named right ({_percent(h_good, h_total)})**; written from: "
        f"{w_good} of {w_total} ({_percent(w_good, w_total)}).\n"
    )


def markdown_table() -> str:
    """The score by family: texts written from (corpus and catalog) and held out, then the summary."""
    written = by_family(texts("corpus") + texts("catalog"))
    held = by_family(texts("heldout"))
    lines = [
        "| Family | Written from | Named right | Held out | Named right |",
        "|---|---|---|---|---|",
    ]
    for family in sorted(set(written) | set(held)):
        w_total, w_good = written.get(family, (0, 0))
        h_total, h_good = held.get(family, (0, 0))
        lines.append(f"| `{family}` | {w_total} | {w_good} | {h_total} | {h_good} |")
    (w_total, w_good), (h_total, h_good) = _total(written), _total(held)
    lines.append(f"| **all** | {w_total} | {w_good} | {h_total} | {h_good} |")
    return "\n".join(lines) + "\n\n" + _summary(written, held)


def summary() -> str:
    """The score in one line, held out first (docs/preflight-doctor.md; the table is docs/reference/doctor.md's)."""
    return _summary(by_family(texts("corpus") + texts("catalog")), by_family(texts("heldout")))


def report() -> tuple[str, bool]:
    lines, ok = [], True
    for name in SETS:
        entries = texts(name)
        missed = [entry for entry in entries if not right(entry)]
        good = len(entries) - len(missed)
        lines.append(f"{name}: {good} of {len(entries)} named right ({_percent(good, len(entries))})")
        lines += [f"  missed ({e['family']}, named {named_family(e)}): {e['source']}" for e in missed]
        # Held-out texts need the target share; texts the signatures are written from, every one.
        floor = HELD_OUT_TARGET * len(entries) if name == "heldout" else len(entries)
        ok = ok and good >= floor
    return "\n".join(lines) + "\n", ok


def main(argv: list[str] | None = None, out: Callable[[str], object] = sys.stdout.write) -> int:
    if argv:
        print(f"doctor_score: takes no arguments, got {' '.join(argv)!r}: python -m ops.doctor.score", file=sys.stderr)
        return 2
    text, ok = report()
    out(text)
    return 0 if ok else 1


DOC_BLOCKS = {"doctor.score": markdown_table, "doctor.score-summary": summary}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
