"""The AWS controls the templates are checked against, and the form of a documented departure.

Plain data: the Guard rules in guard/rules/ implement the Control Tower controls (one file each,
named after the control); the Security Hub table in docs/controls.md is written from these
entries. A template that departs from a control under its default parameters says so with
:func:`declare_departures`, in the resource Metadata that Guard's suppression convention reads
(``Metadata: guard: SuppressedRules: [rule]``, as in github.com/aws-cloudformation/cloudformation-guard)
and in the template's ``ControlDepartures`` metadata, with the reason and the parameter that complies.
"""

from dataclasses import dataclass

CT_DOCS = "https://docs.aws.amazon.com/controltower/latest/controlreference"
SECURITY_HUB_DOCS = "https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html"


@dataclass(frozen=True)
class Control:
    """A Control Tower proactive control: its ID, its Guard rule's name (Control Tower's own), what it asks."""

    id: str
    rule: str
    title: str
    page: str

    @property
    def url(self) -> str:
        return f"{CT_DOCS}/{self.page}.html#{self.id.lower().replace('.', '-')}-description"

    @property
    def rule_file(self) -> str:
        return self.id.lower().replace(".", "_") + ".guard"


# Every proactive control of the ECS, CloudWatch, IAM, EC2, ECR, Elastic Load Balancing and S3 pages for a
# resource type the templates create (ECS clusters, services and task definitions, log groups, alarms, IAM
# roles, security groups and their ingress rules, subnets, ECR repositories, load balancers, listeners and
# target groups, buckets and bucket policies). The other controls of those pages are for types no template
# creates (launch templates, instances, network ACLs, transit gateways, Classic Load Balancers, access
# points); CT.S3.PR.7 is no longer on the S3 page (CT.S3.PR.10 asks for more). VPCs, route tables, routes,
# gateways, Elastic IPs, VPC endpoints, flow logs, listener rules, Cloud Map and Application Auto Scaling
# resources have no proactive control.
CONTROLS: tuple[Control, ...] = (
    Control(
        "CT.ECS.PR.1",
        "ecs_fargate_latest_platform_version_check",
        "Fargate services on the latest platform version",
        "ecs-rules",
    ),
    Control("CT.ECS.PR.2", "ecs_container_insights_enabled_check", "Container Insights on every cluster", "ecs-rules"),
    Control(
        "CT.ECS.PR.3",
        "ecs_task_definition_nonroot_user_check",
        "A User that is not root in every container",
        "ecs-rules",
    ),
    Control("CT.ECS.PR.4", "ecs_awsvpc_networking_enabled_check", "awsvpc network mode", "ecs-rules"),
    Control(
        "CT.ECS.PR.5",
        "ecs_task_definition_log_configuration_check",
        "A log configuration in every container",
        "ecs-rules",
    ),
    Control("CT.ECS.PR.6", "ecs_containers_readonly_access_check", "Read-only root filesystems", "ecs-rules"),
    Control(
        "CT.ECS.PR.7", "ecs_task_definition_memory_hard_limit_check", "A memory limit on every container", "ecs-rules"
    ),
    Control(
        "CT.ECS.PR.8",
        "ecs_task_definition_user_for_host_mode_check",
        "Host networking only with a non-root user or privileged",
        "ecs-rules",
    ),
    Control(
        "CT.ECS.PR.9", "ecs_service_assign_public_ip_disabled_check", "No public IP addresses on services", "ecs-rules"
    ),
    Control("CT.ECS.PR.10", "ecs_task_definition_pid_mode_check", "No shared host process namespace", "ecs-rules"),
    Control("CT.ECS.PR.11", "ecs_containers_nonprivileged_check", "No privileged containers", "ecs-rules"),
    Control(
        "CT.ECS.PR.12", "ecs_no_environment_secrets_check", "No AWS credentials in environment variables", "ecs-rules"
    ),
    Control(
        "CT.CLOUDWATCH.PR.1",
        "cloudwatch_alarm_action_check",
        "An action for every alarm's ALARM state",
        "cloudwatch-rules",
    ),
    Control(
        "CT.CLOUDWATCH.PR.2",
        "cloudwatch_log_group_retention_period_check",
        "Log groups kept a year or more",
        "cloudwatch-rules",
    ),
    Control(
        "CT.CLOUDWATCH.PR.3",
        "cloudwatch_log_group_encrypted_check",
        "Log groups encrypted with a KMS key",
        "cloudwatch-rules",
    ),
    Control(
        "CT.CLOUDWATCH.PR.4", "cloudwatch_alarm_action_enabled_check", "Alarm actions activated", "cloudwatch-rules"
    ),
    Control(
        "CT.IAM.PR.1",
        "iam_inline_policy_no_statements_with_admin_access_check",
        "No inline policy allowing * on *",
        "iam-rules",
    ),
    Control(
        "CT.IAM.PR.5",
        "iam_inline_policy_no_statements_with_full_access_check",
        "No service:* actions or NotAction in inline policies",
        "iam-rules",
    ),
    Control(
        "CT.EC2.PR.3",
        "vpc_sg_open_only_to_authorized_ports_check",
        "Only ports 80 and 443 open to 0.0.0.0/0 or ::/0",
        "ec2-rules",
    ),
    Control(
        "CT.EC2.PR.4",
        "vpc_sg_restricted_common_ports_check",
        "No high-risk port open to 0.0.0.0/0 or ::/0",
        "ec2-rules",
    ),
    Control(
        "CT.EC2.PR.11",
        "subnet_auto_assign_public_ip_disabled_check",
        "No subnet that assigns public IPs by itself",
        "ec2-rules",
    ),
    Control("CT.ECR.PR.1", "ecr_private_lifecycle_policy_configured_check", "A lifecycle policy", "ecr-rules"),
    Control("CT.ECR.PR.2", "ecr_private_image_scanning_enabled_check", "Images scanned on push", "ecr-rules"),
    Control("CT.ECR.PR.3", "ecr_private_tag_immutability_enabled_check", "Immutable image tags", "ecr-rules"),
    Control(
        "CT.ELASTICLOADBALANCING.PR.1",
        "alb_http_to_https_redirection_check",
        "HTTP listeners only redirect to HTTPS",
        "elb-rules",
    ),
    Control(
        "CT.ELASTICLOADBALANCING.PR.2",
        "elbv2_acm_certificate_required_check",
        "HTTPS and TLS listeners with ACM certificates",
        "elb-rules",
    ),
    Control(
        "CT.ELASTICLOADBALANCING.PR.3",
        "alb_desync_mode_check",
        "Desync mitigation defensive or strictest",
        "elb-rules",
    ),
    Control(
        "CT.ELASTICLOADBALANCING.PR.4",
        "alb_http_drop_invalid_header_enabled_check",
        "Invalid HTTP header fields dropped",
        "elb-rules",
    ),
    Control(
        "CT.ELASTICLOADBALANCING.PR.5",
        "elbv2_deletion_protection_enabled_check",
        "Deletion protection on load balancers",
        "elb-rules",
    ),
    Control(
        "CT.ELASTICLOADBALANCING.PR.6",
        "elbv2_logging_enabled_check",
        "Load balancer access logs",
        "elb-rules",
    ),
    Control(
        "CT.ELASTICLOADBALANCING.PR.14",
        "nlb_cross_zone_load_balancing_enabled_check",
        "Cross-zone load balancing on Network Load Balancers",
        "elb-rules",
    ),
    Control(
        "CT.ELASTICLOADBALANCING.PR.15",
        "elbv2_target_group_cross_zone_check",
        "Target groups that keep cross-zone load balancing",
        "elb-rules",
    ),
    Control("CT.S3.PR.1", "s3_bucket_level_public_access_prohibited_check", "Public access blocked", "s3-rules"),
    Control("CT.S3.PR.2", "s3_bucket_logging_enabled_check", "Server access logging", "s3-rules"),
    Control(
        "CT.S3.PR.3",
        "s3_version_lifecycle_policy_check",
        "A lifecycle rule on versioned buckets",
        "s3-rules",
    ),
    Control("CT.S3.PR.4", "s3_event_notifications_enabled_check", "Event notifications", "s3-rules"),
    Control("CT.S3.PR.5", "s3_bucket_acl_prohibited_check", "No access control list", "s3-rules"),
    Control("CT.S3.PR.6", "s3_lifecycle_policy_check", "A lifecycle rule", "s3-rules"),
    Control("CT.S3.PR.8", "s3_bucket_policy_ssl_requests_only_check", "Requests over TLS only", "s3-rules"),
    Control("CT.S3.PR.9", "s3_bucket_object_lock_enabled_check", "S3 Object Lock", "s3-rules"),
    Control(
        "CT.S3.PR.10",
        "s3_bucket_default_encryption_kms_check",
        "Default encryption with a KMS key",
        "s3-rules",
    ),
    Control("CT.S3.PR.11", "s3_bucket_versioning_enabled_check", "Versioning", "s3-rules"),
)
BY_ID = {control.id: control for control in CONTROLS}


