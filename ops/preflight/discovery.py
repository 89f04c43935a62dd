"""Cloud Map: an existing namespace the stack joins, and the names a new one or its service take.

A private DNS namespace is a Route 53 private hosted zone associated with the VPC. Creating
one whose name a zone in that VPC already has fails after minutes of waiting with
ConflictingDomainExists; a service whose name the namespace already has fails too. Both are
read here before a deploy, from the template's own Cloud Map resources.
https://docs.aws.amazon.com/cloud-map/latest/api/API_CreatePrivateDnsNamespace.html
"""

from ..shared.aws import call, call_or_none
from ..shared.context import Context
from ..shared.report import Result, failed, passed, skipped

NAMESPACE = "AWS::ServiceDiscovery::PrivateDnsNamespace"
SERVICE = "AWS::ServiceDiscovery::Service"


def namespace(ctx: Context) -> list[Result]:
    """The namespace given as ExistingNamespaceId: private, of the name given, in the VPC."""
    if "ExistingNamespaceId" not in ctx.parameters:
        return []
    namespace_id = ctx.value("ExistingNamespaceId")
    if not namespace_id:
        return [skipped("namespace", "ExistingNamespaceId is empty: the stack creates the namespace")]
    answer = call_or_none(ctx.client("servicediscovery"), "get_namespace", Id=namespace_id)
    if answer is None:
        return [
            failed(
                "namespace",
                f"{namespace_id} not found in {ctx.region}",
                "set ExistingNamespaceId to a private DNS namespace of this region (aws servicediscovery "
                "list-namespaces --filters Name=TYPE,Values=DNS_PRIVATE lists them), or leave it empty",
            )
        ]
    found = answer["Namespace"]
    problems = []
    if found["Type"] != "DNS_PRIVATE":
        problems.append(f"type {found['Type']}, not DNS_PRIVATE")
    wanted = ctx.value("NamespaceName")
    if found["Name"] != wanted:
        problems.append(f"named {found['Name']}, but NamespaceName is {wanted}")
    zone = found.get("Properties", {}).get("DnsProperties", {}).get("HostedZoneId")
    if zone and ctx.vpc_id:
        vpcs = call(ctx.client("route53"), "get_hosted_zone", Id=zone).get("VPCs", [])
        if ctx.vpc_id not in [v["VPCId"] for v in vpcs]:
            problems.append(f"its hosted zone is not associated with {ctx.vpc_id}")
    if problems:
        return [
            failed(
                "namespace",
                f"{namespace_id}: {'; '.join(problems)}",
                f"give a private DNS namespace of {ctx.vpc_id} as ExistingNamespaceId and its name as NamespaceName, "
                "or leave ExistingNamespaceId empty to create one",
            )
        ]
    return [passed("namespace", f"{namespace_id} is the private DNS namespace {wanted}")]


def _resources(ctx: Context, kind: str) -> dict[str, dict]:
    """The template's resources of ``kind`` that the values create (their Condition holds)."""
    values = ctx.values
    return {
        title: body
        for title, body in ctx.values.template.get("Resources", {}).items()
        if body["Type"] == kind and ("Condition" not in body or values.get({"Condition": body["Condition"]}, True))
    }


def _owned_physical_id(ctx: Context, logical_id: str) -> str | None:
    """The physical ID of ``logical_id`` in the stack named with --stack, if it has one."""
    if not ctx.stack or ctx.deployed is None:
        return None
    answer = call_or_none(
        ctx.client("cloudformation"), "describe_stack_resource", StackName=ctx.stack, LogicalResourceId=logical_id
    )
    return answer["StackResourceDetail"].get("PhysicalResourceId") if answer else None


def _zones_of_vpc(ctx: Context) -> dict[str, str]:
    """Private hosted zone name (without the final dot) -> zone ID, for the task VPC."""
    route53, zones, token = ctx.client("route53"), {}, {}
    while True:
        page = call(route53, "list_hosted_zones_by_vpc", VPCId=ctx.vpc_id, VPCRegion=ctx.region, **token)
        zones.update({z["Name"].rstrip("."): z["HostedZoneId"] for z in page.get("HostedZoneSummaries", [])})
        if not page.get("NextToken"):
            return zones
        token = {"NextToken": page["NextToken"]}


