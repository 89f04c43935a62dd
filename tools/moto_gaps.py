"""What moto 5.2.5 does otherwise than AWS, met by `make rehearse` (tools/rehearse.py).

Plain data, so the docs' table (docs/reference/moto-gaps.md) is generated from the same list
the rehearsal checks against. Each entry was seen by running the rehearsal and read in
moto's source (the module named in it, under moto/ in the virtual environment). One of them
is corrected rather than worked around: tools/moto_fixes/, loaded by every moto_server the
tests and the rehearsal start, makes moto do what AWS documents there.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Gap:
    """Something moto 5.2.5 does otherwise than AWS, met by this rehearsal."""

    where: str
    moto: str  # what moto does, read in its source (moto/<module>) and seen here
    consequence: str  # what the rehearsal therefore does, or cannot prove
    checks: tuple[str, ...] = ()  # preflight checks it makes fail in moto
    left: tuple[str, ...] = ()  # inventory kinds it leaves behind in moto


MOTO_GAPS = (
    Gap(
        "Outputs of a stack a change set made (`make deploy`)",
        "ExecuteChangeSet creates or updates the resources but never rebuilds the stack's outputs "
        "(cloudformation/models.py): a stack a change set created has none",
        "the prerequisites stack is created with CreateStack (`aws cloudformation create-stack`), same template and "
        "parameter file, so params-from-stack can read its outputs; go-api's `make deploy` prints no outputs",
    ),
    Gap(
        "Outputs of a stack a change set made, read by `make params-from-stack`",
        "as above: a prerequisites stack that `make deploy` made has no outputs (cloudformation/models.py)",
        "`make params-from-stack` on such a stack says that moto made it without outputs and to create it with "
        "`aws cloudformation create-stack` instead, as the rehearsal does",
    ),
    Gap(
        "List parameters read back (DescribeStacks)",
        "answers a CommaDelimitedList or List<...> parameter with the text of a Python list, `['subnet-1', "
        "'subnet-2']`, where AWS answers `subnet-1,subnet-2` (cloudformation/models.py keeps the parsed list)",
        "`make deploy` or `make plan` without `PARAMS=` keeps the stack's values, and refuses that text for a "
        "subnet list: give `PARAMS=` on moto",
    ),
    Gap(
        "Changes of a change set (`make plan`)",
        "compares the templates' text alone (cloudformation/models.py ChangeSet.diff): new parameter values list no "
        "change, a new stack lists every resource, those whose condition is false too, and no change says whether "
        "it replaces the resource",
        "the release's plan says \"no resource changes\" in moto, where AWS names the task definition's replacement "
        "and the service's change in place: the rehearsal accepts either, keeps the change set and executes it, and "
        "checks the release on the stack",
    ),
    Gap(
        "A stack update with resources whose Condition is false",
        "updates them anyway (cloudformation/parsing.py parse_and_update_resource never reads the Condition), and "
        "counts every parameter the stack took from its default as changed, so a release of go-api, whose "
        "dashboard is conditional, fails with HTTP 500; nor does it create a resource whose condition has become "
        "true unless something the resource refers to changed (ResourceMap.update updates only what "
        "build_resource_diff lists)",
        "corrected by tools/moto_fixes/sitecustomize.py, loaded by the moto_server the tests and the rehearsal "
        "start: a resource whose condition is false is neither created nor updated, and one whose condition holds "
        "is created by the update that makes it true, as AWS documents "
        "([conditions](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html))"
        "; the release turns go-api's dashboard on to prove it. A resource whose condition becomes false stays in "
        "moto (AWS deletes it): the rehearsal turns no condition off",
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
        "ECR PutImage (`docker push`)",
        "accepts a manifest whose layers were never uploaded, and takes as its digest the SHA-256 of the layers' "
        "digests, not of the manifest (ecr/models.py)",
        "the rehearsal pushes a manifest, not an image: one made-up layer per tag, so that the two tags are two "
        "images; preflight finds the tag as in AWS",
    ),
    Gap(
        "iam create-service-linked-role",
        "names ECS's role AWSServiceRoleForecs (iam/models.py), not AWSServiceRoleForECS "
        "([ECS service-linked role](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html))",
        "preflight's service-linked-role check fails in moto",
        checks=("iam.ecs-service-linked-role",),
    ),
    Gap(
        "AWS::ECS::Service",
        "with DesiredCount left out (go-api leaves it to auto-scaling) the service wants 0 tasks, where ECS starts 1 "
        "([ECS](https://github.com/aws/containers-roadmap/issues/493#issuecomment-721421554)); moto starts no task "
        "anyway and ignores LaunchType and LoadBalancers (ecs/models.py)",
        'doctor\'s "healthy" reads the stack and a service of 0 tasks: no task start, health check or target '
        "registration is rehearsed",
    ),
    Gap(
        "AWS::ECS::Service update",
        "updates a stack's resources in the template's order, not in the order they depend on each other "
        "(cloudformation/parsing.py ResourceMap.update): the service is updated before the new task definition "
        "revision exists and stays on the old one",
        "a release is checked on the stack (new ImageUri, new revision), not on the service",
    ),
    Gap(
        "AWS::Logs::LogGroup update",
        "has no CloudFormation update for a log group, and an update that touches it (every update, as moto counts "
        "the parameters a stack took from their defaults as changed) drops it from the stack "
        "(cloudformation/parsing.py parse_and_update_resource): ListStackResources lists it without a name",
        "after the release, go-api's delete leaves its log group, as AWS does, but `make delete` cannot name it: "
        "that report is not rehearsed",
    ),
    Gap(
        "stack delete",
        "deletes only the resource types that have a CloudFormation delete in moto: route tables, routes, internet "
        "gateways, NAT gateways, Elastic IPs, VPC endpoints, listeners, listener rules, target groups, flow logs and "
        "ECS clusters, services and task definitions stay, so the VPC's delete fails with DependencyViolation; the "
        "stack then leaves ListStacks instead of showing DELETE_FAILED (cloudformation/models.py delete_stack)",
        "go-api's cluster, service and task definition stay behind; the prerequisites stack cannot be deleted in "
        "moto, and what its delete keeps is not rehearsed",
        left=("ecs-cluster", "ecs-service", "task-definition"),
    ),
    Gap(
        "DeletionPolicy RetainExceptOnCreate",
        "treated as Delete: only Retain is kept (cloudformation/parsing.py ResourceMap.delete); the prerequisites' "
        "failed delete takes the empty bucket and repositories with it, and a repository holding images fails with "
        "RepositoryNotEmptyException",
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
        "lifecycle policy, scan on push and encryption; the ALB's drop-invalid-header attribute; the target groups' "
        "attributes (a deregistration delay of 30 s reads 300); every security group egress rule (each group "
        "sends everywhere)",
        "they are checked on the built template by the tests, not in moto",
    ),
    Gap(
        "YAML short form `!Condition`",
        "read as Fn::Condition instead of Condition (cloudformation/utils.py), so the condition it names counts as "
        "false: `!Not [!Condition X]` is always true",
        "the prerequisites template writes each condition out in full instead of naming another; go-api's "
        "ReadOnlyRoot names ExecuteCommandEnabled and is right in moto only while ECS Exec is off, as here",
    ),
    Gap(
        "AWS::ApplicationAutoScaling::*, AWS::CloudWatch::Alarm, AWS::ServiceDiscovery::*",
        "skipped by moto's CloudFormation with a warning; a stack that reads an attribute of one fails "
        '("Fn::GetAtt references undefined resource")',
        "go-api deploys without its auto-scaling and its alarms; the platform and plugin stacks cannot be created "
        "in moto",
    ),
)


def named(where: str) -> Gap:
    """The gap listed under ``where``; KeyError for one the list does not have."""
    found = {gap.where: gap for gap in MOTO_GAPS}
    return found[where]


GAP_CHECKS = {check for gap in MOTO_GAPS for check in gap.checks}
GAP_LEFTOVERS = {kind for gap in MOTO_GAPS for kind in gap.left}
# How moto's refusal to delete the prerequisites stack reads (the gaps "stack delete" and
# "DeletionPolicy RetainExceptOnCreate"); any other failure of that delete is a failure.
GAP_DELETE_ERRORS = ("DependencyViolation", "RepositoryNotEmptyException")


def table() -> str:
    """The gaps as a Markdown table, for docs/reference/moto-gaps.md."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| Where | What moto does | So the rehearsal |", "|---|---|---|"]
    lines += [f"| {cell(gap.where)} | {cell(gap.moto)} | {cell(gap.consequence)} |" for gap in MOTO_GAPS]
    return "\n".join(lines) + "\n"


# Generated blocks of the docs (gathered by builder/docs.py).
DOC_BLOCKS = {"rehearsal.moto-gaps": table}