@dataclass(frozen=True)
class Departure:
    """A control a template does not meet with its default parameters: where, why, and how to meet it."""

    control: str  # a Control Tower control ID of CONTROLS
    resources: tuple[str, ...]  # logical IDs
    why: str
    complies: str  # the parameter setting that meets the control


def resources_of_type(template, resource_type: str) -> tuple[str, ...]:
    """The logical IDs of the template's resources of one type, in the order they were added."""
    return tuple(title for title, resource in template.resources.items() if resource.resource_type == resource_type)


def alarms_without_action(template) -> "Departure":
    """CT.CLOUDWATCH.PR.1 for every alarm of the template whose actions hang on AlarmTopicArn: it is
    optional, so by default they change state without notifying anyone (call it once every alarm
    has been added). An alarm given its actions outright, one that exists only with a topic, meets it."""
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    return Departure(
        "CT.CLOUDWATCH.PR.1",
        tuple(t for t in alarms if not isinstance(template.resources[t].properties.get("AlarmActions"), list)),
        "Alarms notify nobody until you name an SNS topic.",
        "AlarmTopicArn=<topic ARN>",
    )


def logs_kept_less_than_a_year(groups: tuple[str, ...], why: str) -> "Departure":
    """CT.CLOUDWATCH.PR.2 for log groups whose default retention (``why`` says how long, and why) is shorter."""
    return Departure("CT.CLOUDWATCH.PR.2", groups, why, "LogRetentionDays=365 or more")


