"""Every KMS key ARN parameter takes the key ARNs of the KMS API reference's examples,
a multi-Region key's included (tests/fixtures/kms/key_arns.json quotes them)."""

import json
from pathlib import Path

import pytest

from ops.shared.params import value_problems
from tests.helpers import built

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "kms" / "key_arns.json").read_text())
TEMPLATES = ["finfocus-plugin", "finfocus-plugin-10-region", "go-api", "platform", "prerequisites"]
# Each template's KMS key parameters, typed here: a new one must be added (and so tested) here.
KEY_PARAMETERS = {
    "finfocus-plugin": {"LogKmsKeyArn", "AlarmTopicKmsKeyArn"},
    "finfocus-plugin-10-region": {"LogKmsKeyArn", "AlarmTopicKmsKeyArn"},
    "go-api": {"LogKmsKeyArn", "AlarmTopicKmsKeyArn"},
    "platform": {"LogKmsKeyArn", "AlarmTopicKmsKeyArn", "SecretsKmsKeyArn", "KnowledgeBaseKmsKeyArn"},
    "prerequisites": {"KnowledgeBaseKmsKeyArn"},
}


def key_parameters(name: str) -> dict:
    return {k: v for k, v in built(name)["Parameters"].items() if k.endswith("KmsKeyArn")}


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_kms_key_parameter_takes_single_and_multi_region_key_arns(name):
    found = key_parameters(name)
    assert set(found) == KEY_PARAMETERS[name]
    for key, body in found.items():
        for example in ("single_region", "multi_region"):
            assert value_problems(key, body, EXAMPLES[example]["arn"]) == [], (key, example)
        assert value_problems(key, body, "") == [], key  # optional: empty is no key
        # An alias ARN names no key an IAM policy can grant; a key ID is not an ARN.
        assert value_problems(key, body, EXAMPLES["alias"]["arn"]), key
        assert value_problems(key, body, EXAMPLES["multi_region"]["arn"].rsplit("/", 1)[1]), key
        # A multi-Region key ID is "mrk-" and 32 hex digits, no fewer.
        assert value_problems(key, body, EXAMPLES["multi_region"]["arn"][:-1]), key
