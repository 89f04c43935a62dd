"""What the pages must keep while they get shorter: every source they cite and every
generated block. `tests/fixtures/docs/kept.json` lists them as they stood when the pages
were last cut; a page may move a citation to the one home of its fact, never drop it.

A new citation or block is added to the list with
``.venv/bin/python -m tests.test_docs_kept``.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "tests" / "fixtures" / "docs" / "kept.json"
URL = re.compile(r"https?://[^\s)<>\]|`\"']+")
BLOCK = re.compile(r"<!-- generated:([^ ]+) -->")
# The guides, whose words are counted; the reference pages beside them (generated from the
# templates, and doctor's table) keep sources and blocks too.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EVERY_PAGE = [*PAGES, *sorted((ROOT / "docs" / "reference").glob("*.md"))]
# How many words README.md and docs/*.md may hold at most (`cat README.md docs/*.md | wc -w`):
# lowered as pages are cut, so that they never grow back unnoticed.
WORD_BUDGET = 36_000


def text(pages=PAGES) -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def found() -> dict:
    written = text(EVERY_PAGE)
    urls = {url.rstrip(".,;:") for url in URL.findall(written)}
    return {"urls": sorted(urls), "blocks": sorted(set(BLOCK.findall(written)))}


def test_every_cited_source_is_still_cited():
    kept = json.loads(KEPT.read_text())
    urls = set(found()["urls"])
    lost = [url for url in kept["urls"] if url not in urls]
    assert not lost, f"{len(lost)} cited sources are no longer in README.md, docs/ or docs/reference/: {lost[:10]}"


def test_every_generated_block_is_still_in_a_page():
    kept = json.loads(KEPT.read_text())
    blocks = set(found()["blocks"])
    lost = [block for block in kept["blocks"] if block not in blocks]
    assert not lost, f"generated blocks no page holds any more: {lost}"


def test_the_pages_stay_within_their_word_budget():
    words = len(text().split())
    assert words <= WORD_BUDGET, f"README.md and docs/*.md hold {words} words, over the budget of {WORD_BUDGET}"


def test_the_list_is_not_empty():
    kept = json.loads(KEPT.read_text())
    assert len(kept["urls"]) > 200 and len(kept["blocks"]) > 10


if __name__ == "__main__":
    KEPT.parent.mkdir(parents=True, exist_ok=True)
    now = found()
    KEPT.write_text(json.dumps(now, indent=1) + "\n")
    print(f"{KEPT.relative_to(ROOT)}: {len(now['urls'])} sources, {len(now['blocks'])} blocks", file=sys.stderr)