def logs_without_a_customer_key(groups: tuple[str, ...]) -> "Departure":
    """CT.CLOUDWATCH.PR.3 for log groups whose KMS key (LogKmsKeyArn) is optional."""
    return Departure(
        "CT.CLOUDWATCH.PR.3",
        groups,
        "Logs are encrypted with an AWS-owned key unless you give one: a KMS key costs per month and per request.",
        "LogKmsKeyArn=<key ARN>",
    )


def declare_departures(template, departures: list["Departure"]) -> None:
    """State each departure in the Metadata of its resources and of the template."""
    suppressed: dict[str, list[str]] = {}
    for departure in departures:
        for title in departure.resources:
            suppressed.setdefault(title, []).append(BY_ID[departure.control].rule)
    for title, rules in suppressed.items():
        resource = template.resources[title]
        metadata = dict(getattr(resource, "Metadata", {}) or {})
        metadata["guard"] = {"SuppressedRules": rules}
        resource.Metadata = metadata
    template.metadata["ControlDepartures"] = {
        departure.control: f"{departure.why} Complies with {departure.complies}." for departure in departures
    }


@dataclass(frozen=True)
class SecurityHubControl:
    """A Security Hub ECS control that evaluates a resource type the templates create."""

    id: str
    title: str
    control_tower: str | None  # the proactive control that checks the same setting, if any
    note: str = ""  # how the templates meet it when no proactive control says


