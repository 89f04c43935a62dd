"""E9116: an egress rule on a security group this template does not create must have a Condition.

A rule this stack adds to another stack's group (an ALB's, say) is outside that
stack's control: the owner's next update of the group's egress rules can remove
it, or the two stacks keep undoing each other's changes; and deleting this stack
removes a rule the owner's traffic may have come to rely on. Such a rule must be
something the user opts in to: a Condition on the resource, off by default.
Ingress rules only add what a group accepts and are not checked here.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupegress.html
"""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class ForeignGroupEgress(CloudFormationLintRule):
    id = "E9116"
    shortdesc = "Egress on a security group this template does not create needs a Condition (an opt-in)"
    description = (
        "An egress rule added to another stack's security group is outside that stack's control and goes when "
        "this stack is deleted; make it an opt-in"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupegress.html"
    tags = ["lifecycle", "ec2", "security-groups"]

    def match(self, cfn):
        resources = cfn.template.get("Resources") or {}
        created = {title for title, body in resources.items() if body.get("Type") == "AWS::EC2::SecurityGroup"}
        matches = []
        for title, body in resources.items():
            if body.get("Type") != "AWS::EC2::SecurityGroupEgress" or "Condition" in body:
                continue
            group = (body.get("Properties") or {}).get("GroupId")
            if shared.referenced(group) in created:
                continue
            matches.append(
                RuleMatch(
                    ["Resources", title],
                    f"{title} adds egress to a security group this template does not create: the group's owner "
                    "does not control the rule, and deleting this stack removes it. Put a Condition on it that the "
                    "user opts in to (off by default), or ask the group's owner to allow the traffic",
                )
            )
        return matches
