"""The docs the build keeps current: the reference pages, .taskcat.yml, the generated
blocks of README.md and docs/*.md, and the cost chart.

Each block is made where its facts live (a ``DOC_BLOCKS`` dict beside them: a template's
contract, templates/controls.py, ops/, tools/); this module gathers them, so that the
registry in templates/ needs nothing from the layers above it.
"""

from collections.abc import Callable
from pathlib import Path

from ops.cost import page  # docs/cost.md: what each template costs
from ops.doctor import score as doctor_score
from ops.doctor import signatures
from ops.timeline import tables as timeline  # `make doctor`'s table and score, `make timeline`'s tables
from templates import TEMPLATES, controls, describe, docblocks, document, reference, render, taskcat
from tools import moto_gaps  # what `make rehearse` cannot rehearse

from . import layers  # README.md's diagram of the layers


def doc_blocks() -> dict[str, Callable]:
    """Every generated docs block, by block name: generator(files) -> text."""
    made_alone = {**signatures.DOC_BLOCKS, **doctor_score.DOC_BLOCKS, **moto_gaps.DOC_BLOCKS, **layers.DOC_BLOCKS}
    blocks = {name: (lambda files, make=make: make()) for name, make in made_alone.items()}
    blocks.update(timeline.DOC_BLOCKS)
    blocks.update(page.DOC_BLOCKS)
    for name in TEMPLATES:
        blocks.update(describe(name).doc_blocks)
    blocks.update(controls.DOC_BLOCKS)  # the Control Tower tables of docs/controls.md
    return blocks


def generated_files(files) -> dict[str, bytes]:
    """Files of docs/ that are not text blocks, made from the build's files: relative path -> bytes."""
    return {"docs/cost.png": page.chart(files)}


def render_docs(root: Path, documents: dict[str, dict], files: dict[str, str]) -> dict[Path, str | bytes]:
    """The generated reference pages, the taskcat configuration, and the docs whose
    generated blocks the build keeps current, as they should read under ``root``."""
    docs_directory = root / "docs"

    def output_file(file_name: str) -> str:
        if file_name not in files:  # a template this run does not build: its default build
            name = next(name for name in TEMPLATES if file_name.startswith(f"{name}."))
            files.update(render(name, document(name)))
        return files[file_name]

    docs: dict[Path, str | bytes] = {
        docs_directory / "reference" / f"{name}.md": reference.page(name, describe(name).summary, built)
        for name, built in documents.items()
    }
    docs[root / ".taskcat.yml"] = taskcat.config([describe(name) for name in TEMPLATES], root / "params")
    blocks = doc_blocks()
    for path in [root / "README.md", *sorted(docs_directory.rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        if "<!-- generated:" in text:
            docs[path] = docblocks.fill(text, blocks, str(path.relative_to(root)), output_file)
    docs.update({root / name: content for name, content in generated_files(output_file).items()})
    return docs
