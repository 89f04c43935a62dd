"""E9118: a task definition ARN must not be exported.

Every release registers a new task definition revision, so its ARN changes with
each image. Once another stack imports an export, CloudFormation refuses to change
it ("cannot update export ... as it is in use"): the next release of this stack
fails. Give the ARN as a plain output (no Export) instead.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html
"""

from cfnlint.rules import CloudFormationLintRule, RuleMatch


def _values(node) -> list:
    """The values an output may take: both branches of an ``Fn::If``, else itself."""
    if isinstance(node, dict) and list(node) == ["Fn::If"] and isinstance(node["Fn::If"], list):
        return [value for branch in node["Fn::If"][1:] for value in _values(branch)]
    return [node]


class ExportedTaskDefinition(CloudFormationLintRule):
    id = "E9118"
    shortdesc = "Do not export a task definition ARN"
    description = (
        "A task definition ARN changes with every release; an export in use cannot change, so once imported it "
        "blocks releases"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html"
    tags = ["lifecycle", "outputs", "ecs"]

    def match(self, cfn):
        resources = cfn.template.get("Resources") or {}
        tasks = {title for title, body in resources.items() if body.get("Type") == "AWS::ECS::TaskDefinition"}
        matches = []
        for title, output in (cfn.template.get("Outputs") or {}).items():
            if not isinstance(output, dict) or "Export" not in output:
                continue
            for value in _values(output.get("Value")):
                if isinstance(value, dict) and value.get("Ref") in tasks:
                    matches.append(
                        RuleMatch(
                            ["Outputs", title, "Export"],
                            f"Output {title} exports the ARN of task definition {value['Ref']}, which changes with "
                            "every release: once another stack imports it, CloudFormation cannot change it and the "
                            "next release fails. Remove the Export and keep it as a plain output",
                        )
                    )
                    break
        return matches
