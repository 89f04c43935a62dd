"""make cost: monthly estimates computed by hand from the snapshot's prices, the JSON shape,
bad input, a template that creates network resources, and the Price List parser on AWS's text.

The prices below are typed from ops/cost/prices.json (us-east-1, as published on the AWS pricing
pages named there); every expected amount is the arithmetic written out, not the model's output.
"""

import json
import math
from pathlib import Path

import pytest

from ops.cost import catalogue, cli, offers, page, prices, refresh
from ops.cost.model import Assumptions, Model
from ops.shared.capacity import split
from tests.helpers import ROOT

H = 730  # hours a month
VCPU, GB = 0.04048, 0.004445  # Fargate Linux/x86, per vCPU-hour and GB-hour
ARM_VCPU, ARM_GB = 0.03238, 0.00356  # Fargate Linux/ARM
IPV4 = 0.005  # per public IPv4 address-hour
ALARM, METRIC, DASHBOARD = 0.10, 0.30, 3.00
LOG_IN, LOG_STORE = 0.50, 0.03  # per GB ingested, per GB-month stored
ZONE, INSTANCE = 0.50, 0.10  # hosted zone-month, Cloud Map instance-month
SPOT = 1 - 0.70  # Spot at the assumed 70 % discount
MONTH_DAYS = 365 / 12
INSIGHTS = 16  # Container Insights metrics per cluster and per service (assumed)


def task_hour(vcpu, gb, vcpu_price=VCPU, gb_price=GB):
    return vcpu * vcpu_price + gb * gb_price


def logs(tasks, retention_days):
    """1 GB a task-month ingested, stored for the retention."""
    return tasks * LOG_IN + tasks * retention_days / MONTH_DAYS * LOG_STORE


# Alarms are billed per metric they read (https://aws.amazon.com/cloudwatch/pricing/). Every
# parameter file deploys ROLLING, where the target alarms read the first target group alone (the
# second only with a traffic-shifting strategy): go-api's tasks-below-desired reads 2, target 5xx 2
# (5xx and requests), unhealthy and no-healthy targets 1 each.
GO_API_ALARM_METRICS = 2 + 2 + 1 + 1
# The plugin's tasks-below-desired reads 2, memory-high and no-running-tasks 1 each.
PLUGIN_ALARM_METRICS = 2 + 1 + 1
# The platform: per tier tasks-below-desired 2; the BFF 5xx 2, unhealthy 1, no healthy 1;
# AgentCore memory-high 1, no-running-tasks 1.
PLATFORM_ALARM_METRICS = 2 * 2 + 2 + 1 + 1 + 1 + 1


def go_api(tasks, vcpu, gb, retention):
    # tasks on-demand with a public IP each, 1 target-tracking policy (2 alarms), its own alarms,
    # Container Insights on its own cluster with one service, one log group.
    return (
        tasks * task_hour(vcpu, gb) * H
        + tasks * IPV4 * H
        + 2 * ALARM
        + GO_API_ALARM_METRICS * ALARM
        + (INSIGHTS + INSIGHTS) * METRIC
        + logs(tasks, retention)
    )


def plugin(tasks, retention):
    # 2 vCPU / 4 GB on-demand, no public IP, namespace + one registered instance per task.
    return (
        tasks * task_hour(2, 4) * H
        + PLUGIN_ALARM_METRICS * ALARM
        + 2 * INSIGHTS * METRIC
        + logs(tasks, retention)
        + ZONE
        + tasks * INSTANCE
    )


def platform(tasks_per_tier, vcpu, gb):
    # Two tiers, one task on demand (the base), the rest 70/30 on-demand/Spot, its own alarms +
    # 4 target-tracking policies (8 alarms), one cluster with two services, two log groups kept
    # 7 days, a namespace, AgentCore registered.
    on_demand, spot = 1 + 0.7 * (tasks_per_tier - 1), 0.3 * (tasks_per_tier - 1)
    compute = 2 * (on_demand + spot * SPOT) * task_hour(vcpu, gb) * H
    return (
        compute
        + PLATFORM_ALARM_METRICS * ALARM
        + 8 * ALARM
        + (INSIGHTS + 2 * INSIGHTS) * METRIC
        + 2 * logs(tasks_per_tier, 7)
        + ZONE
        + tasks_per_tier * INSTANCE
    )


NAT, ENDPOINT_AZ, ALB, LCU, S3_GB, ECR_GB = 0.045, 0.01, 0.0225, 0.008, 0.023, 0.10


