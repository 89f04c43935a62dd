"""The lint cache answers only for the exact input it linted clean."""

import shutil

import pytest

from tests import lint_cache

DOCUMENT = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


@pytest.fixture
def cache_in(tmp_path, monkeypatch):
    monkeypatch.setattr(lint_cache, "DIRECTORY", tmp_path / "cache")
    monkeypatch.delenv("LINT_CACHE", raising=False)
    return tmp_path / "cache"


def counting(findings):
    calls = []

    def lint():
        calls.append(1)
        return list(findings)

    return lint, calls


def test_a_clean_result_is_linted_once(cache_in):
    lint, calls = counting([])
    assert lint_cache.cached(DOCUMENT, ["us-east-1"], ["I"], lint) == []
    assert lint_cache.cached(DOCUMENT, ["us-east-1"], ["I"], lint) == []
    assert len(calls) == 1
    assert len(list(cache_in.glob("*.json"))) == 1


def test_a_finding_is_linted_every_time(cache_in):
    lint, calls = counting(["E3001 broken"])
    for _ in range(2):
        assert lint_cache.cached(DOCUMENT, ["us-east-1"], ["I"], lint) == ["E3001 broken"]
    assert len(calls) == 2


def test_off_switch(cache_in, monkeypatch):
    monkeypatch.setenv("LINT_CACHE", "off")
    lint, calls = counting([])
    for _ in range(2):
        lint_cache.cached(DOCUMENT, ["us-east-1"], ["I"], lint)
    assert len(calls) == 2 and not cache_in.exists()


def test_key_covers_document_regions_and_checks():
    other = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "a"}}}}
    keys = {
        lint_cache.key(DOCUMENT, ["us-east-1"], ["I"]),
        lint_cache.key(other, ["us-east-1"], ["I"]),
        lint_cache.key(DOCUMENT, ["eu-west-1"], ["I"]),
        lint_cache.key(DOCUMENT, ["us-east-1"], []),
    }
    assert len(keys) == 4
    assert lint_cache.key(DOCUMENT, ["us-east-1"], ["I"]) == lint_cache.key(dict(DOCUMENT), ["us-east-1"], ["I"])


def test_key_covers_the_rule_sources(tmp_path, monkeypatch):
    shutil.copytree(lint_cache.ROOT / "lint_rules", tmp_path / "lint_rules")
    monkeypatch.setattr(lint_cache, "ROOT", tmp_path)
    lint_cache._tools_fingerprint.cache_clear()
    try:
        before = lint_cache.key(DOCUMENT, ["us-east-1"], ["I"])
        rule = next((tmp_path / "lint_rules").rglob("E9113_*.py"))
        rule.write_text(rule.read_text() + "\n# any change to a rule's source\n")
        lint_cache._tools_fingerprint.cache_clear()
        assert lint_cache.key(DOCUMENT, ["us-east-1"], ["I"]) != before
    finally:
        lint_cache._tools_fingerprint.cache_clear()