def namespace_name_free(ctx: Context) -> list[Result]:
    """A namespace the stack creates: no private hosted zone of its name in the VPC yet."""
    created = _resources(ctx, NAMESPACE)
    if not created:
        return []
    if not ctx.vpc_id:
        return [skipped("namespace.name", "no VPC to look in")]
    zones = _zones_of_vpc(ctx)
    reuse = ", or pass the existing namespace as ExistingNamespaceId" if "ExistingNamespaceId" in ctx.parameters else ""
    results = []
    for title, body in created.items():
        name = str(ctx.values.get(body["Properties"]["Name"], ""))
        zone = zones.get(name)
        if zone is None:
            results.append(passed("namespace.name", f"no private hosted zone {name} in {ctx.vpc_id} yet"))
            continue
        own = _owned_physical_id(ctx, title)
        if own and _zone_of_namespace(ctx, own) == zone:
            results.append(passed("namespace.name", f"{name} ({zone}) is this stack's own namespace"))
            continue
        results.append(
            failed(
                "namespace.name",
                f"a private hosted zone {name} ({zone}) is already associated with {ctx.vpc_id}: creating the "
                "namespace fails with ConflictingDomainExists",
                f"set {_parameter_of(body['Properties']['Name'], 'the namespace name')} to a name no zone of the VPC "
                "has (one per environment, e.g. dev.platform.local)" + reuse,
            )
        )
    return results


def _zone_of_namespace(ctx: Context, namespace_id: str) -> str | None:
    answer = call_or_none(ctx.client("servicediscovery"), "get_namespace", Id=namespace_id)
    return answer["Namespace"].get("Properties", {}).get("DnsProperties", {}).get("HostedZoneId") if answer else None


def _services_of(ctx: Context, namespace_id: str) -> dict[str, str]:
    """Service name -> service ID, in one namespace."""
    discovery, found, token = ctx.client("servicediscovery"), {}, {}
    only = [{"Name": "NAMESPACE_ID", "Values": [namespace_id], "Condition": "EQ"}]
    while True:
        page = call(discovery, "list_services", Filters=only, **token)
        found.update({s["Name"]: s["Id"] for s in page.get("Services", [])})
        if not page.get("NextToken"):
            return found
        token = {"NextToken": page["NextToken"]}


def _parameter_of(node, otherwise: str) -> str:
    return node["Ref"] if isinstance(node, dict) and "Ref" in node else otherwise


def service_name_free(ctx: Context) -> list[Result]:
    """A Cloud Map service the stack creates in an existing namespace: its name is free there."""
    results = []
    for title, body in _resources(ctx, SERVICE).items():
        properties = body["Properties"]
        given = properties.get("NamespaceId") or properties.get("DnsConfig", {}).get("NamespaceId")
        namespace_id = ctx.values.get(given)
        if not namespace_id:  # the stack's own new namespace: nothing is in it yet
            continue
        name = str(ctx.values.get(properties["Name"], ""))
        check = f"cloud-map-service:{title}"
        existing = _services_of(ctx, str(namespace_id)).get(name)
        if existing is None:
            results.append(passed(check, f"no service {name} in {namespace_id} yet"))
        elif existing == _owned_physical_id(ctx, title):
            results.append(passed(check, f"{name} ({existing}) is this stack's own service"))
        else:
            results.append(
                failed(
                    check,
                    f"{namespace_id} already has a service {name} ({existing}): creating it fails",
                    f"set {_parameter_of(properties['Name'], 'the service name')} to a name the namespace does not "
                    "have (two versions side by side each take their own, docs/ecs-deployment.md#edge-cases), or "
                    f"delete the leftover once nothing uses it: aws servicediscovery delete-service --id {existing}",
                )
            )
    return results
