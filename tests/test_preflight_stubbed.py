"""Checks whose AWS answers moto cannot give, with recorded responses (botocore Stubber):
Cloud Map namespaces (moto's IDs do not fit the template's `ns-` pattern), the Fargate
quotas, and AccessDenied. Each check function is called on a Context directly.

Response shapes follow the API references (the Stubber also validates them against the model):
https://docs.aws.amazon.com/cloud-map/latest/api/API_GetNamespace.html
https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html
https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
"""

import datetime
import re

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from ops.preflight import artifacts, compute, discovery, network
from ops.preflight import cli as preflight
from ops.shared import params, stack
from ops.shared.aws import Account
from ops.shared.context import Context
from ops.shared.errors import AwsError, NoPermission
from ops.shared.template import Values, load
from tests import aws_world
from tests.helpers import ROOT

VPC = "vpc-0123456789abcdef0"
OTHER_VPC = "vpc-0fedcba9876543210"
NAMESPACE = "ns-abcdefgh01234567"
ZONE = "Z0123456789ABCDEFGHIJ"
CREATED = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def account():
    # One Account for the module: each service's client is made once; no request leaves
    # the process (an unstubbed call fails in the Stubber).
    return Account(aws_world.session())


def context(account, template: str, values: dict) -> Context:
    document = load(template)
    return Context(account, template, Values(document, params.effective(document["Parameters"], values)))


def finfocus(account, **changes) -> Context:
    values = {
        "VpcId": VPC,
        "SubnetIds": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
        "ClientCidr": "10.0.0.0/16",
        "ExistingNamespaceId": NAMESPACE,
        "NamespaceName": "finfocus.local",
        **changes,
    }
    return context(account, "finfocus-plugin", values)


def namespace_response(kind="DNS_PRIVATE", name="finfocus.local") -> dict:
    return {
        "Namespace": {
            "Id": NAMESPACE,
            "Arn": f"arn:aws:servicediscovery:us-east-1:123456789012:namespace/{NAMESPACE}",
            "Name": name,
            "Type": kind,
            "ServiceCount": 1,
            "Properties": {
                "DnsProperties": {"HostedZoneId": ZONE, "SOA": {"TTL": 15}},
                "HttpProperties": {"HttpName": name},
            },
            "CreateDate": CREATED,
            "CreatorRequestId": "cloudformation-0123456789",
        }
    }


def hosted_zone_response(name="finfocus.local", vpcs=(VPC,)) -> dict:
    zone = {
        "Id": f"/hostedzone/{ZONE}",
        "Name": f"{name}.",
        "CallerReference": "cloudmap-0123456789",
        "Config": {"Comment": "Created by AWS Cloud Map", "PrivateZone": bool(vpcs)},
        "ResourceRecordSetCount": 2,
    }
    if not vpcs:  # a public zone has name servers and no VPCs
        delegation = {"NameServers": ["ns-1.awsdns-01.org", "ns-2.awsdns-02.com"]}
        return {"HostedZone": zone, "DelegationSet": delegation}
    return {"HostedZone": zone, "VPCs": [{"VPCRegion": "us-east-1", "VPCId": vpc} for vpc in vpcs]}


def namespace_check(account, ctx, namespace: dict | None, zone: dict | None):
    cloud_map, route53 = account.client("servicediscovery"), account.client("route53")
    with Stubber(cloud_map) as discovery_stub, Stubber(route53) as route53_stub:
        if namespace is None:
            discovery_stub.add_client_error("get_namespace", "NamespaceNotFound", "No namespace exists", 400)
        else:
            discovery_stub.add_response("get_namespace", namespace, {"Id": NAMESPACE})
        if zone is not None:
            route53_stub.add_response("get_hosted_zone", zone, {"Id": ZONE})
        (result,) = discovery.namespace(ctx)
        discovery_stub.assert_no_pending_responses()
        route53_stub.assert_no_pending_responses()
    return result


def test_namespace_passes_when_private_named_and_in_the_vpc(account):
    result = namespace_check(account, finfocus(account), namespace_response(), hosted_zone_response())
    assert (result.check, result.status) == ("namespace", "pass"), result
    assert NAMESPACE in result.detail and "finfocus.local" in result.detail


