"""Figures that a command of ours computes appear in the docs only as generated text.

`make timeline` computes durations (typical / worst) and the fewest tasks answering;
`make cost` computes monthly totals and the Spot/on-demand shares. A sentence that types
one by hand drifts the day the template or a price changes, so the build writes each one
(``<!-- generated:timeline.figure/... -->``, ``cost.total``, ``cost.shares``) and this test
refuses the kinds of figure those commands print anywhere else in README.md and docs/.
Prices quoted from AWS's pricing pages (per hour, per GB) are AWS's facts, not ours.
"""

import re
from pathlib import Path

import pytest

from templates import docblocks
from templates.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
GENERATED = re.compile(r"<!-- generated:(?P<full>[^ ]+) -->.*?<!-- /generated:(?P=full) -->", re.DOTALL)
FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)

# The kinds of figure each command prints (its text output), as prose would type them.
COMPUTED = {
    "make timeline: typical / worst seconds": re.compile(r"\b\d+(?:\.\d+)? ?s? / \d+(?:\.\d+)? s\b"),
    "make timeline: seconds called typical": re.compile(r"\b\d+(?:\.\d+)? s typical"),
    "make timeline: seconds at worst": re.compile(r"\b\d+(?:\.\d+)? s at worst"),
    "make cost: an amount of dollars": re.compile(r"\$(?>\d[\d,]*(?:\.\d+)?)(?! (?:an hour|per |a GB|each hour))"),
    "make cost: tasks on demand or on Spot": re.compile(
        r"\b\d+\.\d+ tasks? on[- ]demand|\b\d+\.\d+ (?:tasks? )?on Spot"
    ),
}


def prose(text: str) -> str:
    """What a person typed: the page without generated text and without code blocks."""
    return FENCED.sub("", GENERATED.sub("", text))


def typed_figures(text: str) -> list[tuple[str, str]]:
    return [(kind, m.group(0)) for kind, pattern in COMPUTED.items() for m in pattern.finditer(prose(text))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_types_a_figure_a_command_computes(page):
    found = typed_figures(page.read_text(encoding="utf-8"))
    assert not found, f"{page.relative_to(ROOT)} types figures that a command computes: {found}"


# Sentences the pages held before their figures were generated: each drifted from the command.
@pytest.mark.parametrize(
    "sentence",
    [
        "With AWS's defaults a release takes about 6 minutes (345 s typical, 435 s at worst),",
        "defaults a BFF blue/green release moves all traffic after 45 / 105 s and completes",
        "The defaults cost about $24 a month before traffic",
        "| `params/prerequisites.dev.json` | about $23.73: the ALB and its two addresses |",
        "with two tasks and weights 70/30, 1.4 tasks on-demand and 0.6 on Spot.",
        "| first create: 45 s / 105 s |",
    ],
)
def test_a_typed_figure_is_found(sentence):
    assert typed_figures(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "| ALB | $0.0225 an hour, plus $0.008 per LCU-hour of traffic |",
        "costs <!-- generated:cost.total/go-api:dev -->$23.57<!-- /generated:cost.total/go-api:dev --> a month",
        "```sh\nmake cost TEMPLATE=go-api  # 23.57 / 63.07 s\n```",
    ],
)
def test_quoted_prices_and_generated_figures_pass(sentence):
    assert not typed_figures(sentence)


def test_an_inline_figure_is_written_by_its_generator_with_its_argument():
    made = []

    def figure(files, argument):
        made.append(argument)
        return "525 s / 615 s\n"

    marker = "generated:t.figure/go-api:defaults:Service:release"
    text = f"takes <!-- {marker} -->old<!-- /{marker} --> now"
    filled = docblocks.fill(text, {"t.figure": figure}, "page.md", files=None)
    assert filled == text.replace(">old<", ">525 s / 615 s<")
    assert made == ["go-api:defaults:Service:release"]


def test_a_block_keeps_its_own_lines():
    text = "<!-- generated:b -->\nold\n<!-- /generated:b -->\n"
    assert docblocks.fill(text, {"b": lambda files: "| a |\n"}, "page.md", None) == (
        "<!-- generated:b -->\n| a |\n<!-- /generated:b -->\n"
    )


def test_an_inline_figure_of_several_lines_is_refused():
    text = "<!-- generated:b/x -->1<!-- /generated:b/x -->"
    with pytest.raises(ConfigError, match="is a block"):
        docblocks.fill(text, {"b": lambda files, argument: "1\n2\n"}, "page.md", None)


def test_a_figure_of_something_unknown_names_the_page_and_the_figure():
    text = "<!-- generated:b/nothing -->1<!-- /generated:b/nothing -->"

    def figure(files, argument):
        raise KeyError(argument)

    with pytest.raises(ConfigError, match=r"page\.md: figure 'b/nothing'"):
        docblocks.fill(text, {"b": figure}, "page.md", None)
