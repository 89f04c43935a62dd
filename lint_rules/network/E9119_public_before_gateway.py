"""E9119: what takes a public address in a VPC must come after the internet gateway's attachment.

CloudFormation creates resources in parallel unless one references another or names it in
DependsOn. AWS lists what needs the VPC's gateway attachment first "when they have an
associated public IP address and are in a VPC": Auto Scaling groups, EC2 instances, Elastic
Load Balancing load balancers, Elastic IP addresses, RDS instances, and routes that include
the internet gateway. Nothing in a load balancer's properties points at the attachment, so
without DependsOn the two race, and sometimes the load balancer loses: "VPC vpc-... has no
internet gateway" (aws-cloudformation/aws-cloudformation-templates#75). Checked here: load
balancers that face the internet, Elastic IPs, and routes to an internet gateway, in a template
that attaches one.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html#gatewayattachment
"""

import re
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)

LOAD_BALANCERS = ("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer")
SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")


def _named(node) -> set[str]:
    """Every logical ID a value names through Ref, Fn::GetAtt or a Fn::Sub variable."""
    found = set()
    if isinstance(node, list):
        for item in node:
            found |= _named(item)
    elif isinstance(node, dict):
        title = shared.referenced(node)
        if title:
            found.add(title)
        for function, argument in node.items():
            if function == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                found |= set(SUB_VARIABLE.findall(text)) if isinstance(text, str) else set()
            found |= _named(argument)
    return found


def _before(resources: dict, title: str) -> set[str]:
    """The logical IDs CloudFormation creates before ``title``: what it names or depends on, and so on."""
    seen, waiting = set(), [title]
    while waiting:
        body = resources.get(waiting.pop(), {})
        for other in (_named(body.get("Properties", {})) | shared.depends_on(body)) - seen:
            if other in resources:
                seen.add(other)
                waiting.append(other)
    return seen


def _public(body: dict, gateways: set[str]) -> bool:
    kind, properties = body.get("Type"), shared.properties(body)
    if kind in LOAD_BALANCERS:
        # Without a Scheme a load balancer is internet-facing; a Gateway Load Balancer has none.
        return properties.get("Scheme", "internet-facing") == "internet-facing" and properties.get("Type") != "gateway"
    if kind == "AWS::EC2::EIP":
        return True
    if kind == "AWS::EC2::Route":
        return shared.referenced(properties.get("GatewayId")) in gateways
    return False


class PublicBeforeGateway(CloudFormationLintRule):
    id = "E9119"
    shortdesc = "A resource with a public address must depend on the internet gateway's attachment"
    description = (
        "Internet-facing load balancers, Elastic IPs and routes to an internet gateway created before the "
        "gateway is attached to the VPC fail, some of the time"
    )
    source_url = (
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html#gatewayattachment"
    )
    tags = ["ec2", "vpc", "deploy-time"]

    def match(self, cfn):
        resources = cfn.template.get("Resources") or {}
        gateways = set(shared.resources_of(cfn, "AWS::EC2::InternetGateway"))
        attachments = {
            title
            for title, body in shared.resources_of(cfn, "AWS::EC2::VPCGatewayAttachment").items()
            if shared.referenced(shared.properties(body).get("InternetGatewayId")) in gateways
        }
        if not attachments:
            return []
        matches = []
        for title, body in resources.items():
            if not _public(body, gateways) or attachments & _before(resources, title):
                continue
            matches.append(
                RuleMatch(
                    ["Resources", title],
                    f"{title} ({body['Type']}) may be created before the internet gateway is attached to the VPC, "
                    f"and then fails with 'VPC ... has no internet gateway'. Add DependsOn: {sorted(attachments)[0]}",
                )
            )
        return matches