@pytest.mark.parametrize(
    ("namespace", "zone", "says"),
    [
        (namespace_response(kind="DNS_PUBLIC"), hosted_zone_response(vpcs=()), "type DNS_PUBLIC, not DNS_PRIVATE"),
        (namespace_response(), hosted_zone_response(vpcs=(OTHER_VPC,)), f"hosted zone is not associated with {VPC}"),
        (
            namespace_response(name="other.local"),
            hosted_zone_response(name="other.local"),
            "named other.local, but NamespaceName is finfocus.local",
        ),
        (None, None, f"{NAMESPACE} not found"),
    ],
    ids=["public", "other-vpc", "other-name", "not-found"],
)
def test_namespace_fails_on_each_mistake(account, namespace, zone, says):
    result = namespace_check(account, finfocus(account), namespace, zone)
    assert (result.check, result.status) == ("namespace", "fail"), result
    assert says in result.detail
    assert result.fix


def test_namespace_in_one_of_several_vpcs_passes(account):
    zone = hosted_zone_response(vpcs=(OTHER_VPC, VPC))
    assert namespace_check(account, finfocus(account), namespace_response(), zone).status == "pass"


def test_empty_namespace_id_is_a_skip(account):
    (result,) = discovery.namespace(finfocus(account, ExistingNamespaceId=""))
    assert (result.status, result.detail) == ("skip", "ExistingNamespaceId is empty: the stack creates the namespace")


# Service Quotas codes of the Fargate vCPU quotas, from the ECS service quotas page:
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html#service-quotas-fargate
ON_DEMAND, SPOT = "L-3032A538", "L-36FBB829"


def quota(code: str, value: float) -> dict:
    return {
        "Quota": {
            "ServiceCode": "fargate",
            "ServiceName": "AWS Fargate",
            "QuotaArn": f"arn:aws:servicequotas:us-east-1:123456789012:fargate/{code}",
            "QuotaCode": code,
            "QuotaName": "Fargate vCPU resource count",
            "Value": value,
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
        }
    }


def quota_results(account, ctx, answers: list[tuple[str, float | None]]) -> dict:
    with Stubber(account.client("service-quotas")) as stub:
        for code, value in answers:
            expected = {"ServiceCode": "fargate", "QuotaCode": code}
            if value is None:
                stub.add_client_error("get_service_quota", "NoSuchResourceException", "no quota", 400, None, expected)
            else:
                stub.add_response("get_service_quota", quota(code, value), expected)
        results = {r.check: r for r in compute.fargate_quota(ctx)}
        stub.assert_no_pending_responses()
    return results


def test_on_demand_quota_counts_the_peak_of_a_release(account):
    # go-api: up to 40 tasks of 1 vCPU (TaskSize 1024x2048), all on FARGATE; a rolling release
    # runs MaximumPercent 200 % of them at once (go-api.md): 80 tasks, 80 vCPU.
    ctx = context(account, "go-api", {"MaxTasks": "40", "TaskSize": "1024x2048"})
    low = quota_results(account, ctx, [(ON_DEMAND, 79.0)])["quota:FARGATE"]
    assert low.status == "fail" and "needs 80" in low.detail
    assert "40 tasks x 200 % = 80 x 1 vCPU" in low.detail
    assert low.fix == (
        f"aws service-quotas request-service-quota-increase --service-code fargate --quota-code {ON_DEMAND} "
        "--desired-value 80"
    )
    assert quota_results(account, ctx, [(ON_DEMAND, 80.0)])["quota:FARGATE"].status == "pass"


def test_quota_rounds_a_fraction_of_a_vcpu_up(account):
    # 5 tasks x 200 % = 10 tasks of 0.25 vCPU (256x512): 2.5 vCPU needs a quota of 3.
    ctx = context(account, "go-api", {"MaxTasks": "5", "MinTasks": "1", "TaskSize": "256x512"})
    assert "needs 3" in quota_results(account, ctx, [(ON_DEMAND, 2.0)])["quota:FARGATE"].detail
    assert quota_results(account, ctx, [(ON_DEMAND, 2.0)])["quota:FARGATE"].status == "fail"
    assert quota_results(account, ctx, [(ON_DEMAND, 3.0)])["quota:FARGATE"].status == "pass"


