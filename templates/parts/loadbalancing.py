"""Target groups for Fargate tasks, attached to an existing ALB listener by a rule.

Attaching to the listener someone else owns (rather than creating a listener)
is what lets many services share one load balancer.
"""

from troposphere import If, NoValue, Ref, Select, Split, Sub
from troposphere import elasticloadbalancingv2 as elbv2

from .parameters import value


def ip_target_group(title: str, *, vpc, port: int, health_check_path: str) -> elbv2.TargetGroup:
    """A target group of type ip, the only type awsvpc tasks can register with.

    Health: checked every 30 s, healthy after 2 passes, unhealthy after 3 failures
    (so a broken task leaves the rotation within about 90 s).
    """
    return elbv2.TargetGroup(
        title,
        TargetType="ip",
        Protocol="HTTP",
        Port=port,
        VpcId=Ref(vpc),
        HealthCheckPath=health_check_path,
        HealthCheckIntervalSeconds=30,
        HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
        Matcher=elbv2.Matcher(HttpCode="200-399"),
        TargetGroupAttributes=[
            # Requests in flight get 30 s to finish when a task leaves (default 300 s
            # makes every deployment wait five minutes per task).
            elbv2.TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="30"),
        ],
    )


def listener_rule(
    title: str,
    *,
    listener,
    priority,
    target_group,
    path_pattern,
    host_header=None,
    host_condition: str | None = None,
    alternate=None,
) -> elbv2.ListenerRule:
    """Forward requests matching the path (and, when ``host_condition`` holds, the host) to the group.

    With an ``alternate`` group the rule forwards to both, all the weight on ``target_group``:
    the production rule of ECS blue/green, linear and canary deployments, whose weights ECS
    moves from one group to the other. The alternate group needs the rule to have a load
    balancer, so ECS can register and health-check the new revision's tasks in it before
    any traffic moves.
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
    """
    conditions = [
        elbv2.Condition(Field="path-pattern", PathPatternConfig=elbv2.PathPatternConfig(Values=[value(path_pattern)]))
    ]
    if host_header is not None:
        host = elbv2.Condition(
            Field="host-header", HostHeaderConfig=elbv2.HostHeaderConfig(Values=[value(host_header)])
        )
        conditions.append(If(host_condition, host, NoValue) if host_condition else host)
    return elbv2.ListenerRule(
        title,
        ListenerArn=value(listener),
        Priority=value(priority),
        Conditions=conditions,
        Actions=[_forward(target_group, alternate)],
    )


def _forward(target_group, alternate):
    if alternate is None:
        return elbv2.ListenerRuleAction(Type="forward", TargetGroupArn=Ref(target_group))
    return elbv2.ListenerRuleAction(
        Type="forward",
        ForwardConfig=elbv2.ForwardConfig(
            TargetGroups=[
                elbv2.TargetGroupTuple(TargetGroupArn=Ref(target_group), Weight=100),
                elbv2.TargetGroupTuple(TargetGroupArn=Ref(alternate), Weight=0),
            ]
        ),
    )


def load_balancer_full_name(listener_arn):
    """``app/<name>/<id>``, the CloudWatch dimension, cut from a listener ARN
    (``arn:...:listener/app/<name>/<id>/<listener id>``; the parameter's pattern holds it to ``app/``)."""
    parts = Split("/", value(listener_arn))
    return Sub("app/${Name}/${Id}", Name=Select(2, parts), Id=Select(3, parts))


# --- A load balancer of one's own (the prerequisites stack) ------------------------------

# What the ALB answers when no rule matches: a plain 404, never another application's page.
NOT_FOUND = elbv2.Action(
    Type="fixed-response",
    FixedResponseConfig=elbv2.FixedResponseConfig(StatusCode="404", ContentType="text/plain", MessageBody="Not found"),
)
# AWS's recommended policy: TLS 1.3 and 1.2 only.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def public_load_balancer(
    title: str, *, subnets: list, security_group, deletion_protection, access_logs: tuple | None = None
) -> elbv2.LoadBalancer:
    """An internet-facing ALB. ``deletion_protection`` is a ``true``/``false`` parameter; with
    ``access_logs`` (bucket parameter, condition), the ALB writes its access logs to that bucket
    (under AWSLogs/<account>/elasticloadbalancing/, no prefix of its own) when the condition holds.
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
    """
    attributes = [
        # Requests with header names that are not valid HTTP are dropped, not passed on
        # (a request-smuggling guard that costs nothing).
        elbv2.LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled", Value="true"),
        elbv2.LoadBalancerAttributes(Key="deletion_protection.enabled", Value=value(deletion_protection)),
    ]
    if access_logs is not None:
        bucket, condition = access_logs
        attributes += [
            If(condition, elbv2.LoadBalancerAttributes(Key="access_logs.s3.enabled", Value="true"), NoValue),
            If(condition, elbv2.LoadBalancerAttributes(Key="access_logs.s3.bucket", Value=Ref(bucket)), NoValue),
        ]
    return elbv2.LoadBalancer(
        title,
        Type="application",
        Scheme="internet-facing",
        Subnets=[Ref(subnet) for subnet in subnets],
        SecurityGroups=[value(security_group)],
        LoadBalancerAttributes=attributes,
    )


def redirect_to_https() -> elbv2.Action:
    return elbv2.Action(
        Type="redirect",
        RedirectConfig=elbv2.RedirectConfig(Protocol="HTTPS", Port="443", StatusCode="HTTP_301"),
    )


def http_listener(title: str, *, load_balancer, default_action) -> elbv2.Listener:
    return elbv2.Listener(
        title, LoadBalancerArn=Ref(load_balancer), Port=80, Protocol="HTTP", DefaultActions=[default_action]
    )


def https_listener(title: str, *, load_balancer, certificate, condition: str) -> elbv2.Listener:
    return elbv2.Listener(
        title,
        Condition=condition,
        LoadBalancerArn=Ref(load_balancer),
        Port=443,
        Protocol="HTTPS",
        SslPolicy=TLS_POLICY,
        Certificates=[elbv2.Certificate(CertificateArn=value(certificate))],
        DefaultActions=[NOT_FOUND],
    )
