"""The outputs, named after the parameters of the other templates they feed (make params-from-stack)."""

from troposphere import GetAtt, Join, Ref

from .. import facts
from ..parts import outputs
from .network import TIERS

GROUP_OUTPUTS = {
    "AlbSecurityGroup": "The ALB's security group",
    "AppSecurityGroup": "The go-api tasks' security group",
    "VpcEndpointSecurityGroup": "The interface endpoints' security group",
    "RdsSecurityGroup": "The database's security group (the platform opens it to its tiers)",
}


def _ids(resources: list) -> Join:
    return Join(",", [Ref(resource) for resource in resources])


def add_outputs(template, inputs, network_vpc, subnets, groups, alb, listener, go_api, bucket, images) -> None:
    outputs.export(template, "VpcId", Ref(network_vpc), "VPC (VpcId of every template)")
    outputs.export(template, "VpcCidr", GetAtt(network_vpc, "CidrBlock"), "VPC CIDR (the plugin's ClientCidr)")
    for tier in TIERS:
        outputs.export(
            template, f"{tier.name}SubnetIds", _ids(subnets[tier.name]), f"{tier.name} subnets, one per zone"
        )
    outputs.export(template, "AlbListenerArn", listener, "The ALB's listener for rules (HTTPS with a certificate)")
    outputs.export(template, "AlbDnsName", GetAtt(alb, "DNSName"), "The ALB's DNS name")
    for title, what in GROUP_OUTPUTS.items():
        outputs.export(template, f"{title}Id", GetAtt(groups[title], "GroupId"), what)
    outputs.export(
        template, "TargetGroupArn", Ref(go_api.primary), "go-api's target group (type ip, behind the listener)"
    )
    outputs.export(
        template,
        "AlternateTargetGroupArn",
        Ref(go_api.alternate),
        "go-api's second target group, for blue/green, linear and canary (weight 0 in the rule until ECS moves it)",
    )
    outputs.export(
        template,
        "ProductionListenerRuleArn",
        Ref(go_api.rule),
        "go-api's listener rule, forwarding to both target groups: ECS moves its weights",
    )
    outputs.export(template, "ContainerPort", Ref(inputs["ContainerPort"]), "go-api's container port")
    outputs.export(template, "KnowledgeBaseBucketName", Ref(bucket), "The knowledge-base bucket")
    # Only when given: the platform's tasks need to decrypt with it (the input of the same name).
    key = outputs.export(
        template, "KnowledgeBaseKmsKeyArn", Ref(inputs["KnowledgeBaseKmsKeyArn"]), "The bucket's KMS key"
    )
    key.Condition = "HasKnowledgeBaseKmsKeyArn"
    for application, repository in images.items():
        name = repository.title.removesuffix("Repository")
        outputs.export(
            template,
            f"{name}RepositoryUri",
            GetAtt(repository, "RepositoryUri"),
            f"ECR repository of the {facts.IMAGE_REPOSITORIES[application]} images, named after the stack",
        )