def test_spot_quota_fails_below_and_passes_at_the_need(account):
    # platform dev (docs/platform.md): two services of up to 10 tasks of 0.5 vCPU; a release
    # peaks at 150 % for AgentCore (15 tasks) and 200 % for the BFF (20 tasks). One task of each
    # is the on-demand base, the rest 70/30: AgentCore 1 + 14 x 0.7 = 10.8 on demand and 4.2 on
    # Spot, the BFF 1 + 19 x 0.7 = 14.3 and 5.7. At 0.5 vCPU: 12.55 -> 13 vCPU on demand and
    # 4.95 -> 5 on Spot (a quota counts whole vCPUs).
    ctx = context(account, "platform", {"Environment": "dev"})
    results = quota_results(account, ctx, [(ON_DEMAND, 4000.0), (SPOT, 4.0)])
    assert results["quota:FARGATE"].status == "pass" and "needs 13" in results["quota:FARGATE"].detail
    spot = results["quota:FARGATE_SPOT"]
    assert spot.status == "fail" and "needs 5" in spot.detail
    assert f"--quota-code {SPOT} --desired-value 5" in spot.fix
    results = quota_results(account, ctx, [(ON_DEMAND, 4000.0), (SPOT, 5.0)])
    assert results["quota:FARGATE_SPOT"].status == "pass"


def test_unreadable_quota_is_a_skip(account):
    ctx = context(account, "go-api", {})
    result = quota_results(account, ctx, [(ON_DEMAND, None)])["quota:FARGATE"]
    assert result.status == "skip" and "NoSuchResourceException" in result.detail


def test_service_linked_role(account):
    ctx = context(account, "go-api", {})
    iam = account.client("iam")
    with Stubber(iam) as stub:
        expected = {"RoleName": "AWSServiceRoleForECS"}
        stub.add_client_error("get_role", "NoSuchEntity", "The role cannot be found", 404, None, expected)
        assert compute.service_linked_role(ctx)[0].status == "fail"
    with Stubber(iam) as stub:
        stub.add_client_error("get_role", "AccessDenied", "not authorized", 403)
        with pytest.raises(NoPermission, match="iam:GetRole"):
            compute.service_linked_role(ctx)


def test_no_permission_skips_only_that_check(account, monkeypatch):
    ctx = context(account, "go-api", {"SubnetIds": "subnet-0123456789abcdef0"})

    def denied(_ctx):
        raise NoPermission("ec2:DescribeVpcs")

    def allowed(_ctx):
        return [preflight.skipped("other", "ran")]

    monkeypatch.setattr(preflight, "ACCOUNT_CHECKS", [("vpc.dns", denied), ("other", allowed)])
    assert [(r.check, r.status, r.detail) for r in preflight.account_checks(ctx, {}, [])] == [
        ("vpc.dns", "skip", "no permission: ec2:DescribeVpcs"),
        ("other", "skip", "ran"),
    ]


# --- The stack's state (--stack): states moto cannot reach, as DescribeStacks answers them --
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html


def stack_result(account, status: str, name: str = "go-api-dev"):
    ctx = context(account, "go-api", {})
    ctx.stack = name
    answer = {"Stacks": [{"StackName": name, "StackStatus": status, "CreationTime": CREATED}]}
    with Stubber(account.client("cloudformation")) as stub:
        stub.add_response("describe_stacks", answer, {"StackName": name})
        results = stack.stack_state(ctx) + stack.leftover_log_groups(ctx)
        stub.assert_no_pending_responses()
    return {r.check: r for r in results}


DELETE_AND_WAIT = (
    "aws cloudformation delete-stack --stack-name go-api-dev && "
    "aws cloudformation wait stack-delete-complete --stack-name go-api-dev"
)


