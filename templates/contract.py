"""What every template provides: the registry's description of one template.

Plain data (no troposphere), so the registry can list templates and their build
options without building anything.
"""

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import facts
from .errors import ConfigError


@dataclass(frozen=True)
class BuildOption:
    """One ``build.py --set KEY=VALUE``: a structural choice, not a parameter default."""

    name: str
    type: str
    default: object
    help: str


@dataclass(frozen=True)
class TemplateContract:
    """A template: what it deploys and where, its build options, and how it is made.

    ``options`` is a frozen dataclass of build options (every field with a default
    and a ``help`` in its metadata); ``build(options)`` returns a troposphere
    Template; ``artifacts(document)`` returns files written beside the template
    ({suffix: text}); ``doc_blocks`` are the generated blocks of the docs
    (:mod:`templates.docblocks`), each a function of the build's files.
    """

    name: str
    summary: str
    regions: tuple[str, ...]
    options: type
    build: Callable
    artifacts: Callable[[dict], dict[str, str]] | None = None
    doc_blocks: dict[str, Callable] = field(default_factory=dict)

    def build_options(self) -> tuple[BuildOption, ...]:
        return tuple(
            BuildOption(option.name, _type_name(option.type), option.default, option.metadata.get("help", ""))
            for option in dataclasses.fields(self.options)
        )

    def options_from(self, settings: dict[str, str]):
        """The build options with ``settings`` (text from the command line) applied."""
        known = {option.name: option for option in self.build_options()}
        values = {}
        for key, text in settings.items():
            if key not in known:
                raise ConfigError(
                    f"unknown option {key!r} for {self.name}: valid options are {', '.join(known) or 'none'}"
                )
            if known[key].type == "int":
                # ASCII digits only: int() and str.isdigit() also take "²" and other scripts' digits.
                if not re.fullmatch(facts.PORT_NUMBER, text):
                    raise ConfigError(
                        f"option {key}={text!r} for {self.name} is not a whole number: give digits 0-9, e.g. {key}=9090"
                    )
                values[key] = int(text)
            else:
                values[key] = text
        return self.options(**values)


def _type_name(kind) -> str:
    text = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    return text.replace(" | None", "").replace("|None", "")
