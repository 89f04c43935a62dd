"""A stack's monthly cost, read from its resolved resources: what it creates and what it causes.

Resource-driven: each priced thing is found by resource type and properties (task sizes,
task counts and capacity strategies, public IPs, alarms, log groups, namespaces, NAT
gateways, endpoints, load balancers, keys), never by knowing which template it is. A month
is :data:`catalogue.HOURS_PER_MONTH` hours.
"""

from dataclasses import dataclass, field, replace

from ..shared.capacity import split
from ..shared.report import counted
from . import catalogue
from .prices import Snapshot

HOURS = catalogue.HOURS_PER_MONTH
ON_DEMAND, SPOT = "FARGATE", "FARGATE_SPOT"
FARGATE_GROUP, FARGATE_SPOT_GROUP = "Fargate on-demand", "Fargate Spot"
# Fargate includes this much ephemeral storage in every task; more is charged per GB-hour.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-storage.html
INCLUDED_STORAGE_GB = 20
# Target tracking makes two alarms per policy, one to scale out and one to scale in, and
# they are charged like any alarm (templates/parts/scaling.py). Both exist only while
# scale-in is allowed; a policy with DisableScaleIn has one.
# https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html
TARGET_TRACKING_ALARMS = 2
# Container Insights publishes its ECS metrics as custom metrics in ECS/ContainerInsights,
# charged per metric. AWS lists 16 metric names for ECS (ContainerInstanceCount ... TaskSetCount,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/appinsights-metrics-ecs.html);
# assumed: each of them once per cluster and once per service. An approximation: the exact
# count depends on the dimensions CloudWatch keeps for each.
INSIGHTS_METRICS_PER_CLUSTER = 16
INSIGHTS_METRICS_PER_SERVICE = 16
# Retention days of CloudWatch Logs as a fraction of a month: steady-state storage is the
# monthly ingestion times retention / 30.42 days (uncompressed, so an upper bound).
DAYS_PER_MONTH = 365 / 12


@dataclass(frozen=True)
class Assumptions:
    """What a template cannot say: usage. Each is a command option with this default."""

    spot_discount: float = 0.70  # Fargate Spot's price below on-demand ("up to 70 %", no fixed list price)
    log_gb_per_task: float = 1.0  # CloudWatch Logs ingested per running task per month
    data_gb: float = 0.0  # GB a month through each NAT gateway and each interface endpoint
    alb_lcu: float = 1.0  # capacity units an Application Load Balancer uses on average
    stored_gb: float = 1.0  # GB kept in each S3 bucket and each ECR repository


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    unit_usd: float
    group: str = "Other"  # what the chart stacks it under

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_usd


@dataclass
class Estimate:
    lines: list[Line]
    monthly_usd_min: float
    monthly_usd_max: float
    tasks_min: int
    tasks_max: int
    relies_on: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Service:
    """An ECS service's running tasks: counts, size, architecture and placement."""

    title: str
    tasks_min: int
    tasks_max: int
    vcpu: float
    memory_gb: float
    storage_gb: float
    architecture: str
    strategy: tuple  # ((provider, base, weight), ...)
    public_ip: bool
    registered: bool
    log_group: str | None
    cluster: str | None


