"""python -m ops.deploy.package TEMPLATE [BUCKET] [--prefix PREFIX]

Uploads output/<TEMPLATE>.yaml to s3://BUCKET/PREFIX/<TEMPLATE>.yaml and prints its URL,
for the console (Create stack, Amazon S3 URL) or StackSets (--template-url). Without BUCKET,
the template bucket of the region's prerequisites stack (ops/shared/template_bucket.py).
Exit status: 0 uploaded, 2 bad input or AWS unreachable.
"""

import argparse
import sys

from ..shared import template, template_bucket
from ..shared.aws import Account, one_line_failure
from . import changeset
from .changeset import DEPLOY_PERMISSIONS


def package(name: str, bucket: str | None, prefix: str, say=print) -> str:
    template.load(name)  # an unknown name is one line, before any AWS call
    account = Account()
    if not bucket:
        found = template_bucket.find(account, f"no S3_BUCKET given to upload {name}.yaml to")
        bucket = found.bucket
        say(f"uploading {name}.yaml to {bucket}, the template bucket of {found.stack} ({found.why})")
    path = template.OUTPUT / f"{name}.yaml"
    key = "/".join(part for part in (prefix.strip("/"), path.name) if part)
    return changeset.upload(account, path, bucket, prefix, key=key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.deploy.package", description=__doc__.splitlines()[0])
    parser.add_argument("template", help=f"one of {', '.join(template.names())}")
    parser.add_argument("bucket", nargs="?", help="the S3 bucket (default: the prerequisites stack's template bucket)")
    parser.add_argument("--prefix", default="templates", help="key prefix (a trailing / is optional)")
    arguments = parser.parse_args(argv)
    url, failure = one_line_failure(
        "package", lambda: package(arguments.template, arguments.bucket, arguments.prefix), DEPLOY_PERMISSIONS
    )
    if failure:
        return failure
    print(f"Template URL: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
