"""E9110: no hard-coded partition, region, account id or China URL suffix inside resources."""

import re
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)

_REGION = shared.FACTS["region_part"]
_PINNED = [
    (re.compile(rf"arn:{shared.FACTS['partition_part']}:"), "partition", "${AWS::Partition}"),
    # A region pins the stack where it sits in an ARN or a host name; a tag such as ":rc-build-2.0" does not.
    (re.compile(rf"[:.]{_REGION}(?=[:/]|\.amazonaws\.)"), "region", "${AWS::Region}"),
    (re.compile(rf"(?<![\w.-]){shared.FACTS['account_part']}(?![\w.-])"), "account id", "${AWS::AccountId}"),
    (re.compile(r"amazonaws\.com\.cn"), "URL suffix", "${AWS::URLSuffix}"),
]
# Service principals are the same in every commercial and GovCloud partition.
_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com$")


class HardCodedEnvironment(CloudFormationLintRule):
    id = "E9110"
    shortdesc = "No hard-coded partition, region or account id in resources"
    description = "A template with a fixed partition, region or account works in one place and fails elsewhere"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html"
    tags = ["portability"]

    def match(self, cfn):
        matches = []

        def walk(node, path):
            if isinstance(node, dict):
                for key, item in node.items():
                    walk(item, [*path, key])
            elif isinstance(node, list):
                for index, item in enumerate(node):
                    walk(item, [*path, index])
            elif isinstance(node, str) and not _PRINCIPAL.match(node):
                for pattern, what, fix in _PINNED:
                    if pattern.search(node):
                        matches.append(
                            RuleMatch(
                                path,
                                f"{node!r} hard-codes the {what}: the stack breaks in another partition, region "
                                f"or account. Use {fix} (Fn::Sub)",
                            )
                        )

        for title, body in cfn.template.get("Resources", {}).items():
            walk(body.get("Properties", {}), ["Resources", title, "Properties"])
        return matches