SECURITY_HUB_ECS: tuple[SecurityHubControl, ...] = (
    SecurityHubControl("ECS.2", "Services without automatic public IPs", "CT.ECS.PR.9"),
    SecurityHubControl("ECS.3", "No shared host process namespace", "CT.ECS.PR.10"),
    SecurityHubControl("ECS.4", "Containers run as non-privileged", "CT.ECS.PR.11"),
    SecurityHubControl("ECS.5", "Read-only root filesystems", "CT.ECS.PR.6"),
    SecurityHubControl("ECS.8", "No secrets in environment variables", "CT.ECS.PR.12"),
    SecurityHubControl("ECS.9", "A logging configuration", "CT.ECS.PR.5"),
    SecurityHubControl("ECS.10", "Fargate services on the latest platform version", "CT.ECS.PR.1"),
    SecurityHubControl("ECS.12", "Container Insights on clusters", "CT.ECS.PR.2"),
    SecurityHubControl(
        "ECS.13",
        "Services tagged",
        None,
        "Met when you deploy with stack tags (`aws cloudformation deploy --tags team=...`): CloudFormation "
        "propagates them to the service, cluster and task definitions. The templates set no tags of their own.",
    ),
    SecurityHubControl("ECS.14", "Clusters tagged", None, "As ECS.13."),
    SecurityHubControl("ECS.15", "Task definitions tagged", None, "As ECS.13."),
    SecurityHubControl("ECS.16", "Task sets without automatic public IPs", None, "Not applicable: no task sets."),
    SecurityHubControl("ECS.17", "No host network mode", None, "Met always: every task definition uses awsvpc."),
    SecurityHubControl("ECS.18", "In-transit encryption for EFS volumes", None, "Not applicable: no EFS volumes."),
    SecurityHubControl(
        "ECS.19", "Managed termination protection on capacity providers", None, "Not applicable: Fargate only."
    ),
    SecurityHubControl("ECS.20", "Non-root users in Linux containers", "CT.ECS.PR.3"),
)


# --- The generated tables of docs/controls.md ------------------------------------------


def _departures(files) -> dict[str, dict[str, str]]:
    """Template -> control -> its departure text, read from the built templates."""
    import json

    from . import TEMPLATES

    return {
        name: json.loads(files(f"{name}.json")).get("Metadata", {}).get("ControlDepartures", {}) for name in TEMPLATES
    }


def departures_table(files) -> str:
    from . import docblocks

    rows = []
    for name, found in _departures(files).items():
        for control in CONTROLS:
            if control.id in found:
                why, _, complies = found[control.id].partition(" Complies with ")
                rows.append([f"[{control.id}]({control.url})", f"`{name}`", why, f"`{complies.rstrip('.')}`"])
    return docblocks.table(["Control", "Template", "Default, and why", "Complies with"], rows)


def controls_table(files) -> str:
    from . import docblocks

    found = _departures(files)
    rows = []
    for control in CONTROLS:
        departing = [name for name, ids in found.items() if control.id in ids]
        status = f"departs by default in {', '.join(f'`{n}`' for n in departing)}" if departing else "met by default"
        rows.append([f"[{control.id}]({control.url})", control.title, f"`guard/rules/{control.rule_file}`", status])
    return docblocks.table(["Control", "Asks for", "Guard rule", "Templates"], rows)


def security_hub_table(files) -> str:
    from . import docblocks

    found = _departures(files)
    rows = []
    for control in SECURITY_HUB_ECS:
        if control.control_tower:
            departing = [name for name, ids in found.items() if control.control_tower in ids]
            how = f"as {control.control_tower}: " + (
                f"met by the hardened file of {', '.join(f'`{n}`' for n in departing)}, by default elsewhere"
                if departing
                else "met by default"
            )
        else:
            how = control.note
        rows.append([f"[{control.id}]({SECURITY_HUB_DOCS}#{control.id.lower().replace('.', '-')})", control.title, how])
    return docblocks.table(["Security Hub", "Checks", "How the templates meet it"], rows)


DOC_BLOCKS = {
    "controls.catalogue": controls_table,
    "controls.departures": departures_table,
    "controls.security-hub": security_hub_table,
}