def prerequisites(nat_gateways, interface_endpoints):
    # Two zones. An internet-facing ALB (1 LCU assumed) holds a public IPv4 address in each of
    # its two subnets, each NAT gateway one Elastic IP; each interface endpoint is billed per
    # zone; 1 GB stored in each of the 2 buckets (the knowledge base's, the templates') and of the
    # 3 repositories (assumed), no traffic.
    # go-api's two target groups and its rule cost nothing: the ALB is billed by the hour and
    # by LCU (https://aws.amazon.com/elasticloadbalancing/pricing/).
    public_addresses = 2 + nat_gateways
    return (
        nat_gateways * NAT * H
        + interface_endpoints * 2 * ENDPOINT_AZ * H
        + ALB * H
        + LCU * H
        + public_addresses * IPV4 * H
        + 2 * S3_GB
        + 3 * ECR_GB
    )


EXPECTED = {
    # dev: no NAT gateway, no interface endpoint; prod: a NAT gateway per zone and all 8
    # endpoints (ECR api and dkr, Logs, SSM, Bedrock runtime and agent runtime, ssmmessages,
    # Secrets Manager).
    "prerequisites.dev.json": (prerequisites(0, 0), prerequisites(0, 0)),
    "prerequisites.prod.json": (prerequisites(2, 8), prerequisites(2, 8)),
    # hardened: prod's network; the log bucket, the bucket's KMS key, the flow logs and the events it adds
    # are usage of resources the stack does not create (named as relied on, below).
    "prerequisites.hardened.json": (prerequisites(2, 8), prerequisites(2, 8)),
    # parameter file: (monthly at the fewest tasks, at the most)
    "go-api.dev.json": (go_api(1, 0.25, 0.5, 7), go_api(4, 0.25, 0.5, 7)),
    "go-api.prod.json": (go_api(2, 0.5, 1, 90), go_api(4, 0.5, 1, 90)),
    "finfocus-plugin.dev.json": (plugin(2, 7), plugin(2, 7)),
    "finfocus-plugin.prod.json": (plugin(2, 90), plugin(2, 90)),
    "finfocus-plugin-10-region.dev.json": (plugin(2, 7), plugin(2, 7)),
    "finfocus-plugin-10-region.prod.json": (plugin(2, 90), plugin(2, 90)),
    "platform.dev.json": (platform(2, 0.5, 1), platform(10, 0.5, 1)),
    "platform.test.json": (platform(2, 1, 2), platform(10, 1, 2)),
    "platform.prod.json": (platform(2, 2, 4), platform(10, 2, 4)),
}


def run(capsys, *arguments) -> tuple[int, str, str]:
    code = cli.main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_snapshot_holds_the_prices_typed_here():
    snapshot = prices.load()
    typed = {
        "fargate.x86.vcpu": VCPU,
        "fargate.x86.memory": GB,
        "fargate.arm.vcpu": ARM_VCPU,
        "fargate.arm.memory": ARM_GB,
        "vpc.public_ipv4": IPV4,
        "cloudwatch.alarm": ALARM,
        "cloudwatch.metric": METRIC,
        "cloudwatch.dashboard": DASHBOARD,
        "logs.ingestion": LOG_IN,
        "logs.storage": LOG_STORE,
        "route53.hosted_zone": ZONE,
        "cloudmap.instance": INSTANCE,
    }
    assert {key: snapshot.regions["us-east-1"][key] for key in typed} == typed
    assert set(snapshot.regions["us-east-1"]) == set(catalogue.BY_KEY)


@pytest.mark.parametrize("file", sorted(EXPECTED))
def test_each_parameter_file_costs_what_the_arithmetic_says(file, capsys):
    name = file.rsplit(".", 2)[0]
    code, out, err = run(capsys, name, str(ROOT / "params" / file), "--json")
    assert code == 0, err
    result = json.loads(out)
    low, high = EXPECTED[file]
    assert result["monthly_usd_min"] == pytest.approx(low, abs=0.01)
    assert result["monthly_usd_max"] == pytest.approx(high, abs=0.01)
    assert sum(line["monthly_usd"] for line in result["lines"]) == pytest.approx(low, abs=0.05)


