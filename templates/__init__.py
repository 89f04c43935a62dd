"""The registry: every template this project builds, and how to render it.

Each template is a :class:`contract.TemplateContract` defined in a module, named here
as ``module:ATTRIBUTE`` (one module may define several: the plugin's port layouts).
Modules are imported when a template is asked for, so ``import templates.facts``
(the lint rules, preflight checks, a test) does not pay for troposphere. The docs made
from the templates are gathered a layer above, in builder/docs.py.
"""

import importlib

from .errors import ConfigError

# Template name -> the contract that defines it, in the order they are listed and built.
TEMPLATES: dict[str, str] = {
    "finfocus-plugin": "templates.finfocus_plugin:TEMPLATE",
    "finfocus-plugin-10-region": "templates.finfocus_plugin:TEMPLATE_10_REGION",
    "go-api": "templates.go_api:TEMPLATE",
    "platform": "templates.platform:TEMPLATE",
    "prerequisites": "templates.prerequisites:TEMPLATE",
}


def describe(name: str):
    """The :class:`contract.TemplateContract` of template ``name``."""
    if name not in TEMPLATES:
        raise ConfigError(f"unknown template {name!r}: choose from {', '.join(TEMPLATES)}")
    module, _, attribute = TEMPLATES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def build(name: str, settings: dict[str, str] | None = None):
    """The troposphere Template, with build ``settings`` (text) applied."""
    described = describe(name)
    options = described.options_from(settings or {})
    try:
        return described.build(options)
    except ValueError as error:
        # troposphere's own limit checks ("Maximum outputs 200 reached").
        if isinstance(error, ConfigError) or not str(error).startswith("Maximum"):
            raise
        raise ConfigError(f"{name}: {error} (a CloudFormation limit): choose smaller build options") from None


def document(name: str, settings: dict[str, str] | None = None) -> dict:
    """The template as a plain dict; made once per build, it validates every resource."""
    return build(name, settings).to_dict()


def render(name: str, built: dict) -> dict[str, str]:
    """Every file a template produces from its document, keyed by file name (``<name>.yaml`` ...)."""
    from . import limits, serialize

    files = {f"{name}.yaml": serialize.to_yaml(built), f"{name}.json": serialize.to_json(built)}
    limits.check(name, built, files[f"{name}.yaml"])
    extra = describe(name).artifacts
    if extra:
        files.update({f"{name}.{suffix}": text for suffix, text in extra(built).items()})
    return files