@pytest.mark.parametrize(
    ("status", "fix"),
    [
        # A first create that rolled back: deploy would try an update and be refused.
        ("ROLLBACK_COMPLETE", DELETE_AND_WAIT),
        ("CREATE_IN_PROGRESS", "aws cloudformation wait stack-create-complete --stack-name go-api-dev"),
        ("UPDATE_IN_PROGRESS", "aws cloudformation wait stack-update-complete --stack-name go-api-dev"),
        ("UPDATE_ROLLBACK_IN_PROGRESS", "aws cloudformation wait stack-rollback-complete --stack-name go-api-dev"),
        ("DELETE_IN_PROGRESS", "aws cloudformation wait stack-delete-complete --stack-name go-api-dev"),
        ("ROLLBACK_IN_PROGRESS", "describe-stacks --stack-name go-api-dev --query Stacks[0].StackStatus"),
        ("UPDATE_ROLLBACK_FAILED", "aws cloudformation continue-update-rollback --stack-name go-api-dev"),
        ("ROLLBACK_FAILED", DELETE_AND_WAIT),
        ("DELETE_FAILED", DELETE_AND_WAIT),
        ("UPDATE_FAILED", "aws cloudformation rollback-stack --stack-name go-api-dev"),
    ],
)
def test_stack_states_a_deploy_cannot_proceed_from_fail(account, status, fix):
    results = stack_result(account, status)
    assert results["stack"].status == "fail", results["stack"]
    assert results["stack"].detail.startswith(f"go-api-dev is {status}: ")
    assert fix in results["stack"].fix
    # The stack exists: its log groups are not leftovers of another.
    assert results["leftover-log-groups"].status == "skip"


def test_rollback_complete_says_why_it_cannot_be_updated(account):
    result = stack_result(account, "ROLLBACK_COMPLETE")["stack"]
    assert "cannot be updated, only deleted" in result.detail


@pytest.mark.parametrize(
    "status",
    ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"],
)
def test_stack_states_deploy_updates_from_pass(account, status):
    result = stack_result(account, status)["stack"]
    assert (result.status, result.detail) == ("pass", f"go-api-dev is {status}: deploy updates it")


def test_a_deleted_or_never_created_stack_is_created(account):
    ctx = context(account, "go-api", {})
    ctx.stack = "go-api-dev"
    with Stubber(account.client("cloudformation")) as stub:
        stub.add_client_error("describe_stacks", "ValidationError", "Stack with id go-api-dev does not exist", 400)
        (result,) = stack.stack_state(ctx)
    assert (result.status, result.detail) == ("pass", "no stack named go-api-dev: deploy creates it")


# --- The bucket's region: GetBucketLocation's old "EU" -------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html


def test_a_bucket_located_eu_is_in_eu_west_1(account):
    ctx = context(account, "platform", {"Environment": "dev", "KnowledgeBaseBucketName": "old-eu-bucket"})
    with Stubber(account.client("s3")) as stub:
        stub.add_response("head_bucket", {}, {"Bucket": "old-eu-bucket"})
        stub.add_response("get_bucket_location", {"LocationConstraint": "EU"}, {"Bucket": "old-eu-bucket"})
        (result,) = artifacts.bucket(ctx)
        stub.assert_no_pending_responses()
    assert result.status == "fail" and result.detail.startswith("old-eu-bucket is in eu-west-1, not us-east-1"), result
    assert "--region us-east-1" in result.fix


# --- AWS errors no check expects: a skip naming the error, or one line and exit 2 ----------


def test_an_unusual_aws_error_skips_only_its_check(account, monkeypatch):
    ctx = context(account, "go-api", {"VpcId": VPC})

    def other(_ctx):
        return [preflight.skipped("other", "ran")]

    monkeypatch.setattr(preflight, "ACCOUNT_CHECKS", [("vpc.dns", network.vpc_dns), ("other", other)])
    with Stubber(account.client("ec2")) as stub:
        stub.add_client_error("describe_vpcs", "InternalFailure", "We encountered an internal error.", 500)
        results = preflight.account_checks(ctx, {}, [])
        stub.assert_no_pending_responses()
    # Not "VPC does not exist": an internal failure says nothing about the VPC.
    assert [(r.check, r.status, r.detail) for r in results] == [
        ("vpc.dns", "skip", "AWS error: DescribeVpcs: InternalFailure: We encountered an internal error."),
        ("other", "skip", "ran"),
    ]


def read_timeout(operation_name, _arguments):
    raise botocore.exceptions.ReadTimeoutError(endpoint_url="https://ec2.us-east-1.amazonaws.com/")


def test_a_read_timeout_is_one_line_and_exit_2(account, monkeypatch, capsys):
    monkeypatch.setattr(preflight, "Account", lambda: account)
    # Every EC2 request times out, whichever the account part makes first.
    monkeypatch.setattr(account.client("ec2"), "_make_api_call", read_timeout)
    assert preflight.main(["go-api", str(ROOT / "params" / "go-api.dev.json")]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if not line.startswith("checking")]
    assert len(lines) == 1, captured.err
    assert re.fullmatch(
        r"preflight: ec2:Describe\w+: no answer from https://ec2\.us-east-1\.amazonaws\.com/ within 30 s: "
        r"check the network and run again",
        lines[0],
    ), lines[0]
    assert captured.out == ""


