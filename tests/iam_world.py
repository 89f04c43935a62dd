"""The IAM roles of a template as a stack would get them: every intrinsic evaluated.

The values stand in for one deployment (account, region, the required inputs), so
that policies read as real ARNs for the IAM linter and for the pinned statements.
"""

from templates.evaluate import Evaluator
from tests.helpers import built, resources

ACCOUNT, REGION, PARTITION, STACK = "123456789012", "eu-west-1", "aws", "stack"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRETS_PATH = "/bidopsai/dev"
BUCKET = "bidopsai-knowledge-base-dev"

# The inputs each template needs before its roles can be evaluated.
REQUIRED = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": STACK,
    "ImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/go-api:v1.0.0",
    "BffImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/bidopsai/app:v1.0.0",
    "AgentCoreImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/bidopsai/agent:v1.0.0",
    "KnowledgeBaseBucketName": BUCKET,
    "SecretsParameterPath": SECRETS_PATH,
}
# A second key: the knowledge-base bucket's, so that a test sees which statement uses which.
BUCKET_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/5678efgh-56ef-78gh-90ij-5678901234ef"
# The alarm topic and its customer-managed key (a third key).
ALARM_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:on-call"
ALARM_TOPIC_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/9abcdef0-9abc-def0-1234-9abcdef01234"
# Every optional permission turned on: ECS Exec, the customer-managed keys of the secrets
# and of the knowledge-base bucket, and the alarm topic's recoveries with its key.
EVERYTHING_ON = {
    "EnableExecuteCommand": "true",
    "SecretsKmsKeyArn": KMS_KEY,
    "KnowledgeBaseKmsKeyArn": BUCKET_KEY,
    "AlarmTopicArn": ALARM_TOPIC,
    "AlarmTopicKmsKeyArn": ALARM_TOPIC_KEY,
}


def log_group_arn(title: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/{STACK}/{title}:*"


def roles(name: str, **values) -> dict[str, dict]:
    """Role logical ID -> its evaluated properties, for a stack with ``values`` as its inputs."""
    document = built(name)
    given = {**REQUIRED, **values}
    given.update({f"{title}.Arn": log_group_arn(title) for title in resources(document, "AWS::Logs::LogGroup")})
    evaluator = Evaluator(document, given, strict=False)
    return {
        title: evaluator.resolve(body)["Properties"]
        for title, body in resources(document, "AWS::IAM::Role").items()
        if "Condition" not in body or evaluator.condition(body["Condition"])
    }


def policies(role: dict) -> dict[str, list[dict]]:
    """Inline policy name -> its statements."""
    return {policy["PolicyName"]: policy["PolicyDocument"]["Statement"] for policy in role.get("Policies", [])}


def statements(role: dict) -> list[dict]:
    return [statement for found in policies(role).values() for statement in found]


def actions(role: dict) -> set[str]:
    return {action for statement in statements(role) for action in statement["Action"]}
