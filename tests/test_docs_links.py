"""Every link between the pages lands on a page and a heading that exist.

Each fact has one home and the other pages link to it, so a renamed heading must not
leave a link pointing nowhere. Anchors follow GitHub's rule for headings: lower case,
punctuation other than hyphens dropped, spaces as hyphens, a repeat numbered -1, -2, ...
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6} (?P<title>.+?)\s*$", re.MULTILINE)


def slug(title: str) -> str:
    title = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for match in HEADING.finditer(FENCED.sub("", page.read_text(encoding="utf-8"))):
        base = slug(match.group("title"))
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return found


def links(page: Path):
    for match in LINK.finditer(CODE_SPAN.sub("", FENCED.sub("", page.read_text(encoding="utf-8")))):
        target = match.group("target")
        if re.match(r"[a-z]+:", target):
            continue  # a URL, not a page of ours
        yield target


def test_slugs_follow_githubs_rule():
    assert slug("Known limit of the image: regional ports on loopback") == (
        "known-limit-of-the-image-regional-ports-on-loopback"
    )
    assert slug("Your own moto server: `make moto`") == "your-own-moto-server-make-moto"
    assert slug("Blue-green for go-api") == "blue-green-for-go-api"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_lands_on_a_page_and_heading_that_exist(page):
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        landing = (page.parent / path).resolve() if path else page
        if not landing.exists():
            broken.append(f"{target}: no such file")
        elif anchor and landing.suffix == ".md" and anchor not in anchors(landing):
            broken.append(f"{target}: no such heading in {landing.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)