def test_a_request_botocore_refuses_is_one_aws_error_naming_the_operation(account):
    # An invalid bucket name never leaves botocore (ParamValidationError, several lines).
    ctx = context(account, "platform", {"Environment": "dev", "KnowledgeBaseBucketName": "bad/name"})
    with pytest.raises(AwsError) as raised:
        artifacts.bucket(ctx)
    assert str(raised.value).startswith("s3:HeadBucket: Parameter validation failed: Invalid bucket name")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("check", "operation", "parameters"),
    [
        (network.security_groups, "describe_security_groups", {"AppSecurityGroupId": "sg-0123456789abcdef0"}),
        (network.prefix_list, "describe_prefix_lists", {"S3PrefixListId": "pl-63a5400a"}),
    ],
    ids=["security-group", "prefix-list"],
)
def test_an_internal_failure_is_not_reported_as_a_missing_resource(account, check, operation, parameters):
    ctx = context(account, "platform" if "S3PrefixListId" in parameters else "go-api", {"VpcId": VPC, **parameters})
    with Stubber(account.client("ec2")) as stub:
        stub.add_client_error(operation, "InternalFailure", "We encountered an internal error.", 500)
        with pytest.raises(botocore.exceptions.ClientError):
            check(ctx)
    # The same call answering "no such thing" is a failure of the check, naming the value.
    with Stubber(account.client("ec2")) as stub:
        code = "InvalidGroup.NotFound" if "security" in operation else "InvalidPrefixListId.NotFound"
        stub.add_client_error(operation, code, "not found", 400)
        (result,) = check(ctx)
    assert result.status == "fail" and next(iter(parameters.values())) in result.detail


# --- The cluster's states (API_Cluster.html: ACTIVE, PROVISIONING, DEPROVISIONING, FAILED, INACTIVE) --


@pytest.mark.parametrize(
    ("status", "result", "fix"),
    [
        ("ACTIVE", "pass", ""),
        ("PROVISIONING", "fail", "wait until aws ecs describe-clusters --clusters existing"),
        ("DEPROVISIONING", "fail", "wait until aws ecs describe-clusters --clusters existing"),
        ("FAILED", "fail", "set ExistingClusterName to an ACTIVE cluster"),
        ("INACTIVE", "fail", "set ExistingClusterName to an ACTIVE cluster"),
    ],
)
def test_only_an_active_cluster_takes_the_service(account, status, result, fix):
    ctx = finfocus(account, ExistingClusterName="existing")
    cluster = {"clusterName": "existing", "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/existing"}
    with Stubber(account.client("ecs")) as stub:
        stub.add_response(
            "describe_clusters", {"clusters": [{**cluster, "status": status}]}, {"clusters": ["existing"]}
        )
        (found,) = compute.cluster(ctx)
    assert (found.status, found.fix.startswith(fix)) == (result, True), found


# --- Where a default route goes (API_Route.html): verifiable, unverifiable, broken --------------


@pytest.mark.parametrize(
    ("route", "public_ip", "way"),
    [
        ({"NatGatewayId": "nat-0123456789abcdef0", "State": "active"}, "DISABLED", "nat"),
        ({"GatewayId": "igw-0123456789abcdef0", "State": "active"}, "ENABLED", "internet"),
        ({"GatewayId": "igw-0123456789abcdef0", "State": "active"}, "DISABLED", "public-without-ip"),
        ({"TransitGatewayId": "tgw-0123456789abcdef0", "State": "active"}, "DISABLED", "unverifiable"),
        ({"GatewayId": "vpce-0123456789abcdef0", "State": "active"}, "DISABLED", "unverifiable"),
        ({"NetworkInterfaceId": "eni-0123456789abcdef0", "State": "active"}, "DISABLED", "unverifiable"),
        (
            {"InstanceId": "i-0123456789abcdef0", "NetworkInterfaceId": "eni-0123", "State": "active"},
            "DISABLED",
            "unverifiable",
        ),
        ({"VpcPeeringConnectionId": "pcx-0123456789abcdef0", "State": "active"}, "DISABLED", "unverifiable"),
        ({"GatewayId": "vgw-0123456789abcdef0", "State": "active"}, "DISABLED", "unverifiable"),
        # A route whose target was deleted stays in the table as a blackhole.
        ({"NatGatewayId": "nat-0123456789abcdef0", "State": "blackhole"}, "DISABLED", "blackhole"),
        ({"GatewayId": "igw-0123456789abcdef0", "State": "blackhole"}, "ENABLED", "blackhole"),
    ],
)
def test_egress_names_where_the_default_route_goes(route, public_ip, way):
    table = {"RouteTableId": "rtb-0123", "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", **route}]}
    assert network.egress(table, public_ip).way == way
    assert network.egress({"RouteTableId": "rtb-0", "Routes": []}, public_ip).way == "none"


