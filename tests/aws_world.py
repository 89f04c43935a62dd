"""A small account on moto_server: the resources the three templates expect to find."""

import functools
import json

import boto3

REGION = "us-east-1"
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1,
            "digest": "sha256:" + "a" * 64,
        },
        "layers": [],
    }
)


# The API name of every operation called through session(), in order; a test clears it first.
CALLED: list[str] = []


@functools.cache
def session() -> boto3.Session:
    """One session for all the tests: botocore parses each service model once per session
    (a client of ec2 costs a tenth of a second the first time, a hundredth after)."""
    shared = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    # Clients copy the session's handlers when they are made, so this is registered first.
    shared.events.register("before-call.*.*", lambda model, **_: CALLED.append(model.name))
    return shared


def build(endpoint: str, s: boto3.Session | None = None) -> dict:
    """Create the resources; returns their IDs by role. A session shared with the tests
    that read the world saves loading each service model twice."""
    s = s or session()
    ec2 = s.client("ec2", endpoint_url=endpoint)
    ids = {}
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
    ids["vpc"] = vpc

    def subnet(cidr, zone, vpc_id=vpc):
        return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]

    def table(subnets, vpc_id=vpc):
        table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        for subnet_id in subnets:
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
        return table_id

    ids["public"] = [subnet("10.0.1.0/24", "us-east-1a"), subnet("10.0.2.0/24", "us-east-1b")]
    ids["nat"] = [subnet("10.0.11.0/24", "us-east-1a"), subnet("10.0.12.0/24", "us-east-1b")]
    ids["isolated"] = [subnet("10.0.21.0/24", "us-east-1a"), subnet("10.0.22.0/24", "us-east-1b")]
    ids["one_zone"] = [subnet("10.0.31.0/24", "us-east-1a"), subnet("10.0.32.0/24", "us-east-1a")]
    ids["tiny"] = [subnet("10.0.40.0/28", "us-east-1a"), subnet("10.0.40.16/28", "us-east-1b")]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_table = table(ids["public"] + ids["one_zone"] + ids["tiny"])
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=ids["public"][0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    nat_table = table(ids["nat"])
    ec2.create_route(RouteTableId=nat_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    isolated_table = table(ids["isolated"])
    ids["isolated_table"] = isolated_table
    # Egress through a transit gateway (to a central inspection VPC, say): it may well work,
    # but nothing in this account's API shows where it leads.
    ids["tgw"] = [subnet("10.0.51.0/24", "us-east-1a"), subnet("10.0.52.0/24", "us-east-1b")]
    transit = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_route(RouteTableId=table(ids["tgw"]), DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=transit)

    def group(name, vpc_id=vpc):
        return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]

    ids["app_sg"], ids["alb_sg"], ids["endpoint_sg"], ids["rds_sg"] = map(group, ["app", "alb", "endpoints", "rds"])

    def https_from(endpoint_group, *, groups=(), cidrs=()):
        permission = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
        permission["UserIdGroupPairs"] = [{"GroupId": g} for g in groups]
        permission["IpRanges"] = [{"CidrIp": c} for c in cidrs]
        ec2.authorize_security_group_ingress(GroupId=endpoint_group, IpPermissions=[permission])

    # As the prerequisites' endpoints do: HTTPS from the whole VPC (private DNS sends every caller there).
    https_from(ids["endpoint_sg"], cidrs=["10.0.0.0/16"])
    # ssmmessages: the Session Manager channel of ECS Exec.
    for service in ("ecr.api", "ecr.dkr", "logs", "ssm", "bedrock-runtime", "bedrock-agent-runtime", "ssmmessages"):
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            VpcEndpointType="Interface",
            ServiceName=f"com.amazonaws.{REGION}.{service}",
            SubnetIds=ids["isolated"],
            SecurityGroupIds=[ids["endpoint_sg"]],
            PrivateDnsEnabled=True,
        )
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        VpcEndpointType="Gateway",
        ServiceName=f"com.amazonaws.{REGION}.s3",
        RouteTableIds=[isolated_table, nat_table],
    )
    prefix_lists = {p["PrefixListName"]: p["PrefixListId"] for p in ec2.describe_prefix_lists()["PrefixLists"]}
    ids["s3_prefix_list"] = prefix_lists[f"com.amazonaws.{REGION}.s3"]
    ids["other_prefix_list"] = next(v for k, v in prefix_lists.items() if not k.endswith(".s3"))

    # A second VPC with DNS off (the default for a new VPC is support on, hostnames off).
    dark = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=dark, EnableDnsHostnames={"Value": False})
    ids["dark_vpc"] = dark
    ids["dark_subnets"] = [subnet("10.9.1.0/24", "us-east-1a", dark), subnet("10.9.2.0/24", "us-east-1b", dark)]
    ids["dark_sg"] = group("elsewhere", dark)
    # Its only endpoint has private DNS off: the ECR API name still resolves to the public
    # address, so for the tasks it is as good as missing.
    ec2.create_vpc_endpoint(
        VpcId=dark,
        VpcEndpointType="Interface",
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        SubnetIds=ids["dark_subnets"],
        SecurityGroupIds=[ids["dark_sg"]],
        PrivateDnsEnabled=False,
    )

    # A VPC whose endpoints (private DNS on) admit only some of its tasks: the group closed_app,
    # and the first subnet's range. Its subnets reach the internet: private DNS still sends
    # the calls to the endpoints. ssmmessages has a group of its own that admits nothing.
    closed = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=closed, **{attribute: {"Value": True}})
    ids["closed_vpc"] = closed
    ids["closed"] = [subnet("10.8.1.0/24", "us-east-1a", closed), subnet("10.8.2.0/24", "us-east-1b", closed)]
    ids["closed_first"] = ids["closed"][:1]
    closed_gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=closed_gateway, VpcId=closed)
    closed_table = table(ids["closed"], closed)
    ec2.create_route(RouteTableId=closed_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=closed_gateway)
    for role in ("closed_app_sg", "closed_other_sg", "closed_endpoint_sg", "closed_exec_sg"):
        ids[role] = group(role, closed)
    https_from(ids["closed_endpoint_sg"], groups=[ids["closed_app_sg"]], cidrs=["10.8.1.0/24"])
    for service, endpoint_group in (
        ("logs", "closed_endpoint_sg"),
        ("ecr.api", "closed_endpoint_sg"),
        ("ecr.dkr", "closed_endpoint_sg"),
        ("ssm", "closed_endpoint_sg"),
        ("ssmmessages", "closed_exec_sg"),
    ):
        ec2.create_vpc_endpoint(
            VpcId=closed,
            VpcEndpointType="Interface",
            ServiceName=f"com.amazonaws.{REGION}.{service}",
            SubnetIds=ids["closed"],
            SecurityGroupIds=[ids[endpoint_group]],
            PrivateDnsEnabled=True,
        )

    elbv2 = s.client("elbv2", endpoint_url=endpoint)
    alb = elbv2.create_load_balancer(Name="public", Subnets=ids["public"], SecurityGroups=[ids["alb_sg"]])
    alb_arn = alb["LoadBalancers"][0]["LoadBalancerArn"]

    def target_group(name, kind="ip", vpc_id=vpc):
        return elbv2.create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=vpc_id, TargetType=kind)[
            "TargetGroups"
        ][0]["TargetGroupArn"]

    ids["tg"] = target_group("go-api")
    ids["tg_instance"] = target_group("by-instance", "instance")
    ids["tg_alb"] = target_group("to-alb", "alb")  # neither ip nor instance: a service cannot use it either
    ids["tg_loose"] = target_group("no-listener")
    ids["listener"] = elbv2.create_listener(
        LoadBalancerArn=alb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": ids["tg"]}],
    )["Listeners"][0]["ListenerArn"]
    elbv2.create_listener(
        LoadBalancerArn=alb_arn,
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": ids["tg_instance"]}],
    )
    elbv2.create_rule(
        ListenerArn=ids["listener"],
        Priority=50,
        Conditions=[{"Field": "path-pattern", "Values": ["/taken/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": ids["tg"]}],
    )

    ecr = s.client("ecr", endpoint_url=endpoint)
    for repository in ("go-api", "bidopsai/app", "bidopsai/agent"):
        ecr.create_repository(repositoryName=repository)
        ecr.put_image(repositoryName=repository, imageManifest=MANIFEST, imageTag="v1.0.0")
    s3 = s.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket="knowledge-base-dev")
    # A bucket whose default encryption is a customer-managed key.
    s3.create_bucket(Bucket="knowledge-base-kms")
    ids["kms_key"] = s.client("kms", endpoint_url=endpoint).create_key()["KeyMetadata"]["Arn"]
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": ids["kms_key"]}
    s3.put_bucket_encryption(
        Bucket="knowledge-base-kms",
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )
    s.client("s3", endpoint_url=endpoint, region_name="eu-west-1").create_bucket(
        Bucket="knowledge-base-ireland", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    ssm = s.client("ssm", endpoint_url=endpoint)
    for name in ("database-url", "session-secret", "agentcore-api-key"):
        ssm.put_parameter(Name=f"/bidopsai/dev/{name}", Type="SecureString", Value="x")
    ssm.put_parameter(Name="/half/dev/database-url", Type="SecureString", Value="x")
    # moto's CreateServiceLinkedRole names the role AWSServiceRoleForecs; AWS names it AWSServiceRoleForECS.
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    s.client("iam", endpoint_url=endpoint).create_role(
        RoleName="AWSServiceRoleForECS",
        Path="/aws-service-role/ecs.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(trust),
    )
    ecs = s.client("ecs", endpoint_url=endpoint)
    ecs.create_cluster(clusterName="existing")
    ecs.create_cluster(clusterName="gone")
    ecs.delete_cluster(cluster="gone")
    # A private hosted zone some other stack associated with the VPC: a namespace of its name fails.
    s.client("route53", endpoint_url=endpoint).create_hosted_zone(
        Name="taken.platform.local",
        CallerReference="another-stack",
        VPC={"VPCRegion": REGION, "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True, "Comment": "made by another stack"},
    )
    discovery = s.client("servicediscovery", endpoint_url=endpoint)
    discovery.create_private_dns_namespace(Name="finfocus.local", Vpc=vpc)
    discovery.create_http_namespace(Name="http-only")
    namespaces = {n["Name"]: n["Id"] for n in discovery.list_namespaces()["Namespaces"]}
    ids["namespace"], ids["http_namespace"] = namespaces["finfocus.local"], namespaces["http-only"]
    # An alarm topic encrypted with a customer managed key (moto's default key policy).
    key = s.client("kms", endpoint_url=endpoint).create_key(Description="alarm topic")["KeyMetadata"]["Arn"]
    sns = s.client("sns", endpoint_url=endpoint)
    ids["alarm_topic"] = sns.create_topic(Name="on-call", Attributes={"KmsMasterKeyId": key})["TopicArn"]
    ids["alarm_topic_key"] = key
    return ids
