"""An S3 bucket for data: private, encrypted, versioned, reached over TLS only, kept on delete.

The bucket has no fixed name: CloudFormation names it after the stack and adds a random
suffix. A bucket kept by a deleted stack then never blocks the next create of the same
stack, and two stacks never compete for a name (bucket names are global).

``RetainExceptOnCreate`` keeps it, with its objects, when the stack is deleted or the
bucket replaced, and deletes it only when the create that made it rolls back (it is
empty then). https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
"""

from awacs import s3 as s3_actions
from awacs.aws import Bool, Condition, Deny, PolicyDocument, Principal, Statement
from troposphere import GetAtt, If, Join, NoValue, Ref, s3

DELETION_POLICY = "RetainExceptOnCreate"
UPDATE_REPLACE_POLICY = "Retain"
# Overwritten and deleted objects stay recoverable this long, then stop costing storage.
NONCURRENT_VERSION_DAYS = 30
INCOMPLETE_UPLOAD_DAYS = 7


def _encryption(kms_key: tuple | None) -> s3.BucketEncryption:
    """SSE-S3 (no charge), or SSE-KMS with the key of ``kms_key`` (parameter, condition) when given."""
    s3_managed = s3.ServerSideEncryptionByDefault(SSEAlgorithm="AES256")
    default = s3_managed
    bucket_key = NoValue
    if kms_key is not None:
        key, condition = kms_key
        default = If(
            condition, s3.ServerSideEncryptionByDefault(SSEAlgorithm="aws:kms", KMSMasterKeyID=Ref(key)), s3_managed
        )
        # One data key per bucket instead of one KMS call per object: fewer KMS requests to pay for.
        bucket_key = If(condition, True, NoValue)
    return s3.BucketEncryption(
        ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(ServerSideEncryptionByDefault=default, BucketKeyEnabled=bucket_key)
        ]
    )


def private_bucket(
    title: str,
    *,
    kms_key: tuple | None = None,
    access_logs: tuple | None = None,
    object_lock: str | None = None,
    events: str | None = None,
) -> s3.Bucket:
    """A private, encrypted, versioned bucket. The optional settings, each only when its condition holds:

    ``kms_key`` (key parameter, condition): SSE-KMS with that key instead of SSE-S3.
    ``access_logs`` (bucket parameter, condition, prefix): server access logs into that bucket,
    under ``prefix``. https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
    ``object_lock`` (condition): S3 Object Lock on, without a default retention, so nothing is
    locked until a writer asks for a retention period or a legal hold; S3 cannot turn it off again.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
    ``events`` (condition): every object event to the account's default EventBridge bus.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
    """
    optional = {}
    if access_logs is not None:
        bucket, condition, prefix = access_logs
        optional["LoggingConfiguration"] = If(
            condition, s3.LoggingConfiguration(DestinationBucketName=Ref(bucket), LogFilePrefix=prefix), NoValue
        )
    if object_lock is not None:
        optional["ObjectLockEnabled"] = If(object_lock, True, NoValue)
    if events is not None:
        optional["NotificationConfiguration"] = If(
            events,
            s3.NotificationConfiguration(EventBridgeConfiguration=s3.EventBridgeConfiguration(EventBridgeEnabled=True)),
            NoValue,
        )
    return s3.Bucket(
        title,
        DeletionPolicy=DELETION_POLICY,
        UpdateReplacePolicy=UPDATE_REPLACE_POLICY,
        BucketEncryption=_encryption(kms_key),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True, RestrictPublicBuckets=True
        ),
        # ACLs off: the bucket owner owns every object, whoever wrote it.
        OwnershipControls=s3.OwnershipControls(Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        LifecycleConfiguration=s3.LifecycleConfiguration(
            Rules=[
                s3.LifecycleRule(
                    Id="expire-old-versions",
                    Status="Enabled",
                    NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=NONCURRENT_VERSION_DAYS),
                    AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                        DaysAfterInitiation=INCOMPLETE_UPLOAD_DAYS
                    ),
                )
            ]
        ),
        **optional,
    )


def tls_only_policy(title: str, bucket: s3.Bucket) -> s3.BucketPolicy:
    """Refuse every request that does not come over TLS.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html

    Kept with the bucket: deleting the policy resource would remove the policy from a
    bucket the stack keeps, and the kept data would then answer plain HTTP.
    """
    arn = GetAtt(bucket, "Arn")
    return s3.BucketPolicy(
        title,
        # cfn-lint prefers Fn::Sub to the Fn::Join below (I1022), which is there on purpose.
        Metadata={"cfn-lint": {"config": {"ignore_checks": ["I1022"]}}},
        DeletionPolicy=DELETION_POLICY,
        UpdateReplacePolicy=UPDATE_REPLACE_POLICY,
        Bucket=Ref(bucket),
        PolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[
                Statement(
                    Sid="DenyInsecureTransport",
                    Effect=Deny,
                    Principal=Principal("*"),
                    Action=[s3_actions.Action("*")],
                    # Fn::Join, as in Control Tower's own example for CT.S3.PR.8: its rule, run on a
                    # template, recognises the objects' ARN in that form only.
                    # https://docs.aws.amazon.com/controltower/latest/controlreference/s3-rules.html#ct-s3-pr-8-description
                    Resource=[arn, Join("", [arn, "/*"])],
                    Condition=Condition(Bool("aws:SecureTransport", "false")),
                )
            ],
        ),
    )