SUBNET = {"SubnetId": "subnet-0123456789abcdef0", "VpcId": VPC, "AvailabilityZone": "us-east-1a"}


def routed(account, route: dict, endpoints: list) -> list:
    """image_routes for a go-api subnet whose route table has ``route`` as its default route."""
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1.0.0"
    values = {"VpcId": VPC, "SubnetIds": SUBNET["SubnetId"], "AssignPublicIp": "DISABLED", "ImageUri": image}
    ctx = context(account, "go-api", values)
    ctx._subnets[SUBNET["SubnetId"]] = SUBNET
    table = {"RouteTableId": "rtb-0123", "VpcId": VPC, "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", **route}]}
    with Stubber(account.client("ec2")) as stub:
        stub.add_response("describe_route_tables", {"RouteTables": [table]})
        stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": endpoints})
        return network.image_routes(ctx)


def test_a_blackhole_default_route_fails_with_the_command_that_replaces_it(account):
    (result,) = routed(account, {"NatGatewayId": "nat-0123456789abcdef0", "State": "blackhole"}, [])
    assert result.status == "fail", result
    assert "the default route of rtb-0123 to nat-0123456789abcdef0 is a blackhole" in result.detail
    assert result.fix.startswith("point the route at a working target: aws ec2 replace-route --route-table-id")


def test_egress_through_a_transit_gateway_cannot_be_verified_from_here(account):
    (result,) = routed(account, {"TransitGatewayId": "tgw-0123456789abcdef0", "State": "active"}, [])
    assert result.status == "warn", result
    assert (
        result.detail.startswith("cannot verify from here: ")
        and "transit gateway tgw-0123456789abcdef0" in result.detail
    )
    assert "aws ecs execute-command" in result.fix


def test_a_blackhole_does_not_matter_when_the_ecr_endpoints_are_there(account):
    interface = {"VpcEndpointType": "Interface", "State": "available", "PrivateDnsEnabled": True}
    endpoints = [
        {**interface, "ServiceName": f"com.amazonaws.us-east-1.{name}"} for name in ("ecr.api", "ecr.dkr", "logs")
    ]
    endpoints.append(
        {"VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.us-east-1.s3", "RouteTableIds": ["rtb-0123"]}
    )
    (result,) = routed(account, {"NatGatewayId": "nat-0", "State": "blackhole"}, endpoints)
    assert (result.status, result.detail) == ("pass", "images reachable through VPC endpoints")


# --- The knowledge-base bucket's default encryption (API_GetBucketEncryption.html) -------------

