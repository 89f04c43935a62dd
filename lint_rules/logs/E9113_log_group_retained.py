"""E9113: log groups must survive stack deletion and replacement."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class LogGroupRetained(CloudFormationLintRule):
    id = "E9113"
    shortdesc = "Log groups must survive stack deletion and replacement"
    description = (
        "Without DeletionPolicy Retain (or RetainExceptOnCreate) and UpdateReplacePolicy Retain, deleting the stack "
        "deletes the logs"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["logs", "data"]

    # RetainExceptOnCreate keeps the group on delete like Retain; UpdateReplacePolicy has no such value.
    KEEPING = {"DeletionPolicy": ("Retain", "RetainExceptOnCreate"), "UpdateReplacePolicy": ("Retain",)}

    def match(self, cfn):
        matches = []
        for title, body in shared.resources_of(cfn, "AWS::Logs::LogGroup").items():
            missing = [key for key, kept in self.KEEPING.items() if body.get(key) not in kept]
            if missing:
                matches.append(
                    RuleMatch(
                        ["Resources", title],
                        f"Log group {title} lacks {' and '.join(missing)} that keeps it, so deleting the stack (or a "
                        "change that replaces the group) deletes its logs. Set DeletionPolicy: RetainExceptOnCreate "
                        "and UpdateReplacePolicy: Retain",
                    )
                )
        return matches