def test_the_json_is_exactly_the_documented_object(capsys):
    code, out, _ = run(capsys, "platform", str(ROOT / "params" / "platform.dev.json"), "--json")
    result = json.loads(out)
    assert code == 0
    assert list(result) == [
        "template",
        "params",
        "region",
        "currency",
        "lines",
        "monthly_usd_min",
        "monthly_usd_max",
        "prices_as_of",
    ]
    assert (result["template"], result["region"], result["currency"]) == ("platform", "us-east-1", "USD")
    assert result["prices_as_of"] == prices.load().as_of
    assert all(list(line) == ["item", "quantity", "unit", "unit_usd", "monthly_usd"] for line in result["lines"])
    # The platform's default mix: the base task and 0.7 of the second on-demand, 0.3 on Spot at 30 % of the price.
    spot = [line for line in result["lines"] if line["item"].startswith("BffService: vCPU, x86 Spot")]
    assert [(line["quantity"], line["unit_usd"]) for line in spot] == [
        (pytest.approx(0.3 * 0.5 * H), pytest.approx(VCPU * SPOT))
    ]


def test_the_text_names_the_totals_the_assumptions_and_what_is_priced_elsewhere(capsys):
    code, out, _ = run(capsys, "platform", str(ROOT / "params" / "platform.dev.json"), "--spot-discount", "50")
    assert code == 0
    assert (
        f"total at the minimum (4 tasks): {platform(2, 0.5, 1) + 2 * 0.3 * (0.5 - SPOT) * task_hour(0.5, 1) * H:.2f}"
        in out
    )
    assert "Fargate Spot 50% below on-demand" in out
    assert "Application Load Balancer of another stack" in out and "NAT gateway or VPC interface endpoints" in out


def test_the_hardened_prerequisites_name_what_they_send_elsewhere(capsys):
    code, out, _ = run(capsys, "prerequisites", str(ROOT / "params" / "prerequisites.hardened.json"))
    assert code == 0
    relied = out.split("relies on, priced elsewhere:\n", 1)[1].splitlines()
    # The values of params/prerequisites.hardened.json: LogBucketName, KnowledgeBaseKmsKeyArn,
    # KnowledgeBaseEvents=true; one flow log for the VPC.
    assert relied == [
        "  - the KMS key of the buckets (arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab),"
        " a month and per request: https://aws.amazon.com/kms/pricing/",
        "  - the log bucket (access-logs-123456789012-us-east-1): the access logs it receives, as S3 storage:"
        " https://aws.amazon.com/s3/pricing/",
        "  - VPC flow logs (1), delivered to S3 as vended logs, per GB: https://aws.amazon.com/cloudwatch/pricing/",
        "  - the bucket's object events sent to EventBridge, per event: https://aws.amazon.com/eventbridge/pricing/",
    ]
    # Without them, only the template bucket's object events (always on: a few uploads a month).
    code, out, _ = run(capsys, "prerequisites", str(ROOT / "params" / "prerequisites.prod.json"))
    assert out.split("relies on, priced elsewhere:\n", 1)[1].splitlines() == [
        "  - the bucket's object events sent to EventBridge, per event: https://aws.amazon.com/eventbridge/pricing/",
    ]


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["no-such-template"], "no-such-template"),
        (["go-api", "params/missing.json"], "missing.json"),
        (["go-api", "params/go-api.dev.json", "--region", "mars-1"], "mars-1"),
        (["go-api", "params/go-api.dev.json", "--region", "eu-west-1"], "make cost-refresh"),
        (["go-api", "params/go-api.dev.json", "--spot-discount", "120"], "--spot-discount"),
        (["go-api", "params/go-api.dev.json", "--spot-discount", "seventy"], "--spot-discount"),
        (["go-api", "params/go-api.dev.json", "--spot-discount", "nan"], "--spot-discount"),
        (["go-api", "params/go-api.dev.json", "--log-gb-per-task", "-1"], "--log-gb-per-task"),
        (["go-api", "params/platform.dev.json"], "holds platform's parameters (Environment and "),
    ],
)
def test_bad_input_is_one_line_and_exit_2(arguments, named, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, *arguments)
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and named in err and "Traceback" not in err


def test_capacity_split_puts_the_base_first_then_divides_by_weight():
    # Two tasks, one on-demand base, 70/30: 1 + 0.7 on-demand, 0.3 on Spot.
    shares = split(2, (("FARGATE", 1, 70), ("FARGATE_SPOT", 0, 30)))
    assert shares == pytest.approx({"FARGATE": 1.7, "FARGATE_SPOT": 0.3})
    assert split(1, (("FARGATE", 2, 70), ("FARGATE_SPOT", 0, 30))) == pytest.approx({"FARGATE": 1, "FARGATE_SPOT": 0})


