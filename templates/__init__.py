"""The registry: every template this project builds, and how to render it.

A template module provides ``SUMMARY``, ``REGIONS`` (where it is meant to be
deployed; lint covers them all), an ``Options`` dataclass (build options,
all with defaults), ``build(options) -> Template`` and, optionally,
``artifacts(document) -> {suffix: text}`` for files that go beside it, and
``DOC_BLOCKS`` for the generated parts of the docs (see :mod:`templates.docblocks`).
"""

import dataclasses
from types import ModuleType

from troposphere import Template

from . import finfocus_plugin, go_api, platform, serialize
from .errors import ConfigError

TEMPLATES: dict[str, ModuleType] = {
    "finfocus-plugin": finfocus_plugin,
    "go-api": go_api,
    "platform": platform,
}


def options_for(name: str, settings: dict[str, str]):
    """The template's ``Options``, with ``settings`` (text from the command line) applied."""
    module = TEMPLATES[name]
    fields = {field.name: field for field in dataclasses.fields(module.Options)}
    values = {}
    for key, text in settings.items():
        if key not in fields:
            valid = ", ".join(fields) or "none"
            raise ConfigError(f"unknown option {key!r} for {name}: valid options are {valid}")
        kind = fields[key].type
        if kind in (int, "int"):
            if not text.lstrip("-").isdigit():
                raise ConfigError(
                    f"option {key}={text!r} for {name} is not a whole number: give digits, e.g. {key}=9090"
                )
            values[key] = int(text)
        else:
            values[key] = text
    return module.Options(**values)


def build(name: str, settings: dict[str, str] | None = None) -> Template:
    return TEMPLATES[name].build(options_for(name, settings or {}))


def render(name: str, settings: dict[str, str] | None = None) -> dict[str, str]:
    """Every file a template produces, keyed by file name (``<name>.yaml`` ...)."""
    document = build(name, settings).to_dict()  # once: it validates every resource
    files = {f"{name}.yaml": serialize.to_yaml(document), f"{name}.json": serialize.to_json(document)}
    extra = getattr(TEMPLATES[name], "artifacts", None)
    if extra:
        files.update({f"{name}.{suffix}": text for suffix, text in extra(document).items()})
    return files


def doc_blocks() -> dict:
    """Every generated docs block any template provides, by block name."""
    from ops import signatures  # the troubleshooting table of `make doctor`

    blocks = dict(signatures.DOC_BLOCKS)
    for module in TEMPLATES.values():
        blocks.update(getattr(module, "DOC_BLOCKS", {}))
    return blocks


def reference_page(name: str) -> str:
    """docs/reference/<name>.md for the template as the defaults build it."""
    from . import reference  # only the docs need it

    return reference.page(name, TEMPLATES[name].SUMMARY, build(name))
