"""E9111: IAM roles, policies, instance profiles, users and groups must not have fixed names."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)

_IAM_NAMES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
}


class FixedIamName(CloudFormationLintRule):
    id = "E9111"
    shortdesc = "IAM roles and policies must not have fixed names"
    description = "IAM is global: a fixed name makes a second stack of the template (another region, a StackSet) fail"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-template.html"
    tags = ["iam", "stacksets"]

    def match(self, cfn):
        return [
            RuleMatch(
                ["Resources", title, "Properties", key],
                f"{title} has a fixed {key}: IAM names are global, so the same template in a second region or "
                f"account-wide StackSet fails with 'already exists'. Remove {key} and let CloudFormation name it",
            )
            for kind, key in _IAM_NAMES.items()
            for title, body in shared.resources_of(cfn, kind).items()
            if key in shared.properties(body)
        ]
