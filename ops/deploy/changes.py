"""What an update does to each resource, and which changes hurt: a replacement that fails, loses
data or interrupts traffic.

Two sources say it. Online, a change set: CloudFormation's own answer, for each modified
resource whether it is replaced and which property causes it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
Offline, two templates: a property in a resource type's createOnlyProperties forces a
replacement when it changes; cfn-lint ships every resource schema, so two built templates
can be compared without AWS (tests compare each built template with its last release).
https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html
"""

import json
from dataclasses import dataclass, field

# The property that names each kind of resource: given in a template, the name is fixed, and
# CloudFormation cannot create the replacement beside the original ("already exists").
# A task definition's Family is not such a name: a replacement is a new revision of it.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html
NAME_PROPERTIES = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::ECS::Service": "ServiceName",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "Name",
    "AWS::ServiceDiscovery::Service": "Name",
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::SSM::Parameter": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Events::Rule": "Name",
}
# What a replacement of each kind loses: its data stays with the old resource.
STATEFUL = {
    "AWS::Logs::LogGroup": "the new log group starts empty; the old logs stay in the old group",
    "AWS::S3::Bucket": "the new bucket starts empty",
    "AWS::DynamoDB::Table": "the new table starts empty",
    "AWS::ECR::Repository": "the new repository has no images",
    "AWS::SSM::Parameter": "the parameter's value is written anew from the template",
    "AWS::SecretsManager::Secret": "the secret's value is generated anew",
}
# What a replacement of each kind does to traffic while it happens.
TRAFFIC = {
    "AWS::ECS::Service": "the old service's tasks stop as the new service starts its own: requests fail in between",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "the listener rule moves to an empty target group: requests fail "
    "until the new tasks register and pass their health checks",
    "AWS::ServiceDiscovery::Service": "the name stops resolving while the service is replaced; deleting the old one "
    "fails while tasks are registered in it (Service contains registered instances)",
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "every name in it stops resolving while it is replaced",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "requests on its path go to the listener's default while it is "
    "replaced",
}
# A service whose ForceNewDeployment is enabled gets a new deployment with every update CloudFormation
# makes to it, whatever property changed ("Determines whether to force a new deployment of the service"):
# DesiredCount, the rollout percentages, a tag all replace every task.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-forcenewdeployment.html
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html#ECS-UpdateService-request-forceNewDeployment
FORCED_RELEASE = (
    "{title} changed in place ({what}): with EnableForceNewDeployment on, any update of the service starts a new "
    "deployment, so ECS replaces every task as in a release"
)


@dataclass
class Change:
    """One resource's change."""

    logical_id: str
    resource_type: str
    action: str  # Add | Modify | Remove | Import | Dynamic
    replacement: str = "False"  # True | False | Conditional (for Modify)
    causes: list[str] = field(default_factory=list)  # properties that force the replacement
    properties: list[str] = field(default_factory=list)  # every property that changes
    fixed_name: str | None = None  # the name property the template sets, if any
    forces_deployment: bool = False  # an ECS service with EnableForceNewDeployment on

    @property
    def replaces(self) -> bool:
        return self.action == "Modify" and self.replacement in ("True", "Conditional")

    def warnings(self) -> list[str]:
        """In words: where a replacement fails, loses data or interrupts traffic, and where an
        in-place change of a service is a release all the same."""
        if self.action == "Modify" and not self.replaces and self.forces_deployment:
            return [FORCED_RELEASE.format(title=self.logical_id, what=", ".join(self.properties) or "a property")]
        if not self.replaces:
            return []
        found = []
        may = "" if self.replacement == "True" else "may be "
        # A new name is fine (the new resource is created beside the old one); the same fixed name is not.
        if self.fixed_name and self.fixed_name not in self.properties:
            found.append(
                f"{self.logical_id} {may}replaced but has a fixed {self.fixed_name}: the update fails, as "
                "CloudFormation cannot create the new one beside the old under the same name"
            )
        if self.resource_type in STATEFUL:
            found.append(f"{self.logical_id} {may}replaced: {STATEFUL[self.resource_type]}")
        if self.resource_type in TRAFFIC:
            found.append(f"{self.logical_id} {may}replaced: {TRAFFIC[self.resource_type]}")
        return found

    def line(self) -> str:
        mark = {"Add": "+", "Remove": "-", "Modify": "~", "Import": ">", "Dynamic": "?"}.get(self.action, "?")
        head = f"{mark} {self.logical_id} ({self.resource_type})"
        if self.action != "Modify":
            return f"{head} {self.action.lower()}"
        if self.replaces:
            how = "replaced" if self.replacement == "True" else "may be replaced"
            return f"{head} {how}, because of {', '.join(self.causes) or 'a property CloudFormation did not name'}"
        return f"{head} changed in place: {', '.join(self.properties) or 'no property named'}"


