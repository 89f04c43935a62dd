"""Every IAM policy of every template, evaluated as a stack gets it, against an IAM linter
and against the facts of the specification and the AWS documentation.

parliament (https://github.com/duo-labs/parliament) carries its own copy of the IAM
actions, resource types and condition keys, so this runs offline.
"""

import importlib
import json

import pytest
from parliament import analyze_policy_string, is_arn_strictly_valid
from parliament.statement import get_arn_format, get_privilege_info

import templates
from templates.evaluate import Evaluator
from tests.helpers import built, resources
from tests.iam_world import (
    ACCOUNT,
    BUCKET_KEY,
    EVERYTHING_ON,
    KMS_KEY,
    REGION,
    actions,
    policies,
    roles,
    statements,
)

NAMES = list(templates.TEMPLATES)
# Every template that runs tasks offers ECS Exec; the prerequisites run none.
EXEC_TEMPLATES = [name for name in templates.TEMPLATES if name != "prerequisites"]

# parliament findings that are wrong for these policies, each with the reason.
# Keyed by (issue, statement Sid, or "trust" for a role's trust policy).
FALSE_POSITIVES = {
    ("MALFORMED", "trust"): "a trust policy is a resource policy: it names a Principal and no Resource, "
    "and parliament reads every document as an identity policy",
    ("RESOURCE_MISMATCH", "InvokeModelsOfThisRegion"): "parliament wants every resource type AWS lists for "
    "bedrock:InvokeModel (foundation model, inference profile, provisioned model, prompt router, ...) in one "
    "statement; an invocation acts on one of them, and the statement allows only the two it needs "
    "(test_every_resource_is_of_a_type_each_action_accepts checks those are of the action's types)",
    ("RESOURCE_MISMATCH", "InvokeModelsThroughInferenceProfiles"): "as above: foundation models only, "
    "reached through this account's inference profiles",
}


def every_policy():
    """(template, role, policy name, document) for every policy, all optional permissions on."""
    for name in NAMES:
        for title, role in roles(name, **EVERYTHING_ON).items():
            yield name, title, "trust", role["AssumeRolePolicyDocument"]
            for policy_name, found in policies(role).items():
                yield name, title, policy_name, {"Version": "2012-10-17", "Statement": found}


def test_policies_are_evaluated_to_plain_arns():
    for name, title, policy_name, document in every_policy():
        text = json.dumps(document)
        assert "Fn::" not in text and '"Ref"' not in text, f"{name} {title} {policy_name}: {text}"


def test_parliament_finds_nothing_but_the_listed_false_positives():
    seen, unexpected = set(), []
    for name, title, policy_name, document in every_policy():
        # One statement at a time, so that each finding names its statement.
        for statement in document["Statement"]:
            single = {"Version": "2012-10-17", "Statement": [statement]}
            for finding in analyze_policy_string(json.dumps(single)).findings:
                key = (finding.issue, "trust" if policy_name == "trust" else statement.get("Sid"))
                if key in FALSE_POSITIVES:
                    seen.add(key)
                else:
                    unexpected.append(f"{name} {title} {policy_name}: {finding.issue} {finding.detail}")
    assert unexpected == []
    assert seen == set(FALSE_POSITIVES), "a listed false positive no longer occurs: drop it from the list"


def test_parliament_would_catch_a_wrong_condition_key_and_a_wrong_resource():
    """The linter is live: the mistakes it must catch here are findings."""
    wrong_key = {
        "Effect": "Allow",
        "Action": ["bedrock:InvokeModel"],
        "Resource": ["arn:aws:bedrock:*::foundation-model/*"],
        # The prose of the Bedrock guide says aws:InferenceProfileArn; IAM knows bedrock:InferenceProfileArn.
        "Condition": {"ArnLike": {"aws:InferenceProfileArn": "arn:aws:bedrock:eu-west-1:1:inference-profile/*"}},
    }
    wrong_resource = {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["arn:aws:s3:::bucket/*"]}
    for statement, issue in ((wrong_key, "UNKNOWN_CONDITION_FOR_ACTION"), (wrong_resource, "RESOURCE_MISMATCH")):
        document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        assert issue in {finding.issue for finding in analyze_policy_string(document).findings}


