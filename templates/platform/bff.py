"""The BFF: behind the existing listener on two target groups, in front of every backend."""

from troposphere import GetAtt, Ref, Template

from ..parts import deployment_strategy, iam, loadbalancing, network, outputs, parameters
from ..parts.alarms import TargetGroups, target_group_dimension
from ..parts.service import load_balancer
from .capacity import BFF_ROLLOUT
from .shared import Built, Shared
from .tier_resources import add_tier
from .tiers import BFF, BFF_HEALTH_CHECK_PATH


def add_bff(template: Template, shared: Shared, backends: list[Built]) -> tuple[Built, TargetGroups]:
    """The BFF behind the existing listener, allowed to reach each backend; then the outputs.

    The rule forwards to two target groups, all the weight on the first: what blue/green,
    linear and canary deployments need, whatever the strategy of the day. Switching to one
    of them then changes nothing on the load balancer (the stack adds only the role ECS
    moves the traffic with), and a target group costs nothing.
    """
    inputs = shared.inputs
    listener = inputs["AlbListenerArn"]

    def target_group(title: str):
        return template.add_resource(
            loadbalancing.ip_target_group(
                title, vpc=inputs["VpcId"], port=BFF.port, health_check_path=BFF_HEALTH_CHECK_PATH
            )
        )

    primary = target_group(f"{BFF.title}TargetGroup")
    alternate = target_group(f"{BFF.title}AlternateTargetGroup")
    rule = template.add_resource(
        loadbalancing.listener_rule(
            f"{BFF.title}ListenerRule",
            listener=listener,
            priority=inputs["ListenerRulePriority"],
            target_group=primary,
            path_pattern=inputs["PathPattern"],
            host_header=inputs["HostHeader"],
            host_condition=parameters.when_given(template, inputs["HostHeader"]),
            alternate=alternate,
        )
    )
    targets = TargetGroups(
        primary=target_group_dimension(primary),
        load_balancer=loadbalancing.load_balancer_full_name(listener),
        alternate=target_group_dimension(alternate),
        alternate_condition=deployment_strategy.TRAFFIC_SHIFT,
    )
    role = template.add_resource(deployment_strategy.infrastructure_role(f"{BFF.title}LoadBalancerRole"))
    advanced = shared.strategy.advanced_configuration(
        alternate_target_group=Ref(alternate), production_listener_rule=Ref(rule), role=role
    )
    bff = add_tier(
        template,
        BFF,
        shared,
        environment={f"{backend.tier.name.upper()}_URL": backend.tier.url() for backend in backends},
        task_permissions=[iam.ssm_read(Ref(inputs["SecretsParameterPath"]), by_path=True)],
        rollout=BFF_ROLLOUT,
        load_balancers=[load_balancer(primary, container_name=BFF.name, container_port=BFF.port, advanced=advanced)],
        # The target group only has a load balancer once the rule exists; a service
        # created before it fails ("target group does not have an associated load balancer").
        # The alarms that roll a release back exist before the first release starts.
        depends_on=[rule, *BFF.alarms.add_target_alarms(template, targets, shared.notify)],
        strategy=shared.strategy.deployment_settings(),
    )
    BFF.alarms.add_no_healthy_target_alarm(template, targets, shared.notify, bff.service)
    # The service names the rule in its AdvancedConfiguration and also depends on it outright,
    # so that the order stays if the advanced configuration ever becomes conditional again.
    # cfn-lint calls that DependsOn redundant.
    bff.service.Metadata = {"cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}
    alb_egress = parameters.when_true(template, inputs["AddAlbEgressRule"], "AddAlbEgress")
    add_tiered_security_groups(template, inputs["AlbSecurityGroupId"], alb_egress, bff, backends)
    add_outputs(template, shared, bff, backends, primary)
    return bff, targets


def add_tiered_security_groups(
    template: Template, alb_group, alb_egress: str, bff: Built, backends: list[Built]
) -> None:
    """ALB -> BFF -> each backend, each hop on the next tier's port only.

    The ALB's group belongs to another stack: its egress rule exists only when
    ``alb_egress`` (the user's opt-in) holds.
    """
    front = bff.tier
    template.add_resource(
        network.ingress(
            f"{front.title}FromAlb",
            bff.security_group,
            network.port(front.port, "HTTP from the public ALB", group=alb_group),
        )
    )
    template.add_resource(
        network.egress(
            f"AlbTo{front.title}",
            alb_group,
            network.port(front.port, "ALB to BFF tasks", group=bff.security_group),
            condition=alb_egress,
        )
    )
    for backend in backends:
        tier = backend.tier
        template.add_resource(
            network.ingress(
                f"{tier.title}From{front.title}",
                backend.security_group,
                network.port(tier.port, "HTTP from the BFF", group=bff.security_group),
            )
        )
        template.add_resource(
            network.egress(
                f"{front.title}To{tier.title}",
                bff.security_group,
                network.port(tier.port, f"BFF to {tier.title}", group=backend.security_group),
            )
        )


def add_outputs(template: Template, shared: Shared, bff: Built, backends: list[Built], target_group) -> None:
    title = bff.tier.title
    outputs.export(template, "ClusterArn", GetAtt(shared.cluster, "Arn"), "ECS cluster ARN")
    outputs.export(template, "ClusterName", Ref(shared.cluster), "ECS cluster name")
    outputs.export(template, f"{title}ServiceArn", Ref(bff.service), "BFF ECS service ARN")
    outputs.task_definition_arn(template, f"{title}TaskDefinitionArn", bff.task_definition, "BFF")
    outputs.export(template, "NamespaceId", Ref(shared.namespace), "Cloud Map namespace ID")
    outputs.export(template, "NamespaceName", Ref(shared.inputs["NamespaceName"]), "Cloud Map namespace name")
    outputs.export(
        template, f"{title}SecurityGroupId", GetAtt(bff.security_group, "GroupId"), "BFF task security group"
    )
    for backend in backends:
        name = backend.tier.title
        outputs.export(template, f"{name}ServiceArn", Ref(backend.service), f"{name} ECS service ARN")
        outputs.task_definition_arn(template, f"{name}TaskDefinitionArn", backend.task_definition, name)
        outputs.export(template, f"{name}Url", backend.tier.url(), f"{name} URL in the VPC")
        outputs.export(
            template, f"{name}SecurityGroupId", GetAtt(backend.security_group, "GroupId"), f"{name} task security group"
        )
    outputs.export(template, f"{title}TargetGroupArn", Ref(target_group), "BFF target group ARN")