def forces_deployment(template: dict, logical_id: str) -> bool:
    """Whether ``logical_id`` is an ECS service whose ``ForceNewDeployment`` is enabled."""
    body = template.get("Resources", {}).get(logical_id, {})
    if body.get("Type") != "AWS::ECS::Service":
        return False
    force = (body.get("Properties") or {}).get("ForceNewDeployment") or {}
    return isinstance(force, dict) and force.get("EnableForceNewDeployment") in (True, "true", "True")


def fixed_name(template: dict, logical_id: str) -> str | None:
    """The name property ``logical_id`` sets in ``template``, if its kind has one."""
    body = template.get("Resources", {}).get(logical_id, {})
    key = NAME_PROPERTIES.get(body.get("Type"))
    return key if key and key in (body.get("Properties") or {}) else None


# --- From a change set ----------------------------------------------------------------------


def from_change_set(changes: list[dict], template: dict) -> list[Change]:
    """DescribeChangeSet's Changes as Change objects; ``template`` is the one the change set applies."""
    found = []
    for item in changes:
        if item.get("Type") != "Resource":
            continue
        resource = item["ResourceChange"]
        causes, properties = [], []
        for detail in resource.get("Details", []):
            target = detail.get("Target", {})
            if target.get("Attribute") != "Properties" or not target.get("Name"):
                continue
            properties.append(target["Name"])
            if target.get("RequiresRecreation") in ("Always", "Conditionally"):
                causes.append(target["Name"])
        found.append(
            Change(
                logical_id=resource["LogicalResourceId"],
                resource_type=resource["ResourceType"],
                action=resource["Action"],
                replacement=str(resource.get("Replacement", "False")),
                causes=sorted(set(causes)),
                properties=sorted(set(properties)),
                fixed_name=fixed_name(template, resource["LogicalResourceId"]),
                forces_deployment=forces_deployment(template, resource["LogicalResourceId"]),
            )
        )
    return found


# --- From two templates -----------------------------------------------------------------------


def create_only_properties(resource_type: str, region: str = "us-east-1") -> set[str]:
    """The top-level properties whose change replaces a resource of ``resource_type``."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # cfn-lint's copy of the CloudFormation registry

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    return {path.split("/")[2] for path in schema.get("createOnlyProperties", []) if path.startswith("/properties/")}


def _same(a, b) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def compare(before: dict, after: dict) -> list[Change]:
    """What deploying ``after`` over a stack of ``before`` does, from the templates alone.

    A property built from a parameter or another resource counts as changed only when its
    expression changes: what the values will be is known to the change set, not here.
    """
    old, new = before.get("Resources", {}), after.get("Resources", {})
    found = [Change(title, new[title]["Type"], "Add") for title in sorted(set(new) - set(old))]
    found += [Change(title, old[title]["Type"], "Remove") for title in sorted(set(old) - set(new))]
    for title in sorted(set(old) & set(new)):
        was, now = old[title], new[title]
        if was["Type"] != now["Type"]:
            found.append(Change(title, now["Type"], "Modify", "True", ["Type"], ["Type"], fixed_name(after, title)))
            continue
        was_properties, now_properties = was.get("Properties") or {}, now.get("Properties") or {}
        changed = sorted(
            key
            for key in set(was_properties) | set(now_properties)
            if not _same(was_properties.get(key), now_properties.get(key))
        )
        if not changed:
            continue
        causes = sorted(set(changed) & create_only_properties(now["Type"]))
        replacement = "True" if causes else "False"
        found.append(
            Change(
                title,
                now["Type"],
                "Modify",
                replacement,
                causes,
                changed,
                fixed_name(after, title),
                forces_deployment(after, title),
            )
        )
    return found