def accepts(action: str, resource: str) -> bool:
    """Whether IAM's resource types for ``action`` include one that ``resource`` names."""
    service, name = action.split(":")
    info = get_privilege_info(service, name)
    types = [entry["resource_type"].rstrip("*") for entry in info["resource_types"] if entry["resource_type"]]
    if not types:
        return resource == "*"  # an action without resource types takes only "*"
    return any(is_arn_strictly_valid(kind, get_arn_format(kind, info["service_resources"]), resource) for kind in types)


def test_every_resource_is_of_a_type_each_action_accepts():
    """The check parliament's RESOURCE_MISMATCH makes the other way round: no resource in a
    statement is one some action of it cannot act on (InvokeAgent on a foundation model,
    "*" for an action that takes ARNs)."""
    wrong = [
        f"{name} {title} {statement.get('Sid', '')}: {action} on {resource}"
        for name in NAMES
        for title, role in roles(name, **EVERYTHING_ON).items()
        for statement in statements(role)
        for action in statement["Action"]
        for resource in statement["Resource"]
        if not accepts(action, resource)
    ]
    assert wrong == []


def test_the_resource_check_catches_a_mixed_statement():
    assert not accepts("bedrock:InvokeAgent", f"arn:aws:bedrock:{REGION}::foundation-model/*")
    assert not accepts("bedrock:InvokeModel", f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent-alias/*")
    assert not accepts("ssm:GetParameters", "*")
    assert accepts("ecr:GetAuthorizationToken", "*")


def test_every_action_is_a_valid_awacs_action_of_its_service():
    for name in NAMES:
        for title, role in roles(name, **EVERYTHING_ON).items():
            for action in sorted(actions(role)):
                prefix, action_name = action.split(":")
                module = importlib.import_module(f"awacs.{prefix.replace('-', '_')}")
                found = getattr(module, action_name, None)
                assert found is not None and found.JSONrepr() == action, f"{name} {title}: {action}"


def task_roles(name: str, **values) -> dict[str, dict]:
    """The roles the tasks run with: all but the one ECS itself assumes to shift traffic
    (its trust and managed policy: tests/test_deployment_strategies.py)."""
    return {title: role for title, role in roles(name, **values).items() if not title.endswith("LoadBalancerRole")}


@pytest.mark.parametrize("name", NAMES)
def test_only_ecs_tasks_assume_the_roles_and_task_roles_only_from_this_account_and_region(name):
    for title, role in task_roles(name).items():
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Effect"] == "Allow" and statement["Action"] == ["sts:AssumeRole"], title
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}, title
        if title.endswith("TaskRole"):
            # The confused-deputy guard of the ECS task role documentation.
            assert statement["Condition"] == {
                "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            }, title


@pytest.mark.parametrize("name", NAMES)
def test_nothing_deletes_or_puts_beyond_objects_and_logs(name):
    every = set().union(*(actions(role) for role in roles(name, **EVERYTHING_ON).values()))
    assert not [action for action in every if "Delete" in action.split(":")[1]]
    puts = {action for action in every if action.split(":")[1].startswith("Put")}
    assert puts <= {"s3:PutObject", "logs:PutLogEvents"}
    assert not [action for action in every if "*" in action]


@pytest.mark.parametrize("name", NAMES)
def test_execution_roles_have_no_bedrock_s3_or_exec(name):
    for title, role in roles(name, **EVERYTHING_ON).items():
        if title.endswith("ExecutionRole"):
            prefixes = {action.split(":")[0] for action in actions(role)}
            assert not prefixes & {"bedrock", "s3", "ssmmessages"}, title


# --- ECS Exec: off by default, four channel actions on "*" when on ----------------------

EXEC_STATEMENT = {
    "Effect": "Allow",
    "Action": [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ],
    # The only resource these actions accept.
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
    "Resource": ["*"],
}


def services(name: str, **values) -> dict:
    document = built(name)
    evaluator = Evaluator(document, values, strict=False)
    return {
        title: evaluator.resolve(body)["Properties"] for title, body in resources(document, "AWS::ECS::Service").items()
    }


@pytest.mark.parametrize("name", EXEC_TEMPLATES)
def test_ecs_exec_is_off_by_default(name):
    parameter = built(name)["Parameters"]["EnableExecuteCommand"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("false", ["false", "true"])
    for title, role in roles(name).items():
        assert not {action for action in actions(role) if action.startswith("ssmmessages:")}, title
    for title, service in services(name).items():
        assert service["EnableExecuteCommand"] is False, title


@pytest.mark.parametrize("name", EXEC_TEMPLATES)
def test_ecs_exec_on_gives_each_task_role_the_channels_and_each_service_the_setting(name):
    found = roles(name, EnableExecuteCommand="true")
    task_roles = [title for title in found if title.endswith("TaskRole")]
    assert task_roles
    for title in task_roles:
        assert policies(found[title])["ecs-exec"] == [EXEC_STATEMENT], title
    for title, role in found.items():
        if title.endswith("ExecutionRole"):
            assert "ecs-exec" not in policies(role), title
    for title, service in services(name, EnableExecuteCommand="true").items():
        assert service["EnableExecuteCommand"] is True, title


@pytest.mark.parametrize("name", EXEC_TEMPLATES)
def test_turning_ecs_exec_on_or_off_rolls_every_services_tasks(name):
    """UpdateService starts no new tasks when only enableExecuteCommand changes; a changed
    ForceNewDeploymentNonce does (aws-properties-ecs-service-forcenewdeployment.html)."""
    off, on = services(name, EnableExecuteCommand="false"), services(name, EnableExecuteCommand="true")
    assert off and set(off) == set(on) == set(services(name))
    for title in off:
        assert off[title]["ForceNewDeployment"] == {
            "EnableForceNewDeployment": True,
            "ForceNewDeploymentNonce": "exec-false",
        }, title
        assert on[title]["ForceNewDeployment"] == {
            "EnableForceNewDeployment": True,
            "ForceNewDeploymentNonce": "exec-true",
        }, title
    # The default is off: a stack deployed without the parameter gets the "off" nonce.
    assert {title: service["ForceNewDeployment"] for title, service in services(name).items()} == {
        title: service["ForceNewDeployment"] for title, service in off.items()
    }


# --- The customer-managed key of the secrets: kms:Decrypt exactly when it is given ------

KMS_STATEMENT = {
    "Sid": "DecryptSecretsThroughSsm",
    "Effect": "Allow",
    "Action": ["kms:Decrypt"],
    "Resource": [KMS_KEY],
    "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}},
}


@pytest.mark.parametrize("name", NAMES)
def test_no_kms_permission_without_a_key(name):
    for title, role in roles(name).items():
        assert not {action for action in actions(role) if action.startswith("kms:")}, title


def test_every_platform_role_that_reads_secrets_decrypts_with_the_given_key_through_ssm_only():
    parameter = built("platform")["Parameters"]["SecretsKmsKeyArn"]
    assert parameter["Default"] == ""
    found = task_roles("platform", SecretsKmsKeyArn=KMS_KEY)
    assert set(found) == {"BffExecutionRole", "BffTaskRole", "AgentCoreExecutionRole", "AgentCoreTaskRole"}
    for title, role in found.items():
        assert policies(role)["secrets-kms"] == [KMS_STATEMENT], title
        kms = [statement for statement in statements(role) if statement["Action"][0].startswith("kms:")]
        assert kms == [KMS_STATEMENT], title


# --- The customer-managed key of the knowledge-base bucket: AgentCore's task role only -----
# S3 needs kms:Decrypt to read an object and kms:GenerateDataKey to write one under a KMS key
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html), asked by S3
# on the role's behalf only (kms:ViaService).

BUCKET_KEY_STATEMENT = {
    "Sid": "UseBucketKeyThroughS3",
    "Effect": "Allow",
    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
    "Resource": [BUCKET_KEY],
    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}},
}


def test_only_agentcore_uses_the_knowledge_base_key_and_only_through_s3():
    parameter = built("platform")["Parameters"]["KnowledgeBaseKmsKeyArn"]
    assert parameter["Default"] == "" and parameter["Type"] == "String"
    found = roles("platform", KnowledgeBaseKmsKeyArn=BUCKET_KEY)
    using = {title for title, role in found.items() if "knowledge-base-kms" in policies(role)}
    assert using == {"AgentCoreTaskRole"}
    assert policies(found["AgentCoreTaskRole"])["knowledge-base-kms"] == [BUCKET_KEY_STATEMENT]
    for title, role in found.items():
        kms = [s for s in statements(role) if s["Action"][0].startswith("kms:")]
        assert all(s["Resource"] != [BUCKET_KEY] for s in kms if title != "AgentCoreTaskRole"), title
    # Without the key, no role may use any key through S3.
    assert all("knowledge-base-kms" not in policies(role) for role in roles("platform").values())
