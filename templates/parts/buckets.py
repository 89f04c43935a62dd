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
# ``kms_key`` for SSE-KMS with S3's AWS managed key (aws/s3): no key to create and no monthly
# charge, and its key policy lets every principal of the account use it through S3, so a reader
# with s3:GetObject needs no KMS permission of its own.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
AWS_MANAGED_KEY = "aws/s3"


def _encryption(kms_key: tuple | str | None) -> s3.BucketEncryption:
    """SSE-S3 (no charge); SSE-KMS with the key of ``kms_key`` (parameter, condition) when given;
    or SSE-KMS with the AWS managed key when ``kms_key`` is AWS_MANAGED_KEY."""
    s3_managed = s3.ServerSideEncryptionByDefault(SSEAlgorithm="AES256")
    default = s3_managed
    bucket_key = NoValue
    if kms_key == AWS_MANAGED_KEY:
        # Without KMSMasterKeyID, aws:kms means the AWS managed key; the bucket key spares a KMS
        # request per object.
        default = s3.ServerSideEncryptionByDefault(SSEAlgorithm="aws:kms")
        bucket_key = True
    elif kms_key is not None:
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


def _when(condition: str | bool, value):
    """``value`` when ``condition`` (a condition's name) holds; always when it is True."""
    return value if condition is True else If(condition, value, NoValue)


def _lifecycle(expire_days: int | None) -> s3.LifecycleConfiguration:
    """Noncurrent versions and unfinished uploads expire; with ``expire_days``, current objects too,
    and then the delete markers left once every older version is gone (a rule of their own: S3 takes
    ExpiredObjectDeleteMarker only in a rule without Days).
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html"""
    rules = [
        s3.LifecycleRule(
            Id="expire-old-versions",
            Status="Enabled",
            NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=NONCURRENT_VERSION_DAYS),
            AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                DaysAfterInitiation=INCOMPLETE_UPLOAD_DAYS
            ),
        )
    ]
    if expire_days is not None:
        rules += [
            s3.LifecycleRule(Id="expire-objects", Status="Enabled", ExpirationInDays=expire_days),
            s3.LifecycleRule(Id="remove-expired-delete-markers", Status="Enabled", ExpiredObjectDeleteMarker=True),
        ]
    return s3.LifecycleConfiguration(Rules=rules)


def private_bucket(
    title: str,
    *,
    kms_key: tuple | str | None = None,
    access_logs: tuple | None = None,
    object_lock: str | bool | None = None,
    events: str | bool | None = None,
    expire_days: int | None = None,
) -> s3.Bucket:
    """A private, encrypted, versioned bucket. The optional settings, each only when its condition holds
    (``object_lock`` and ``events``: always when True):

    ``kms_key`` (key parameter, condition): SSE-KMS with that key instead of SSE-S3; AWS_MANAGED_KEY:
    SSE-KMS with S3's AWS managed key, always.
    ``access_logs`` (bucket parameter, condition, prefix): server access logs into that bucket,
    under ``prefix``. https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
    ``object_lock`` (condition): S3 Object Lock on, without a default retention, so nothing is
    locked until a writer asks for a retention period or a legal hold; S3 cannot turn it off again.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
    ``events`` (condition): every object event to the account's default EventBridge bus.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
    ``expire_days``: every object expires that many days after it was written (see _lifecycle).
    """
    optional = {}
    if access_logs is not None:
        bucket, condition, prefix = access_logs
        optional["LoggingConfiguration"] = If(
            condition, s3.LoggingConfiguration(DestinationBucketName=Ref(bucket), LogFilePrefix=prefix), NoValue
        )
    if object_lock is not None:
        optional["ObjectLockEnabled"] = _when(object_lock, True)
    if events is not None:
        optional["NotificationConfiguration"] = _when(
            events,
            s3.NotificationConfiguration(EventBridgeConfiguration=s3.EventBridgeConfiguration(EventBridgeEnabled=True)),
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
        LifecycleConfiguration=_lifecycle(expire_days),
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
