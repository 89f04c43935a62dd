"""E9112: the template must fit 'aws cloudformation deploy' without an S3 bucket."""

import json
import os
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)

LIMIT = shared.FACTS["template_body_direct_bytes"]
# A template that says in its Metadata that it is deployed from S3 (its guide says how).
FROM_S3 = shared.FACTS["deployed_from_s3_metadata"]


class TemplateSizeForDirectDeploy(CloudFormationLintRule):
    id = "E9112"
    shortdesc = "Template must fit aws cloudformation deploy without S3"
    description = f"A template body over {LIMIT} bytes must be uploaded to S3 first"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
    tags = ["limits"]

    def match(self, cfn):
        if FROM_S3 in (cfn.template.get("Metadata") or {}):
            return []
        if cfn.filename and os.path.isfile(cfn.filename):
            size = os.path.getsize(cfn.filename)
        else:
            size = len(json.dumps(cfn.template, separators=(",", ":"), default=str).encode())
        if size <= LIMIT:
            return []
        return [
            RuleMatch(
                [],
                f"The template is {size} bytes, over the {LIMIT}-byte limit for a template body: "
                "'aws cloudformation deploy' fails without --s3-bucket. Deploy with --s3-bucket "
                "(or 'make package'), or split the template",
            )
        ]
