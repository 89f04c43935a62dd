"""Every price the estimate uses: its unit, the offer file it comes from, and AWS's page for it.

Plain data. ``usage`` is the end of the offer file's ``usagetype`` attribute: AWS prefixes it
with a region code (``USE1-Fargate-GB-Hours``), so a product matches when its usage type is
``usage`` or ends in ``-`` + ``usage``; ``attributes`` narrow the match where one usage type
names several products. The Price List itself:
https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-ppslong.html
"""

from dataclasses import dataclass, field

OFFER_INDEX = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json"
PRICE_LIST_HOST = "https://pricing.us-east-1.amazonaws.com"


def region_index_url(offer: str) -> str:
    """The service Region index file of one offer (its regions and their current offer files).
    https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/service-region-index-file-for-service.html
    """
    return f"{PRICE_LIST_HOST}/offers/v1.0/aws/{offer}/current/region_index.json"


# A month is 730 hours (24 x 365 / 12), as the AWS Pricing Calculator counts it (https://calculator.aws/).
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Price:
    key: str
    what: str
    unit: str
    offer: str
    usage: str
    page: str
    attributes: dict = field(default_factory=dict)


FARGATE_PAGE = "https://aws.amazon.com/fargate/pricing/"
VPC_PAGE = "https://aws.amazon.com/vpc/pricing/"
CLOUDWATCH_PAGE = "https://aws.amazon.com/cloudwatch/pricing/"
ROUTE53_PAGE = "https://aws.amazon.com/route53/pricing/"
CLOUD_MAP_PAGE = "https://aws.amazon.com/cloud-map/pricing/"
KMS_PAGE = "https://aws.amazon.com/kms/pricing/"
ELB_PAGE = "https://aws.amazon.com/elasticloadbalancing/pricing/"
S3_PAGE = "https://aws.amazon.com/s3/pricing/"
ECR_PAGE = "https://aws.amazon.com/ecr/pricing/"
EVENTBRIDGE_PAGE = "https://aws.amazon.com/eventbridge/pricing/"

PRICES: tuple[Price, ...] = (
    Price(
        "fargate.x86.vcpu",
        "Fargate vCPU, Linux/x86",
        "vCPU-hour",
        "AmazonECS",
        "Fargate-vCPU-Hours:perCPU",
        FARGATE_PAGE,
    ),
    Price("fargate.x86.memory", "Fargate memory, Linux/x86", "GB-hour", "AmazonECS", "Fargate-GB-Hours", FARGATE_PAGE),
    Price(
        "fargate.arm.vcpu",
        "Fargate vCPU, Linux/ARM",
        "vCPU-hour",
        "AmazonECS",
        "Fargate-ARM-vCPU-Hours:perCPU",
        FARGATE_PAGE,
    ),
    Price(
        "fargate.arm.memory", "Fargate memory, Linux/ARM", "GB-hour", "AmazonECS", "Fargate-ARM-GB-Hours", FARGATE_PAGE
    ),
    Price(
        "fargate.storage",
        "Fargate ephemeral storage beyond the 20 GB included",
        "GB-hour",
        "AmazonECS",
        "Fargate-EphemeralStorage-GB-Hours",
        FARGATE_PAGE,
    ),
    Price("vpc.public_ipv4", "Public IPv4 address", "IP-hour", "AmazonVPC", "PublicIPv4:InUseAddress", VPC_PAGE),
    Price(
        "vpc.endpoint",
        "Interface VPC endpoint, per Availability Zone",
        "endpoint-AZ-hour",
        "AmazonVPC",
        "VpcEndpoint-Hours",
        VPC_PAGE,
    ),
    Price(
        "vpc.endpoint_data", "Interface VPC endpoint data processed", "GB", "AmazonVPC", "VpcEndpoint-Bytes", VPC_PAGE
    ),
    Price("vpc.nat_gateway", "NAT gateway", "gateway-hour", "AmazonEC2", "NatGateway-Hours", VPC_PAGE),
    Price("vpc.nat_data", "NAT gateway data processed", "GB", "AmazonEC2", "NatGateway-Bytes", VPC_PAGE),
    Price(
        "cloudwatch.alarm",
        "CloudWatch alarm metric, standard resolution",
        "alarm-month",
        "AmazonCloudWatch",
        "CW:AlarmMonitorUsage",
        CLOUDWATCH_PAGE,
    ),
    Price(
        "cloudwatch.alarm_high_resolution",
        "CloudWatch alarm metric, high resolution",
        "alarm-month",
        "AmazonCloudWatch",
        "CW:HighResAlarmMonitorUsage",
        CLOUDWATCH_PAGE,
    ),
    Price(
        "cloudwatch.dashboard",
        "CloudWatch dashboard",
        "dashboard-month",
        "AmazonCloudWatch",
        "DashboardsUsageHour",
        CLOUDWATCH_PAGE,
    ),
    Price(
        "cloudwatch.metric",
        "CloudWatch custom metric (first 10,000)",
        "metric-month",
        "AmazonCloudWatch",
        "CW:MetricMonitorUsage",
        CLOUDWATCH_PAGE,
    ),
    Price(
        "logs.ingestion",
        "CloudWatch Logs ingestion (Standard)",
        "GB",
        "AmazonCloudWatch",
        "DataProcessing-Bytes",
        CLOUDWATCH_PAGE,
    ),
    Price(
        "logs.storage",
        "CloudWatch Logs storage",
        "GB-month",
        "AmazonCloudWatch",
        "TimedStorage-ByteHrs",
        CLOUDWATCH_PAGE,
    ),
    Price(
        "route53.hosted_zone",
        "Route 53 hosted zone (first 25)",
        "zone-month",
        "AmazonRoute53",
        "HostedZone",
        ROUTE53_PAGE,
    ),
    Price(
        "cloudmap.instance",
        "Cloud Map registered instance",
        "instance-month",
        "AWSCloudMap",
        "RegisteredResource",
        CLOUD_MAP_PAGE,
    ),
    Price("kms.key", "KMS customer managed key", "key-month", "awskms", "KMS-Keys", KMS_PAGE),
    Price(
        "elb.alb",
        "Application Load Balancer",
        "ALB-hour",
        "AWSELB",
        "LoadBalancerUsage",
        ELB_PAGE,
        {"productFamily": "Load Balancer-Application"},
    ),
    Price(
        "elb.alb_lcu",
        "Application Load Balancer capacity unit",
        "LCU-hour",
        "AWSELB",
        "LCUUsage",
        ELB_PAGE,
        {"productFamily": "Load Balancer-Application"},
    ),
    Price("s3.storage", "S3 Standard storage (first 50 TB)", "GB-month", "AmazonS3", "TimedStorage-ByteHrs", S3_PAGE),
    Price("ecr.storage", "ECR storage", "GB-month", "AmazonECR", "TimedStorage-ByteHrs", ECR_PAGE),
)
BY_KEY = {price.key: price for price in PRICES}
OFFERS = tuple(dict.fromkeys(price.offer for price in PRICES))