# A stack that creates what go-api and the platform only use: a NAT gateway with its Elastic IP,
# two interface endpoints in two subnets each, an internet-facing ALB in two subnets, a bucket,
# two repositories, a key, a dashboard, a metric-math alarm over two metrics, and an ARM64
# service whose weights and on-demand base are parameters.
CREATING = {
    "Parameters": {
        "OnDemandWeight": {"Type": "Number", "Default": 70},
        "SpotWeight": {"Type": "Number", "Default": 30},
        "OnDemandBaseTasks": {"Type": "Number", "Default": 1},
    },
    "Resources": {
        "Gateway": {
            "Type": "AWS::EC2::NatGateway",
            "Properties": {"AllocationId": {"Fn::GetAtt": ["Ip", "AllocationId"]}},
        },
        "Ip": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
        **{
            f"Endpoint{n}": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["subnet-a", "subnet-b"]},
            }
            for n in (1, 2)
        },
        "Gateway3": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}},
        "Alb": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {"Type": "application", "Scheme": "internet-facing", "Subnets": ["subnet-a", "subnet-b"]},
        },
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Repo1": {"Type": "AWS::ECR::Repository", "Properties": {}},
        "Repo2": {"Type": "AWS::ECR::Repository", "Properties": {}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {}},
        "Math": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Metrics": [
                    {"Id": "a", "MetricStat": {"Period": 60}},
                    {"Id": "b", "MetricStat": {"Period": 60}},
                    {"Id": "e", "Expression": "a+b"},
                ]
            },
        },
        "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {}},
        "Task": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {"Cpu": "1024", "Memory": "2048", "RuntimePlatform": {"CpuArchitecture": "ARM64"}},
        },
        "Service": {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "Cluster": {"Ref": "Cluster"},
                "TaskDefinition": {"Ref": "Task"},
                "DesiredCount": 3,
                "CapacityProviderStrategy": [
                    {
                        "CapacityProvider": "FARGATE",
                        "Base": {"Ref": "OnDemandBaseTasks"},
                        "Weight": {"Ref": "OnDemandWeight"},
                    },
                    {"CapacityProvider": "FARGATE_SPOT", "Weight": {"Ref": "SpotWeight"}},
                ],
                "NetworkConfiguration": {"AwsvpcConfiguration": {"AssignPublicIp": "DISABLED"}},
            },
        },
    },
}


def test_a_template_that_creates_network_resources_is_priced_by_what_it_creates():
    resources = cli.resolved(CREATING, {"OnDemandWeight": "0", "SpotWeight": "100"}, "us-east-1")
    result = Model(resources, prices.load(), "us-east-1", Assumptions(data_gb=10, alb_lcu=2, stored_gb=5)).estimate()
    nat, nat_gb, endpoint, endpoint_gb, alb, lcu, s3, ecr, kms = (
        0.045,
        0.045,
        0.01,
        0.01,
        0.0225,
        0.008,
        0.023,
        0.10,
        1.00,
    )
    # 3 tasks: the base of 1 on-demand, the other 2 all on Spot (weights 0/100), ARM prices.
    compute = (1 + 2 * SPOT) * task_hour(1, 2, ARM_VCPU, ARM_GB) * H
    expected = (
        compute
        + nat * H
        + 10 * nat_gb
        + 2 * 2 * endpoint * H  # two endpoints, two Availability Zones each
        + 2 * 10 * endpoint_gb
        + alb * H
        + 2 * lcu * H
        + (1 + 2) * IPV4 * H  # the Elastic IP, and the ALB's two subnets
        + 5 * s3
        + 2 * 5 * ecr
        + kms
        + DASHBOARD
        + 2 * ALARM  # a metric-math alarm is charged per metric it reads
    )
    assert result.monthly_usd_min == pytest.approx(expected)
    assert result.monthly_usd_max == pytest.approx(expected)
    # It creates its NAT gateway and its cluster: nothing priced elsewhere.
    assert result.relies_on == []


