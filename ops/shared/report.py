"""One result per check, printed as text lines or as one JSON list."""

import json
import sys
from dataclasses import asdict, dataclass

# warn: the check could not prove a problem but could not prove it works either (traffic
# leaves through something only a test from inside the VPC can verify), or the setting works
# with a cost the reader should know. Neither warn nor skip fails the run.
PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"


@dataclass(frozen=True)
class Result:
    check: str
    status: str
    detail: str
    fix: str = ""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 bucket", "2 buckets", "1 policy", "3 policies"."""
    if number == 1:
        return f"1 {noun}"
    return f"{number} {plural or (noun[:-1] + 'ies' if noun.endswith('y') and noun[-2] not in 'aeiou' else noun + 's')}"


def passed(check: str, detail: str) -> Result:
    return Result(check, PASS, detail)


def failed(check: str, detail: str, fix: str) -> Result:
    return Result(check, FAIL, detail, fix)


def warned(check: str, detail: str, fix: str) -> Result:
    return Result(check, WARN, detail, fix)


def skipped(check: str, why: str) -> Result:
    return Result(check, SKIP, why)


def as_text(results: list[Result]) -> str:
    width = max((len(r.check) for r in results), default=0)
    lines = []
    for result in results:
        lines.append(f"{result.status:4}  {result.check:{width}}  {result.detail}")
        if result.fix:
            lines.append(f"{'':4}  {'':{width}}  fix: {result.fix}")
    return "\n".join(lines) + "\n"


def as_json(results: list[Result]) -> str:
    return json.dumps([asdict(r) for r in results], indent=2) + "\n"


def exit_code(results: list[Result]) -> int:
    return 1 if any(r.status == FAIL for r in results) else 0


def progress(message: str) -> None:
    """While checks run: on stderr, so stdout stays one report (or one JSON document)."""
    print(message, file=sys.stderr, flush=True)


def say(text: str = "", aside: bool = False) -> None:
    """A line for the user; ``aside``: to standard error, when standard output is JSON only."""
    print(text, file=sys.stderr if aside else sys.stdout, flush=True)
