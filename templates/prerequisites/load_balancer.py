"""The public ALB, its listeners, and go-api's two target groups behind a rule."""

from dataclasses import dataclass

from troposphere import If, Ref, Template

from ..parts import loadbalancing, scanner
from .choices import ACCESS_LOGS_WHY, Conditions
from .network import PUBLIC

ALB_HTTP, ALB_HTTPS = 80, 443
GO_API_PORT = 8080
GO_API_HEALTH_CHECK_PATH = "/health"
# The last priority an ALB rule can have: every rule another stack adds on this listener
# (the platform's BFF) comes first, and go-api answers whatever they leave.
LAST_RULE_PRIORITY = 50000


@dataclass(frozen=True)
class GoApiTargets:
    """go-api's two target groups and the production listener rule that forwards to them."""

    primary: object
    alternate: object
    rule: object


def add_load_balancer(
    template: Template, inputs: dict, conditions: Conditions, network_vpc, subnets: dict, groups, attachment
):
    """The ALB, its listeners (HTTP, and HTTPS with a certificate) and go-api's target group behind a rule."""
    balancer = loadbalancing.public_load_balancer(
        "LoadBalancer",
        subnets=subnets[PUBLIC.name],
        security_group=groups["AlbSecurityGroup"],
        deletion_protection=inputs["LoadBalancerDeletionProtection"],
        access_logs=(inputs["LogBucketName"], conditions.logs),
    )
    # An internet-facing load balancer needs the VPC's internet gateway attached: nothing it
    # references orders it after the attachment, and created first it fails with "VPC ... has no
    # internet gateway" (intermittently: the two are created in parallel).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html#gatewayattachment
    balancer.DependsOn = [attachment.title]
    alb = template.add_resource(scanner.accept(balancer, {"CKV_AWS_91": ACCESS_LOGS_WHY}))
    https = template.add_resource(
        loadbalancing.https_listener(
            "HttpsListener", load_balancer=alb, certificate=inputs["CertificateArn"], condition=conditions.certificate
        )
    )
    plain_http = (
        "HTTP until CertificateArn is given; with a certificate this listener only redirects to HTTPS, "
        "served by HttpsListener with " + loadbalancing.TLS_POLICY
    )
    http = template.add_resource(
        scanner.accept(
            loadbalancing.http_listener(
                "HttpListener",
                load_balancer=alb,
                default_action=If(conditions.certificate, loadbalancing.redirect_to_https(), loadbalancing.NOT_FOUND),
            ),
            {"CKV_AWS_2": plain_http, "CKV_AWS_103": plain_http},
        )
    )
    listener = If(conditions.certificate, Ref(https), Ref(http))

    def go_api_group(title: str):
        return template.add_resource(
            loadbalancing.ip_target_group(
                title,
                vpc=network_vpc,
                port=Ref(inputs["ContainerPort"]),
                health_check_path=Ref(inputs["GoApiHealthCheckPath"]),
            )
        )

    # Two groups alike and a rule that forwards to both, all the weight on the first: what a
    # blue/green, linear or canary go-api needs (the production rule whose weights ECS moves,
    # and a second group the load balancer health-checks before any traffic moves); a
    # rolling go-api uses the first group only. A target group costs nothing.
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
    primary, alternate = go_api_group("GoApiTargetGroup"), go_api_group("GoApiAlternateTargetGroup")
    # The rule attaches the target groups to the load balancer: go-api's service can only be
    # created once its target group has one.
    rule = template.add_resource(
        loadbalancing.listener_rule(
            "GoApiListenerRule",
            listener=listener,
            priority=inputs["GoApiRulePriority"],
            target_group=primary,
            path_pattern=inputs["GoApiPathPattern"],
            alternate=alternate,
        )
    )
    return alb, listener, GoApiTargets(primary, alternate, rule)
