"""CloudFormation's template limits, checked on what the build made.

A template over one of them is refused at build time, naming the count and the
limit, rather than by CloudFormation at deploy time.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from . import facts
from .errors import ConfigError

_COUNTED = {
    "Resources": facts.MAX_RESOURCES,
    "Parameters": facts.MAX_PARAMETERS,
    "Outputs": facts.MAX_OUTPUTS,
    "Mappings": facts.MAX_MAPPINGS,
}


def check(name: str, document: dict, yaml_text: str) -> None:
    for section, limit in _COUNTED.items():
        count = len(document.get(section, {}))
        if count > limit:
            raise ConfigError(
                f"{name} would have {count} {section.lower()}, over CloudFormation's limit of {limit}: "
                "choose smaller build options"
            )
    size = len(yaml_text.encode("utf-8"))
    if facts.DEPLOYED_FROM_S3_METADATA in document.get("Metadata", {}):
        if size > facts.TEMPLATE_BODY_S3_BYTES:
            raise ConfigError(
                f"{name}.yaml would be {size:,} bytes, over the {facts.TEMPLATE_BODY_S3_BYTES:,} bytes "
                "CloudFormation reads from S3: choose smaller build options"
            )
        return
    if size > facts.TEMPLATE_BODY_DIRECT_BYTES:
        # Every other template of this project is kept deployable with a plain
        # `aws cloudformation deploy`; a larger one would need --s3-bucket.
        raise ConfigError(
            f"{name}.yaml would be {size:,} bytes, over the {facts.TEMPLATE_BODY_DIRECT_BYTES:,} bytes "
            "`aws cloudformation deploy` accepts without --s3-bucket: choose smaller build options "
            "(e.g. fewer regions)"
        )
