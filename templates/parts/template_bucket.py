"""The bucket that templates over CloudFormation's 51,200-byte TemplateBody limit are deployed from.

CreateStack and CreateChangeSet take a template body of at most 51,200 bytes; a larger one
(up to 1 MB) must be read from S3 through TemplateURL.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
``make deploy`` uploads such a template here under a key named after its content, and
CloudFormation reads it once, when it makes the change set: it keeps the template it deployed
(``aws cloudformation get-template``), so an object is of no use to a stack afterwards and
expires after TEMPLATE_DAYS.

Every setting a Control Tower control asks of a bucket is on, because none costs anything
noticeable for a few objects a month: SSE-KMS with S3's AWS managed key (no key to pay for, no
KMS permission for the deployer, whose s3:GetObject CloudFormation's read uses), S3 Object Lock
without a default retention (nothing is locked, so the lifecycle still deletes), and object
events to EventBridge (a record of each upload). Server access logs need a log bucket of the
user's: the stack's LogBucketName, as for the knowledge-base bucket.

No fixed name, and kept when the stack is deleted (buckets.DELETION_POLICY): a re-created
stack makes a new bucket beside the kept one instead of colliding with it.
"""

from troposphere import Sub, Template

from . import buckets, scanner

TITLE = "TemplateBucket"
# A template object outlives the change set made from it by this much: time to look at what
# was uploaded, after which CloudFormation's copy is the one that counts.
TEMPLATE_DAYS = 90


def add(template: Template, *, log_bucket, logs_condition: str, logs_why: str):
    """The bucket and its TLS-only policy; returns the bucket."""
    bucket = template.add_resource(
        scanner.accept(
            buckets.private_bucket(
                TITLE,
                kms_key=buckets.AWS_MANAGED_KEY,
                access_logs=(log_bucket, logs_condition, Sub("${AWS::StackName}/templates/")),
                object_lock=True,
                events=True,
                expire_days=TEMPLATE_DAYS,
            ),
            {"CKV_AWS_18": logs_why},
        )
    )
    template.add_resource(buckets.tls_only_policy(f"{TITLE}Policy", bucket))
    return bucket