def test_the_price_list_parser_reads_aws_s_own_example_record():
    fixture = json.loads((Path(__file__).parent / "fixtures" / "cost" / "get-products-example.json").read_text())
    record = fixture["record"]
    sku = record["product"]["sku"]
    offer = {
        "publicationDate": record["publicationDate"],
        "products": {sku: record["product"]},
        "terms": {"OnDemand": {sku: record["terms"]["OnDemand"]}},
    }
    piops = catalogue.Price("x", "io1 storage", "GB-Mo", "AmazonEC2", "EBS:VolumeUsage.piops", "")
    assert offers.on_demand_price(offer, piops) == 0.138  # "$0.138 per GB-month of Provisioned IOPS SSD (io1)"
    # A usage type is matched whole after the region prefix, never by a shorter name it ends with.
    for usage in ("VolumeUsage.piops", "EBS:VolumeUsage", "EBS:VolumeUsage.gp3"):
        with pytest.raises(offers.NotInOffer):
            offers.on_demand_price(offer, catalogue.Price("x", "", "", "AmazonEC2", usage, ""))
    family = catalogue.Price("x", "", "", "AmazonEC2", "EBS:VolumeUsage.piops", "", {"productFamily": "Compute"})
    with pytest.raises(offers.NotInOffer):
        offers.on_demand_price(offer, family)


def test_refresh_keeps_a_price_the_offer_files_lack_and_records_where_it_read(tmp_path):
    fixture = json.loads((Path(__file__).parent / "fixtures" / "cost" / "get-products-example.json").read_text())
    record = fixture["record"]
    sku = record["product"]["sku"]
    offer = {"products": {sku: record["product"]}, "terms": {"OnDemand": {sku: record["terms"]["OnDemand"]}}}
    # A Region index shaped as AWS documents it (service-region-index-file-for-service.html).
    index = {
        "publicationDate": record["publicationDate"],
        "regions": {
            "us-east-1": {"regionCode": "us-east-1", "currentVersionUrl": "/offers/v1.0/aws/X/us-east-1/index.json"}
        },
    }
    reports = []
    old = prices.load()
    data = refresh.refreshed(
        old,
        regions=("us-east-1",),
        get=lambda url: index if url.endswith("region_index.json") else offer,
        report=reports.append,
    )
    assert data["regions"]["us-east-1"] == old.regions["us-east-1"]
    assert len(reports) == len(catalogue.PRICES)
    ecs = data["offers"]["AmazonECS"]
    assert ecs["publication_date"] == "2018-08-08T00:57:01Z"
    assert ecs["offer_files"] == {
        "us-east-1": "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/X/us-east-1/index.json"
    }
    assert (
        ecs["region_index"]
        == "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonECS/current/region_index.json"
    )


def test_sc008_default_weights_save_under_30_percent_and_the_options_that_reach_it():
    text = (ROOT / "docs" / "cost.md").read_text()
    # At the two-task minimum one task is the on-demand base; the second splits by weight.
    # 70/30: 0.3 of one task in two on Spot at 70 % off: 0.5 x 0.3 x 0.7 = 10.5 %;
    # 50/50: 0.5 x 0.5 x 0.7 = 17.5 %; 0/100: 0.5 x 0.7 = 35 %;
    # ARM64 (0.03238/0.04048 = 80 % of x86) at 70/30: 1 - 0.8 x (0.85 + 0.15 x 0.3) = 28.4 %;
    # ARM64 at 0/100: 1 - 0.8 x (0.5 + 0.5 x 0.3) = 48 %.
    for saving, meets in (("10.5%", "no"), ("17.5%", "no"), ("35.0%", "yes"), ("28.4%", "no"), ("48.0%", "yes")):
        assert f"| {saving} |" in text and f"| {saving} | " in text
        assert any(
            line.startswith("| dev |") and f"| {saving} |" in line and line.endswith(f"| {meets} |")
            for line in text.splitlines()
        )
    assert math.isclose(1 - (0.85 + 0.15 * SPOT), 0.105)
    assert math.isclose(1 - ARM_VCPU / VCPU * (0.85 + 0.15 * SPOT), 0.284, abs_tol=0.001)
    assert math.isclose(1 - ARM_VCPU / VCPU * (0.5 + 0.5 * SPOT), 0.48, abs_tol=0.001)


def test_seed_001_sizing_per_task_and_for_the_default_count():
    text = (ROOT / "docs" / "cost.md").read_text()
    per_task = (2 * VCPU + 4 * GB) * H  # 72.08
    assert f"**{per_task:.2f} USD a month per task**" in text
    assert f"is 2: **{2 * per_task:.2f} USD a month**" in text


def test_the_chart_is_the_drawing_of_today_s_figures():
    files = lambda name: (ROOT / "output" / name).read_text()  # noqa: E731
    data = page.chart_data(files)
    assert page.draw(data, page.fingerprint(data)) == (ROOT / "docs" / "cost.png").read_bytes()
