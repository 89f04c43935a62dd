"""What the tasks read at start: images in ECR, SSM parameters, the bucket."""

import botocore.exceptions

from ..shared.aws import call, error_code
from ..shared.context import Context
from ..shared.report import Result, failed, passed, skipped, warned
from .network import ECR_IMAGE


def _image_reference(image: str) -> tuple[str, str, dict]:
    registry, _, rest = image.partition("/")
    if "@" in rest:
        repository, digest = rest.split("@", 1)
        return registry.split(".")[0], repository, {"imageDigest": digest}
    repository, _, tag = rest.rpartition(":") if ":" in rest else (rest, "", "latest")
    return registry.split(".")[0], repository, {"imageTag": tag}


def images(ctx: Context) -> list[Result]:
    results = []
    for image in dict.fromkeys(i for s in ctx.services for i in s.images):
        check = f"image:{image.rsplit('/', 1)[-1]}"
        match = ECR_IMAGE.match(image)
        if not match:
            results.append(skipped(check, f"{image.split('/')[0]} is not ECR: the registry is checked at pull time"))
            continue
        registry, repository, reference = _image_reference(image)
        ecr = ctx.client("ecr", match["region"])
        try:
            call(ecr, "describe_images", registryId=registry, repositoryName=repository, imageIds=[reference])
        except botocore.exceptions.ClientError as error:
            results.append(
                failed(
                    check,
                    f"{image}: {error_code(error)}",
                    f"push the image, or change the tag to one that exists (aws ecr describe-images --repository-name "
                    f"{repository} --region {match['region']} lists them)",
                )
            )
            continue
        results.append(passed(check, f"{image} exists"))
    return results


def ssm_parameters(ctx: Context) -> list[Result]:
    names = list(dict.fromkeys(n for s in ctx.services for n in s.ssm_parameters))
    if not names:
        return []
    ssm = ctx.client("ssm")
    missing = []
    for start in range(0, len(names), 10):  # GetParameters takes at most 10 names
        missing += call(ssm, "get_parameters", Names=names[start : start + 10])["InvalidParameters"]
    if missing:
        return [
            failed(
                "ssm-parameters",
                f"missing: {', '.join(missing)} (the tasks read them at start)",
                f"aws ssm put-parameter --type SecureString --name {missing[0]} --value '...' "
                "(docs/platform.md#inputs-it-expects-from-the-other-stacks)",
            )
        ]
    return [passed("ssm-parameters", f"{len(names)} present: {', '.join(names)}")]


def bucket(ctx: Context) -> list[Result]:
    if "KnowledgeBaseBucketName" not in ctx.parameters:
        return []
    name = ctx.value("KnowledgeBaseBucketName")
    try:
        call(ctx.client("s3"), "head_bucket", Bucket=name)
    except botocore.exceptions.ClientError as error:
        if error_code(error) in {"404", "NoSuchBucket", "NotFound"}:
            return [
                failed(
                    "bucket",
                    f"{name} does not exist",
                    f"create it (aws s3api create-bucket --bucket {name} --region {ctx.region}, with "
                    f"--create-bucket-configuration LocationConstraint={ctx.region} outside us-east-1), or set "
                    "KnowledgeBaseBucketName to a bucket that exists",
                )
            ]
        raise
    region = bucket_region(call(ctx.client("s3"), "get_bucket_location", Bucket=name).get("LocationConstraint"))
    if region != ctx.region:
        # The tasks reach S3 through the VPC's S3 gateway endpoint and the S3 prefix list, and
        # both serve only buckets of their own region.
        # https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
        return [
            failed(
                "bucket",
                f"{name} is in {region}, not {ctx.region}: the tasks' S3 gateway endpoint reaches only "
                f"buckets of {ctx.region}",
                f"set KnowledgeBaseBucketName to a bucket of {ctx.region} (aws s3api create-bucket --bucket "
                f"<new-name> --region {ctx.region} makes one)",
            )
        ]
    return [passed("bucket", f"{name} exists in {region}"), *bucket_key(ctx, name)]


# The AWS managed key of S3: usable by every principal of the account through S3, no grant needed.
AWS_MANAGED_S3_KEY = "alias/aws/s3"
KEY_PARAMETER = "KnowledgeBaseKmsKeyArn"


def _default_key(ctx: Context, name: str) -> str | None:
    """The bucket's default KMS key, or None for SSE-S3 or the aws/s3 key.
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html"""
    try:
        answer = call(ctx.client("s3"), "get_bucket_encryption", Bucket=name)
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ServerSideEncryptionConfigurationNotFoundError":
            return None  # no default: S3 encrypts new objects with SSE-S3
        raise
    for rule in answer["ServerSideEncryptionConfiguration"]["Rules"]:
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        key = default.get("KMSMasterKeyID")
        if default.get("SSEAlgorithm", "").startswith("aws:kms") and key and not key.endswith(AWS_MANAGED_S3_KEY):
            return key
    return None


def bucket_key(ctx: Context, name: str) -> list[Result]:
    """A customer-managed default key needs KnowledgeBaseKmsKeyArn, or AgentCore gets AccessDenied."""
    if KEY_PARAMETER not in ctx.parameters:
        return []
    key = _default_key(ctx, name)
    given = ctx.value(KEY_PARAMETER)
    if key is None:
        return [passed("bucket.encryption", f"{name} is encrypted with S3's own key (SSE-S3 or aws/s3)")]
    arn_of = (
        f"aws kms describe-key --key-id {key} --region {ctx.region} --query KeyMetadata.Arn --output text "
        "prints its ARN"
    )
    if not given:
        return [
            failed(
                "bucket.encryption",
                f"{name} is encrypted with the customer-managed key {key}: AgentCore's task role may not use it, so "
                "its reads and writes fail with AccessDenied",
                f"set {KEY_PARAMETER} to the key's ARN ({arn_of}); its key policy must let IAM policies of this "
                "account use it",
            )
        ]
    if given == key or given.endswith(f":key/{key}"):
        return [passed("bucket.encryption", f"{name} is encrypted with {key}, given as {KEY_PARAMETER}")]
    if ":alias/" in key or key.startswith("alias/"):
        return [
            warned(
                "bucket.encryption",
                f"{name} is encrypted with {key}, an alias: whether it is the key {given} cannot be read without "
                "KMS permissions",
                f"compare: {arn_of}",
            )
        ]
    return [
        failed(
            "bucket.encryption",
            f"{KEY_PARAMETER} is {given}, but {name} is encrypted with {key}",
            f"set {KEY_PARAMETER} to the bucket's key ({arn_of})",
        )
    ]


def bucket_region(location_constraint: str | None) -> str:
    """GetBucketLocation's answer as a region name: null is us-east-1 and EU the old name of
    eu-west-1. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html"""
    if not location_constraint:
        return "us-east-1"
    return "eu-west-1" if location_constraint == "EU" else location_constraint
