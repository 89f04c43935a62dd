"""What moto 5.2.5 does otherwise than AWS, met by `make rehearse` (tools/rehearse.py).

Plain data, so the docs' table (docs/prerequisites.md) is generated from the same list
the rehearsal checks against. Each entry was found by running the rehearsal and read in
moto's source (the module named in it, under moto/ in the virtual environment).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Gap:
    """Something moto 5.2.5 does otherwise than AWS, met by this rehearsal."""

    where: str
    moto: str  # what moto does, read in its source (moto/<module>) or seen here
    consequence: str  # what the rehearsal therefore does, or cannot prove
    checks: tuple[str, ...] = ()  # preflight checks it makes fail in moto
    left: tuple[str, ...] = ()  # inventory kinds it leaves behind in moto


MOTO_GAPS = (
    Gap(
        "CreateChangeSet + ExecuteChangeSet (`aws cloudformation deploy`)",
        "a stack created from a change set never gets Outputs (cloudformation/models.py builds them from the "
        "empty template the change set's stack starts with)",
        "the prerequisites stack is created with `aws cloudformation create-stack`, same template and parameters",
    ),
    Gap(
        "AWS::EC2::VPC",
        "ignores EnableDnsSupport and EnableDnsHostnames (ec2/models/vpcs.py): hostnames stay off",
        "preflight's vpc.dns check fails in moto",
        checks=("vpc.dns",),
    ),
    Gap(
        "AWS::EC2::SubnetRouteTableAssociation",
        "records the association where DescribeRouteTables does not look (ec2/models/subnets.py)",
        "preflight finds no route for the public subnets: its route check fails in moto",
        checks=("route:Service",),
    ),
    Gap(
        "iam create-service-linked-role",
        "names ECS's role AWSServiceRoleForecs, not AWSServiceRoleForECS",
        "preflight's service-linked-role check fails in moto",
        checks=("iam.ecs-service-linked-role",),
    ),
    Gap(
        "AWS::ECS::Service update",
        "registers the new task definition revision but leaves the service on the old one (ecs/models.py)",
        "a release is checked on the stack (new ImageUri, new revision), not on the running service",
    ),
    Gap(
        "stack delete",
        "deletes only the resource types with a CloudFormation delete of their own; route tables, routes, "
        "internet gateways, NAT gateways, Elastic IPs, VPC endpoints, listeners, listener rules, target groups and "
        "ECS clusters, services and task definitions stay, so the VPC's delete fails with DependencyViolation",
        "go-api's cluster stays behind; the prerequisites stack cannot be deleted in moto, and what its delete "
        "keeps is not rehearsed",
        left=("ecs-cluster",),
    ),
    Gap(
        "DeletionPolicy RetainExceptOnCreate",
        "treated as Delete: only Retain is kept (cloudformation/parsing.py); a repository holding images then "
        "fails the delete with RepositoryNotEmptyException",
        "retention is checked on the built template by the tests, not in moto",
    ),
    Gap(
        "AWS::S3::BucketPolicy",
        "no CloudFormation support: skipped with a warning (AWS::EC2::SecurityGroupEgress neither: the template "
        "writes egress rules inside their groups)",
        "the TLS-only bucket policy is not created in moto",
    ),
    Gap(
        "properties moto's CloudFormation ignores",
        "the bucket's versioning, lifecycle, ownership controls and public access block; the repositories' "
        "lifecycle policy, scan on push and encryption; the ALB's drop-invalid-header attribute; every security "
        "group egress rule",
        "they are checked on the built template by the tests, not in moto",
    ),
    Gap(
        "YAML short form `!Condition`",
        "read as Fn::Condition instead of Condition (cloudformation/utils.py), so a condition built from another "
        "one is false",
        "the prerequisites template writes each condition out in full instead of naming another",
    ),
    Gap(
        "AWS::ApplicationAutoScaling::*, AWS::CloudWatch::Alarm, AWS::ServiceDiscovery::*",
        "skipped by moto's CloudFormation; a stack that refers to a skipped resource fails",
        "go-api deploys without its auto-scaling; the platform and plugin stacks cannot be created in moto",
    ),
)
GAP_CHECKS = {check for gap in MOTO_GAPS for check in gap.checks}
GAP_LEFTOVERS = {kind for gap in MOTO_GAPS for kind in gap.left}
# How moto's refusal to delete the prerequisites stack reads (the gaps "stack delete" and
# "DeletionPolicy RetainExceptOnCreate"); any other failure of that delete is a failure.
GAP_DELETE_ERRORS = ("DependencyViolation", "RepositoryNotEmptyException")


def table() -> str:
    """The gaps as a Markdown table, for docs/prerequisites.md."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| Where | What moto does | So the rehearsal |", "|---|---|---|"]
    lines += [f"| {cell(gap.where)} | {cell(gap.moto)} | {cell(gap.consequence)} |" for gap in MOTO_GAPS]
    return "\n".join(lines) + "\n"


# Generated blocks of the docs (templates.doc_blocks).
DOC_BLOCKS = {"rehearsal.moto-gaps": table}