CUSTOMER_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def encryption(algorithm: str, key: str | None = None) -> dict:
    default = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": key} if key else {})}
    return {"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}}


def bucket_results(account, given_key: str, answer: dict | None) -> dict:
    ctx = context(
        account,
        "platform",
        {"Environment": "dev", "KnowledgeBaseBucketName": "kb-bucket", "KnowledgeBaseKmsKeyArn": given_key},
    )
    with Stubber(account.client("s3")) as stub:
        stub.add_response("head_bucket", {}, {"Bucket": "kb-bucket"})
        stub.add_response("get_bucket_location", {}, {"Bucket": "kb-bucket"})  # null: us-east-1
        if answer is None:
            stub.add_client_error(
                "get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError", "none", 404
            )
        else:
            stub.add_response("get_bucket_encryption", answer, {"Bucket": "kb-bucket"})
        results = {r.check: r for r in artifacts.bucket(ctx)}
        stub.assert_no_pending_responses()
    return results


@pytest.mark.parametrize(
    ("given", "answer", "status", "says"),
    [
        ("", None, "pass", "S3's own key"),
        ("", encryption("AES256"), "pass", "S3's own key"),
        ("", encryption("aws:kms"), "pass", "S3's own key"),
        ("", encryption("aws:kms", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3"), "pass", "S3's own key"),
        ("", encryption("aws:kms", CUSTOMER_KEY), "fail", f"encrypted with the customer-managed key {CUSTOMER_KEY}"),
        ("", encryption("aws:kms:dsse", CUSTOMER_KEY), "fail", "customer-managed key"),
        (CUSTOMER_KEY, encryption("aws:kms", CUSTOMER_KEY), "pass", "given as KnowledgeBaseKmsKeyArn"),
        # The bucket may name its key by ID: the given ARN ends in it.
        (CUSTOMER_KEY, encryption("aws:kms", "1234abcd-12ab-34cd-56ef-1234567890ab"), "pass", "given as"),
        (
            CUSTOMER_KEY.replace("1234abcd", "9999abcd"),
            encryption("aws:kms", CUSTOMER_KEY),
            "fail",
            f"but kb-bucket is encrypted with {CUSTOMER_KEY}",
        ),
        (CUSTOMER_KEY, encryption("aws:kms", "alias/knowledge-base"), "warn", "an alias"),
    ],
)
def test_a_customer_managed_bucket_key_needs_the_key_parameter(account, given, answer, status, says):
    result = bucket_results(account, given, answer)["bucket.encryption"]
    assert result.status == status, result
    assert says in result.detail
    if status == "fail":
        assert result.fix.startswith("set KnowledgeBaseKmsKeyArn to the")
        assert "aws kms describe-key --key-id" in result.fix


# --- Cloud Map names: a service in an existing namespace, a namespace in the VPC --------------


def service_names(account, existing: dict[str, str], stack_name: str | None = None, own: str | None = None):
    ctx = finfocus(account, DiscoveryServiceName="aws-public")
    ctx.stack = stack_name
    only = [{"Name": "NAMESPACE_ID", "Values": [NAMESPACE], "Condition": "EQ"}]
    services = [{"Id": service_id, "Name": name} for name, service_id in existing.items()]
    with Stubber(account.client("servicediscovery")) as stub, Stubber(account.client("cloudformation")) as cfn:
        if stack_name:
            stack = {"StackName": stack_name, "StackStatus": "UPDATE_COMPLETE", "CreationTime": CREATED}
            cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": stack_name})
        stub.add_response("list_services", {"Services": services}, {"Filters": only})
        if stack_name:
            detail = {
                "LogicalResourceId": "DiscoveryService",
                "PhysicalResourceId": own,
                "ResourceType": "AWS::ServiceDiscovery::Service",
                "LastUpdatedTimestamp": CREATED,
                "ResourceStatus": "UPDATE_COMPLETE",
            }
            cfn.add_response(
                "describe_stack_resource",
                {"StackResourceDetail": detail},
                {"StackName": stack_name, "LogicalResourceId": "DiscoveryService"},
            )
        (result,) = discovery.service_name_free(ctx)
        stub.assert_no_pending_responses()
        cfn.assert_no_pending_responses()
    return result


def test_a_service_name_taken_in_the_existing_namespace_fails(account):
    result = service_names(account, {"aws-public": "srv-0123456789abcdef", "other": "srv-1"})
    assert result.status == "fail"
    assert result.detail == f"{NAMESPACE} already has a service aws-public (srv-0123456789abcdef): creating it fails"
    assert result.fix.startswith("set DiscoveryServiceName to a name the namespace does not have")
    assert "aws servicediscovery delete-service --id srv-0123456789abcdef" in result.fix


def test_a_free_service_name_and_the_stacks_own_service_pass(account):
    assert service_names(account, {"other": "srv-1"}).status == "pass"
    own = service_names(account, {"aws-public": "srv-0123456789abcdef"}, "plugin-dev", "srv-0123456789abcdef")
    assert (own.status, own.detail) == ("pass", "aws-public (srv-0123456789abcdef) is this stack's own service")
    other = service_names(account, {"aws-public": "srv-0123456789abcdef"}, "plugin-dev", "srv-fedcba9876543210")
    assert other.status == "fail"
