"""Task roles and the least-privilege statements they are built from (awacs).

Roles are never given a fixed name: IAM is global, so a named role would make a
second stack of the same template (another region, a StackSet) fail.
"""

from awacs import bedrock, ecr, logs, s3, ssm, sts
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Ref, Select, Split, Sub, iam

ECS_TASKS = Principal("Service", "ecs-tasks.amazonaws.com")

ECR_PULL_ACTIONS = [ecr.BatchCheckLayerAvailability, ecr.GetDownloadUrlForLayer, ecr.BatchGetImage]
LOG_WRITE_ACTIONS = [logs.CreateLogStream, logs.PutLogEvents]
SSM_READ_ACTIONS = [ssm.GetParameter, ssm.GetParameters]


def _trust(condition: Condition | None = None) -> PolicyDocument:
    statement = Statement(Effect=Allow, Principal=ECS_TASKS, Action=[sts.AssumeRole])
    if condition is not None:
        statement.Condition = condition
    return PolicyDocument(Version="2012-10-17", Statement=[statement])


def _task_trust() -> PolicyDocument:
    # Only ECS tasks of this account and region may assume the task role
    # (the confused-deputy guard the ECS documentation recommends).
    return _trust(
        Condition(
            [
                ArnLike("aws:SourceArn", Sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*")),
                StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
            ]
        )
    )


def _policies(name: str, statements: list[Statement]) -> list[iam.Policy]:
    if not statements:
        return []
    return [
        iam.Policy(
            PolicyName=name,
            PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=statements),
        )
    ]


def execution_role(title: str, statements: list[Statement]) -> iam.Role:
    """The role ECS itself uses to pull the image, write logs and read secrets."""
    return iam.Role(
        title,
        AssumeRolePolicyDocument=_trust(),
        Policies=_policies("task-execution", statements),
    )


def task_role(title: str, statements: list[Statement] | None = None, extra_policies: list | None = None) -> iam.Role:
    """The role the application code runs as; no statements means no permissions.

    ``extra_policies`` are inline policies that may exist only under a condition
    (an ``Fn::If`` of a policy and ``AWS::NoValue``), such as ECS Exec's.
    """
    role = iam.Role(title, AssumeRolePolicyDocument=_task_trust())
    policies = [*_policies("task", statements or []), *(extra_policies or [])]
    if policies:
        role.Policies = policies
    return role


def ecr_pull(repository_arns: list) -> list[Statement]:
    return [
        # GetAuthorizationToken is not resource-scoped; IAM only accepts "*" for it.
        Statement(Effect=Allow, Action=[ecr.GetAuthorizationToken], Resource=["*"]),
        Statement(Effect=Allow, Action=ECR_PULL_ACTIONS, Resource=repository_arns),
    ]


def log_write(log_groups: list) -> Statement:
    # A log group's Arn attribute ends in ":*", which covers its streams.
    return Statement(
        Effect=Allow,
        Action=LOG_WRITE_ACTIONS,
        Resource=[GetAtt(group, "Arn") for group in log_groups],
    )


def ssm_read(parameter_path, *, by_path: bool = False) -> Statement:
    """Read the parameters below a path such as ``/myapp/prod`` (no trailing slash).

    ``by_path`` adds ssm:GetParametersByPath, which IAM checks against the path itself.
    """
    actions, resources = list(SSM_READ_ACTIONS), [ssm_parameter_arn(parameter_path, "/*")]
    if by_path:
        actions.append(ssm.GetParametersByPath)
        resources.append(ssm_parameter_arn(parameter_path))
    return Statement(Effect=Allow, Action=actions, Resource=resources)


def ssm_parameter_arn(parameter_path, suffix: str = "") -> Sub:
    """The ARN of the parameter (or, with ``suffix="/*"``, of all below) ``parameter_path``."""
    return Sub(
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${Path}" + suffix,
        Path=parameter_path,
    )


ECR_SUFFIX = ".amazonaws.com/"


def ecr_repository_arn(image_uri) -> Sub:
    """The ARN of the ECR repository an image URI such as
    ``123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:v1`` points into.

    Worked out at deploy time from the URI parameter, which must match
    :data:`facts.ECR_IMAGE_PATTERN` (account, region, repository and tag or digest).
    """
    account = Select(0, Split(".", image_uri))
    region = Select(3, Split(".", image_uri))
    path_and_tag = Select(1, Split(ECR_SUFFIX, image_uri))
    # A digest ("repo@sha256:...") is cut at "@", a tag ("repo:v1") at ":".
    repository = Select(0, Split(":", Select(0, Split("@", path_and_tag))))
    return Sub(
        "arn:${AWS::Partition}:ecr:${Region}:${Account}:repository/${Repository}",
        Region=region,
        Account=account,
        Repository=repository,
    )


def bedrock_invoke() -> Statement:
    """Invoke foundation models and agents of this region (and this account's agent aliases)."""
    return Statement(
        Effect=Allow,
        Action=[bedrock.InvokeModel, bedrock.InvokeAgent],
        Resource=[
            Sub("arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/*"),
            Sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:agent-alias/*"),
        ],
    )


def s3_read_write_objects(bucket_name) -> list[Statement]:
    """Read, list and write objects in one bucket; never delete them or touch the bucket."""
    return [
        Statement(
            Effect=Allow,
            Action=[s3.GetObject, s3.PutObject],
            Resource=[Sub("arn:${AWS::Partition}:s3:::${Bucket}/*", Bucket=bucket_name)],
        ),
        Statement(
            Effect=Allow,
            Action=[s3.ListBucket],
            Resource=[Sub("arn:${AWS::Partition}:s3:::${Bucket}", Bucket=bucket_name)],
        ),
    ]