class Model:
    """``capacity`` replaces every service's capacity strategy: a what-if for a template
    whose strategy is not a parameter (((provider, base, weight), ...))."""

    def __init__(
        self, resources: dict, snapshot: Snapshot, region: str, assumptions: Assumptions, capacity: tuple | None = None
    ):
        self.resources = resources
        self.snapshot = snapshot
        self.region = region
        self.assumptions = assumptions
        self.capacity = capacity

    def price(self, key: str) -> float:
        return self.snapshot.price(self.region, key)

    def of_type(self, kind: str) -> dict:
        return {title: body for title, body in self.resources.items() if body["Type"] == kind}

    def estimate(self) -> Estimate:
        services = self.services()
        at_min = self.lines(services, "min")
        at_max = self.lines(services, "max")
        return Estimate(
            lines=at_min,
            monthly_usd_min=sum(line.monthly_usd for line in at_min),
            monthly_usd_max=sum(line.monthly_usd for line in at_max),
            tasks_min=sum(service.tasks_min for service in services),
            tasks_max=sum(service.tasks_max for service in services),
            relies_on=self.relies_on(services),
        )

    # --- What runs -------------------------------------------------------------------

    def services(self) -> list[Service]:
        clusters = self.of_type("AWS::ECS::Cluster")
        found = []
        for title, body in self.of_type("AWS::ECS::Service").items():
            properties = body["Properties"]
            task = self.referenced(properties.get("TaskDefinition"), "AWS::ECS::TaskDefinition")
            task_properties = self.resources[task]["Properties"] if task else {}
            cluster = self.referenced(properties.get("Cluster"), "AWS::ECS::Cluster")
            low, high = self.task_counts(title, properties)
            network = properties.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
            found.append(
                Service(
                    title=title,
                    tasks_min=low,
                    tasks_max=high,
                    vcpu=int(task_properties.get("Cpu", 256)) / 1024,
                    memory_gb=int(task_properties.get("Memory", 512)) / 1024,
                    storage_gb=float(task_properties.get("EphemeralStorage", {}).get("SizeInGiB", INCLUDED_STORAGE_GB)),
                    architecture=task_properties.get("RuntimePlatform", {}).get("CpuArchitecture", "X86_64"),
                    strategy=self.strategy(properties, clusters.get(cluster, {}).get("Properties", {})),
                    public_ip=network.get("AssignPublicIp") == "ENABLED",
                    registered=bool(properties.get("ServiceRegistries")),
                    log_group=self.log_group(task_properties),
                    cluster=cluster,
                )
            )
        return found

    def task_counts(self, service: str, properties: dict) -> tuple[int, int]:
        """Auto-scaling's minimum and maximum when a scalable target names the service, else its count."""
        for body in self.of_type("AWS::ApplicationAutoScaling::ScalableTarget").values():
            target = body["Properties"]
            if target.get("ServiceNamespace") == "ecs" and service in names_in(target.get("ResourceId")):
                return int(target["MinCapacity"]), int(target["MaxCapacity"])
        # Without DesiredCount ECS starts one task (templates/parts/service.py).
        count = int(properties.get("DesiredCount", 1))
        return count, count

    def strategy(self, service: dict, cluster: dict) -> tuple:
        if self.capacity is not None:
            return self.capacity
        if "CapacityProviderStrategy" in service:
            items = service["CapacityProviderStrategy"]
        elif service.get("LaunchType") == "FARGATE" or not cluster.get("DefaultCapacityProviderStrategy"):
            items = [{"CapacityProvider": ON_DEMAND, "Weight": 1}]
        else:
            items = cluster["DefaultCapacityProviderStrategy"]
        return tuple((item["CapacityProvider"], int(item.get("Base", 0)), int(item.get("Weight", 0))) for item in items)

    def log_group(self, task: dict) -> str | None:
        for container in task.get("ContainerDefinitions", []):
            options = container.get("LogConfiguration", {}).get("Options", {})
            group = self.referenced(options.get("awslogs-group"), "AWS::Logs::LogGroup")
            if group:
                return group
        return None

    def referenced(self, node, kind: str) -> str | None:
        """The resource of type ``kind`` that ``node`` (a Ref, GetAtt or Fn::If of them) names."""
        return next((name for name in names_in(node) if self.resources.get(name, {}).get("Type") == kind), None)

    # --- What it costs -----------------------------------------------------------------

    def lines(self, services: list[Service], at: str) -> list[Line]:
        lines = []
        for service in services:
            lines += self.compute(service, service.tasks_min if at == "min" else service.tasks_max)
        lines += self.monitoring(services, at)
        lines += self.discovery(services, at)
        lines += self.network()
        lines += self.storage_and_keys()
        return [line for line in lines if line.quantity]

    def compute(self, service: Service, tasks: int) -> list[Line]:
        arch = "arm" if service.architecture == "ARM64" else "x86"
        shares = split(tasks, service.strategy)
        lines = []
        for provider, count in shares.items():
            spot = provider == SPOT
            factor = 1 - self.assumptions.spot_discount if spot else 1.0
            how = f"{arch} {'Spot' if spot else 'on-demand'}, {count:g} x"
            group = FARGATE_SPOT_GROUP if spot else FARGATE_GROUP
            lines.append(
                Line(
                    f"{service.title}: vCPU, {how} {service.vcpu:g} vCPU",
                    count * service.vcpu * HOURS,
                    "vCPU-hour",
                    self.price(f"fargate.{arch}.vcpu") * factor,
                    group,
                )
            )
            lines.append(
                Line(
                    f"{service.title}: memory, {how} {service.memory_gb:g} GB",
                    count * service.memory_gb * HOURS,
                    "GB-hour",
                    self.price(f"fargate.{arch}.memory") * factor,
                    group,
                )
            )
        extra = max(service.storage_gb - INCLUDED_STORAGE_GB, 0)
        lines.append(
            Line(
                f"{service.title}: ephemeral storage over {INCLUDED_STORAGE_GB} GB, {tasks} x {extra:g} GB",
                tasks * extra * HOURS,
                "GB-hour",
                self.price("fargate.storage"),
                FARGATE_GROUP,
            )
        )
        if service.public_ip:
            lines.append(
                Line(
                    f"{service.title}: public IPv4, one per task",
                    tasks * HOURS,
                    "IP-hour",
                    self.price("vpc.public_ipv4"),
                    "Public IPv4",
                )
            )
        return lines

    def monitoring(self, services: list[Service], at: str) -> list[Line]:
        lines = [*self.alarms_and_dashboards(), *self.container_insights(services), *self.logs(services, at)]
        return [replace(line, group="CloudWatch") for line in lines]

    def alarms_and_dashboards(self) -> list[Line]:
        standard = high = 0
        for body in self.of_type("AWS::CloudWatch::Alarm").values():
            metrics, high_resolution = alarm_metrics(body["Properties"])
            if high_resolution:
                high += metrics
            else:
                standard += metrics
        policies = [
            body["Properties"]
            for body in self.of_type("AWS::ApplicationAutoScaling::ScalingPolicy").values()
            if body["Properties"].get("PolicyType") == "TargetTrackingScaling"
        ]
        tracking = sum(
            1 if policy["TargetTrackingScalingPolicyConfiguration"].get("DisableScaleIn") in (True, "true") else 2
            for policy in policies
        )
        return [
            Line("CloudWatch alarms", standard, "alarm-month", self.price("cloudwatch.alarm")),
            Line(
                "CloudWatch alarms, high resolution",
                high,
                "alarm-month",
                self.price("cloudwatch.alarm_high_resolution"),
            ),
            Line(
                f"Target-tracking alarms, {counted(len(policies), 'policy')} x 2",
                tracking,
                "alarm-month",
                self.price("cloudwatch.alarm"),
            ),
            Line(
                "CloudWatch dashboards",
                len(self.of_type("AWS::CloudWatch::Dashboard")),
                "dashboard-month",
                self.price("cloudwatch.dashboard"),
            ),
        ]

    def container_insights(self, services: list[Service]) -> list[Line]:
        lines = []
        for title, body in self.of_type("AWS::ECS::Cluster").items():
            settings = {s.get("Name"): s.get("Value") for s in body["Properties"].get("ClusterSettings", [])}
            if settings.get("containerInsights") in ("enabled", "enhanced"):
                count = sum(1 for service in services if service.cluster == title)
                metrics = INSIGHTS_METRICS_PER_CLUSTER + INSIGHTS_METRICS_PER_SERVICE * count
                lines.append(
                    Line(
                        f"{title}: Container Insights, "
                        f"{INSIGHTS_METRICS_PER_CLUSTER} + {INSIGHTS_METRICS_PER_SERVICE} x {count} metrics",
                        metrics,
                        "metric-month",
                        self.price("cloudwatch.metric"),
                    )
                )
        return lines

    def logs(self, services: list[Service], at: str) -> list[Line]:
        lines = []
        for title, body in self.of_type("AWS::Logs::LogGroup").items():
            tasks = sum(
                (service.tasks_min if at == "min" else service.tasks_max)
                for service in services
                if service.log_group == title
            )
            ingested = tasks * self.assumptions.log_gb_per_task
            retention = int(body["Properties"].get("RetentionInDays", 3653))
            lines.append(
                Line(
                    f"{title}: log ingestion, {tasks} x {self.assumptions.log_gb_per_task:g} GB",
                    ingested,
                    "GB",
                    self.price("logs.ingestion"),
                )
            )
            lines.append(
                Line(
                    f"{title}: log storage, {retention} days",
                    ingested * retention / DAYS_PER_MONTH,
                    "GB-month",
                    self.price("logs.storage"),
                )
            )
        return lines

    def discovery(self, services: list[Service], at: str) -> list[Line]:
        zones = len(self.of_type("AWS::ServiceDiscovery::PrivateDnsNamespace")) + len(
            self.of_type("AWS::Route53::HostedZone")
        )
        registered = sum(
            (service.tasks_min if at == "min" else service.tasks_max) for service in services if service.registered
        )
        return [
            Line(
                "Cloud Map namespace (private hosted zone)",
                zones,
                "zone-month",
                self.price("route53.hosted_zone"),
                "Cloud Map",
            ),
            Line(
                "Cloud Map registered instances, one per task",
                registered,
                "instance-month",
                self.price("cloudmap.instance"),
                "Cloud Map",
            ),
        ]

    def network(self) -> list[Line]:
        return [replace(line, group="Network") for line in self._network()]

    def _network(self) -> list[Line]:
        data = self.assumptions.data_gb
        gateways = len(self.of_type("AWS::EC2::NatGateway"))
        endpoints = [
            body["Properties"]
            for body in self.of_type("AWS::EC2::VPCEndpoint").values()
            if body["Properties"].get("VpcEndpointType") == "Interface"
        ]
        zones = sum(len(endpoint.get("SubnetIds", [])) or 1 for endpoint in endpoints)
        balancers = [
            body["Properties"]
            for body in self.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
            if body["Properties"].get("Type", "application") == "application"
        ]
        public_ips = len(self.of_type("AWS::EC2::EIP")) + sum(
            len(balancer.get("Subnets", [])) for balancer in balancers if balancer.get("Scheme") != "internal"
        )
        return [
            Line("NAT gateways", gateways * HOURS, "gateway-hour", self.price("vpc.nat_gateway")),
            Line(
                f"NAT gateway data, {data:g} GB each",
                gateways * data,
                "GB",
                self.price("vpc.nat_data"),
            ),
            Line(
                f"Interface endpoints ({len(endpoints)}), per Availability Zone",
                zones * HOURS,
                "endpoint-AZ-hour",
                self.price("vpc.endpoint"),
            ),
            Line(
                f"Interface endpoint data, {data:g} GB each",
                len(endpoints) * data,
                "GB",
                self.price("vpc.endpoint_data"),
            ),
            Line("Application Load Balancers", len(balancers) * HOURS, "ALB-hour", self.price("elb.alb")),
            Line(
                f"Load balancer capacity, {self.assumptions.alb_lcu:g} LCU each",
                len(balancers) * self.assumptions.alb_lcu * HOURS,
                "LCU-hour",
                self.price("elb.alb_lcu"),
            ),
            Line(
                "Public IPv4 of Elastic IPs and internet-facing ALBs (one per subnet)",
                public_ips * HOURS,
                "IP-hour",
                self.price("vpc.public_ipv4"),
            ),
        ]

    def storage_and_keys(self) -> list[Line]:
        stored = self.assumptions.stored_gb
        buckets = len(self.of_type("AWS::S3::Bucket"))
        repositories = len(self.of_type("AWS::ECR::Repository"))
        return [
            Line("KMS keys the stack creates", len(self.of_type("AWS::KMS::Key")), "key-month", self.price("kms.key")),
            Line(
                f"S3 storage, {counted(buckets, 'bucket')} x {stored:g} GB",
                buckets * stored,
                "GB-month",
                self.price("s3.storage"),
            ),
            Line(
                f"ECR storage, {counted(repositories, 'repository')} x {stored:g} GB",
                repositories * stored,
                "GB-month",
                self.price("ecr.storage"),
            ),
        ]

    # --- What it relies on, priced elsewhere ----------------------------------------------

    def relies_on(self, services: list[Service]) -> list[str]:
        found = []
        created_balancers = self.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
        uses_balancer = any(
            body["Properties"].get("LoadBalancers") for body in self.of_type("AWS::ECS::Service").values()
        ) or bool(self.of_type("AWS::ElasticLoadBalancingV2::ListenerRule"))
        if uses_balancer and not created_balancers:
            found.append(f"an Application Load Balancer of another stack: {catalogue.ELB_PAGE}")
        private = [service for service in services if not service.public_ip]
        if private and not self.of_type("AWS::EC2::NatGateway"):
            found.append(
                "a NAT gateway or VPC interface endpoints (ECR, CloudWatch Logs, ...) for tasks without a public IP: "
                f"{catalogue.VPC_PAGE}"
            )
        keys = {
            str(body["Properties"]["KmsKeyId"])
            for body in self.of_type("AWS::Logs::LogGroup").values()
            if isinstance(body["Properties"].get("KmsKeyId"), str)
        }
        if keys:
            found.append(f"the KMS key of the log groups ({', '.join(sorted(keys))}): {catalogue.KMS_PAGE}")
        found += self.bucket_and_log_costs()
        if any(service.cluster is None for service in services):
            found.append("an existing ECS cluster: its Container Insights is priced with it")
        return found

    def bucket_and_log_costs(self) -> list[str]:
        """What the buckets, the load balancers and the flow logs of the stack send elsewhere: requests to a
        bucket's KMS key, logs into a bucket of the user's, object events to EventBridge."""
        buckets = [body["Properties"] for body in self.of_type("AWS::S3::Bucket").values()]
        keys = {
            str(rule.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID"))
            for bucket in buckets
            for rule in bucket.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
            if isinstance(rule.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID"), str)
        }
        logs = {
            str(bucket["LoggingConfiguration"]["DestinationBucketName"])
            for bucket in buckets
            if isinstance(bucket.get("LoggingConfiguration", {}).get("DestinationBucketName"), str)
        } | {
            str(attribute["Value"])
            for body in self.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
            for attribute in body["Properties"].get("LoadBalancerAttributes", [])
            if attribute.get("Key") == "access_logs.s3.bucket" and isinstance(attribute.get("Value"), str)
        }
        flow_logs = len(self.of_type("AWS::EC2::FlowLog"))
        events = any(
            bucket.get("NotificationConfiguration", {}).get("EventBridgeConfiguration", {}).get("EventBridgeEnabled")
            in (True, "true")
            for bucket in buckets
        )
        found = []
        if keys:
            found.append(
                f"the KMS key of the buckets ({', '.join(sorted(keys))}), a month and per request: {catalogue.KMS_PAGE}"
            )
        if logs:
            found.append(
                f"the log bucket ({', '.join(sorted(logs))}): the access logs it receives, as S3 storage: "
                f"{catalogue.S3_PAGE}"
            )
        if flow_logs:
            found.append(
                f"VPC flow logs ({flow_logs}), delivered to S3 as vended logs, per GB: {catalogue.CLOUDWATCH_PAGE}"
            )
        if events:
            found.append(f"the bucket's object events sent to EventBridge, per event: {catalogue.EVENTBRIDGE_PAGE}")
        return found


def names_in(node) -> list[str]:
    """Logical IDs a node refers to through Ref or Fn::GetAtt, anywhere inside it."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.append(value)
            elif key == "Fn::GetAtt" and isinstance(value, list) and value:
                found.append(value[0])
            else:
                found += names_in(value)
    elif isinstance(node, list):
        for item in node:
            found += names_in(item)
    return found


def alarm_metrics(alarm: dict) -> tuple[int, bool]:
    """How many alarm metrics CloudWatch charges for, and whether at high resolution.

    An alarm on one metric is one; a metric-math alarm is charged per metric it reads
    (CloudWatch pricing: "alarms ... charged per metric"); periods under 60 s are high resolution.
    https://aws.amazon.com/cloudwatch/pricing/
    """
    queries = alarm.get("Metrics")
    if queries:
        stats = [query for query in queries if "MetricStat" in query]
        periods = [int(query["MetricStat"].get("Period", 60)) for query in stats]
        return max(len(stats), 1), any(period < 60 for period in periods)
    return 1, int(alarm.get("Period", 60)) < 60
