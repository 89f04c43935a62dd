"""ECR repositories for the images the stacks run.

Images are encrypted with ECR's AWS managed KMS key (no key to create or pay a monthly
fee for; the setting cannot change once the repository exists).
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_EncryptionConfiguration.html
Tags are immutable: a release tag always names the image that was tested under it, and
a rollback to it gets that image back. Every push is scanned for known vulnerabilities.
Untagged images (left by pushes without a tag) expire; tagged ones stay until someone
deletes them, since a running service may need one to start a task.
https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html

Images are kept when the stack is deleted (``RetainExceptOnCreate``, deleted only when
the create that made the repository rolls back, before anything was pushed).
"""

import json

from troposphere import ecr

DELETION_POLICY = "RetainExceptOnCreate"
UPDATE_REPLACE_POLICY = "Retain"
UNTAGGED_IMAGE_DAYS = 14

LIFECYCLE_POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": f"Expire untagged images {UNTAGGED_IMAGE_DAYS} days after their push",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": UNTAGGED_IMAGE_DAYS,
            },
            "action": {"type": "expire"},
        }
    ]
}


def repository(title: str, name) -> ecr.Repository:
    return ecr.Repository(
        title,
        DeletionPolicy=DELETION_POLICY,
        UpdateReplacePolicy=UPDATE_REPLACE_POLICY,
        RepositoryName=name,
        EncryptionConfiguration=ecr.EncryptionConfiguration(EncryptionType="KMS"),
        ImageTagMutability="IMMUTABLE",
        ImageScanningConfiguration=ecr.ImageScanningConfiguration(ScanOnPush=True),
        LifecyclePolicy=ecr.LifecyclePolicy(LifecyclePolicyText=json.dumps(LIFECYCLE_POLICY, separators=(",", ":"))),
    )
