"""Task roles and the least-privilege statements they are built from (awacs).

Roles are never given a fixed name: IAM is global, so a named role would make a
second stack of the same template (another region, a StackSet) fail.
"""

from awacs import bedrock, ecr, kms, logs, s3, ssm, sts
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, If, NoValue, Ref, Select, Split, Sub, iam

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


def _with_conditional(policies: list, conditional: list):
    """The ``Policies`` of a role: its policies, then the conditional ones (:func:`conditional_policy`).

    A role whose only policy is conditional gets the ``Fn::If`` around the whole list
    instead: CloudFormation drops an ``AWS::NoValue`` from a list, but not every tool
    that reads templates does (moto keeps it as a null policy and fails).
    """
    if not policies and len(conditional) == 1:
        condition, policy, _ = conditional[0].data["Fn::If"]
        return If(condition, [policy], NoValue)
    return [*policies, *conditional]


def execution_role(title: str, statements: list[Statement], extra_policies: list | None = None) -> iam.Role:
    """The role ECS itself uses to pull the image, write logs and read secrets.

    ``extra_policies`` are conditional inline policies (:func:`conditional_policy`).
    """
    return iam.Role(
        title,
        AssumeRolePolicyDocument=_trust(),
        Policies=_with_conditional(_policies("task-execution", statements), extra_policies or []),
    )


def task_role(title: str, statements: list[Statement] | None = None, extra_policies: list | None = None) -> iam.Role:
    """The role the application code runs as; no statements means no permissions.

    ``extra_policies`` are inline policies that may exist only under a condition
    (an ``Fn::If`` of a policy and ``AWS::NoValue``), such as ECS Exec's.
    """
    role = iam.Role(title, AssumeRolePolicyDocument=_task_trust())
    static, conditional = _policies("task", statements or []), extra_policies or []
    if static or conditional:
        role.Policies = _with_conditional(static, conditional)
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


# Both invoke actions: InvokeModelWithResponseStream is what streaming (token by token) answers need.
BEDROCK_MODEL_ACTIONS = [bedrock.InvokeModel, bedrock.InvokeModelWithResponseStream]
INFERENCE_PROFILES = "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/*"


def bedrock_models() -> list[Statement]:
    """Invoke foundation models of this region, and any model through this account's inference profiles.

    Current models are invoked through a cross-region (system-defined) inference
    profile: IAM then checks the profile *and* the foundation model in every region
    the profile routes to. The second statement allows those foundation models only
    when the request names an inference profile of this account and region, with
    the ``bedrock:InferenceProfileArn`` condition key (an ARN, hence ``ArnLike``).
    https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html
    """
    return [
        Statement(
            Sid="InvokeModelsOfThisRegion",
            Effect=Allow,
            Action=BEDROCK_MODEL_ACTIONS,
            Resource=[
                Sub("arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/*"),
                Sub(INFERENCE_PROFILES),
            ],
        ),
        Statement(
            Sid="InvokeModelsThroughInferenceProfiles",
            Effect=Allow,
            Action=BEDROCK_MODEL_ACTIONS,
            Resource=[Sub("arn:${AWS::Partition}:bedrock:*::foundation-model/*")],
            Condition=Condition(ArnLike("bedrock:InferenceProfileArn", Sub(INFERENCE_PROFILES))),
        ),
    ]


def bedrock_agents() -> Statement:
    """Invoke the Bedrock agents of this account and region, through their aliases."""
    return Statement(
        Sid="InvokeAgentAliases",
        Effect=Allow,
        Action=[bedrock.InvokeAgent],
        Resource=[Sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:agent-alias/*")],
    )


def kms_decrypt_through_ssm(key_arn) -> Statement:
    """Decrypt with one KMS key, and only when SSM Parameter Store asks on the role's behalf
    (reading a SecureString parameter), never a direct kms:Decrypt call.
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    """
    return Statement(
        Sid="DecryptSecretsThroughSsm",
        Effect=Allow,
        Action=[kms.Decrypt],
        Resource=[key_arn],
        Condition=Condition(StringEquals("kms:ViaService", Sub("ssm.${AWS::Region}.amazonaws.com"))),
    )


def kms_through_s3(key_arn) -> Statement:
    """Read and write S3 objects encrypted with one KMS key, and only when S3 asks on the role's
    behalf: GetObject needs kms:Decrypt, PutObject kms:GenerateDataKey.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
    """
    return Statement(
        Sid="UseBucketKeyThroughS3",
        Effect=Allow,
        Action=[kms.Decrypt, kms.GenerateDataKey],
        Resource=[key_arn],
        Condition=Condition(StringEquals("kms:ViaService", Sub("s3.${AWS::Region}.amazonaws.com"))),
    )


def conditional_policy(condition: str, name: str, statements: list[Statement]) -> If:
    """An inline policy that exists only when ``condition`` holds (awacs takes no ``Fn::If``
    among a document's statements, so the condition sits on a policy of its own)."""
    policy = iam.Policy(PolicyName=name, PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=statements))
    return If(condition, policy, NoValue)


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
