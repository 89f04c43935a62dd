"""E9115: a retained resource with a fixed name must use DeletionPolicy RetainExceptOnCreate.

A resource with ``DeletionPolicy: Retain`` is kept when the first create of its
stack fails and rolls back. With a fixed name (even one built from the stack name,
such as ``/ecs/${AWS::StackName}``) the next create of the same stack then fails
with "already exists" until someone deletes the leftover by hand.
``RetainExceptOnCreate`` keeps the resource on delete like ``Retain`` but deletes
it when the create that made it rolls back.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
"""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# The property that names each kind of resource, for the kinds a stack commonly keeps.
NAME_PROPERTIES = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::SSM::Parameter": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::KMS::Alias": "AliasName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::RDS::DBCluster": "DBClusterIdentifier",
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Lambda::Function": "FunctionName",
}


class RetainedFixedName(CloudFormationLintRule):
    id = "E9115"
    shortdesc = "A retained resource with a fixed name must use DeletionPolicy RetainExceptOnCreate"
    description = (
        "DeletionPolicy Retain keeps a resource when the stack's first create rolls back; with a fixed name the "
        "next create of the stack fails with 'already exists'"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["lifecycle", "deletionpolicy"]

    def match(self, cfn):
        matches = []
        for title, body in (cfn.template.get("Resources") or {}).items():
            if not isinstance(body, dict) or body.get("DeletionPolicy") != "Retain":
                continue
            key = NAME_PROPERTIES.get(body.get("Type"))
            properties = body.get("Properties")
            if key is None or not isinstance(properties, dict) or key not in properties:
                continue
            matches.append(
                RuleMatch(
                    ["Resources", title, "DeletionPolicy"],
                    f"{title} has a fixed {key} and DeletionPolicy Retain: if the stack's first create fails, the "
                    "rollback keeps it and the next create of the same stack fails with 'already exists'. "
                    "Use DeletionPolicy: RetainExceptOnCreate (UpdateReplacePolicy stays Retain)",
                )
            )
        return matches
