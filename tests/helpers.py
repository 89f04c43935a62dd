import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import templates
from tests import lint_cache

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def built(name: str, **settings) -> dict:
    """The template as a plain dict, built in memory with build options. Cached and shared by
    every test of a worker: a test that changes it must change a copy (copy.deepcopy)."""
    return templates.build(name, {k: str(v) for k, v in settings.items()}).to_dict()


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {title: body for title, body in template["Resources"].items() if body["Type"] == kind}


def only(template: dict, kind: str) -> dict:
    found = resources(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.values()))


def policy_statements(role: dict) -> list[dict]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def run_build(*arguments, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *arguments], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def as_json(value) -> str:
    return json.dumps(value, sort_keys=True)


@functools.cache
def _custom_rules():
    from cfnlint.rules import Rules

    return Rules.create_from_directory(str(ROOT / "lint_rules"))


def custom_findings(document: dict) -> list:
    """The project's own cfn-lint rules (only those) run on a template dict."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner.template.runner import run_template_by_data

    # cfnlint.api.lint() ignores a rules collection of this (Rules) type and runs
    # the built-in rules instead, so the runner is called directly.
    template, errors = decode_str(json.dumps(document))
    assert not errors, errors
    return list(run_template_by_data(template, ConfigMixIn(regions=["us-east-1"]), _custom_rules()))


@functools.cache
def _full_rules():
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.cli import Runner

    # Built once: cfn-lint's own rules plus the project's, as `make lint` runs them.
    return Runner(
        ConfigMixIn(regions=["us-east-1"], include_checks=["I"], append_rules=[str(ROOT / "lint_rules")])
    ).rules


def full_findings(document: dict, regions: list[str]) -> list[str]:
    """cfn-lint with informational checks and the project's rules, in-process (clean results cached)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner.template.runner import run_template_by_data

    def lint() -> list[str]:
        template, errors = decode_str(json.dumps(document))
        assert not errors, errors
        config = ConfigMixIn(regions=regions, include_checks=["I"])
        return [f"{m.rule.id} {m.message}" for m in run_template_by_data(template, config, _full_rules())]

    return lint_cache.cached(document, regions, ["I"], lint)


def offline_aws_environment(endpoint: str) -> dict:
    """Environment for the AWS CLI that reaches only the local endpoint, with dummy keys."""
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def corpus_text(source: str) -> str:
    """A real failure text of tests/fixtures/doctor/corpus.json, by (a part of) the address it was seen at."""
    texts = json.loads((ROOT / "tests" / "fixtures" / "doctor" / "corpus.json").read_text())["texts"]
    return next(entry["text"] for entry in texts if source in entry["source"])
