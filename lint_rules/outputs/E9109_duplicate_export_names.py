"""E9109: export names must be unique within a template."""

import json

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class DuplicateExportNames(CloudFormationLintRule):
    id = "E9109"
    shortdesc = "Export names must be unique"
    description = "CloudFormation fails the stack when two outputs export the same name"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html"
    tags = ["outputs"]

    def match(self, cfn):
        seen: dict[str, str] = {}
        matches = []
        for title, output in (cfn.template.get("Outputs", {}) or {}).items():
            export = (output.get("Export") or {}).get("Name")
            if export is None:
                continue
            key = json.dumps(export, sort_keys=True)
            if key in seen:
                matches.append(
                    RuleMatch(
                        ["Outputs", title, "Export", "Name"],
                        f"Outputs {seen[key]} and {title} export the same name {key}: CloudFormation fails the "
                        "stack. Give each export its own name",
                    )
                )
            seen.setdefault(key, title)
        return matches
