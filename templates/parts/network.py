"""Security groups and their rules; every rule says why it exists."""

from dataclasses import dataclass

from troposphere import GetAtt, Ref, ec2

from .fargate import port_ranges
from .parameters import value

ANYWHERE = "0.0.0.0/0"
HTTPS = 443


_PEER_KEYS = {
    "ingress": {"cidr": "CidrIp", "group": "SourceSecurityGroupId", "prefix_list": "SourcePrefixListId"},
    "egress": {"cidr": "CidrIp", "group": "DestinationSecurityGroupId", "prefix_list": "DestinationPrefixListId"},
}


@dataclass(frozen=True)
class Rule:
    """One TCP rule: a port range and one peer (a CIDR, a security group or a prefix list)."""

    first_port: int
    last_port: int
    description: str
    cidr: object = None
    group: object = None
    prefix_list: object = None

    def properties(self, direction: str) -> dict:
        peers = {kind: peer for kind in ("cidr", "group", "prefix_list") if (peer := getattr(self, kind)) is not None}
        if len(peers) != 1:
            raise ValueError(f"rule {self.description!r} needs exactly one peer, not {sorted(peers)}")
        ((kind, peer),) = peers.items()
        return {
            "IpProtocol": "tcp",
            "FromPort": self.first_port,
            "ToPort": self.last_port,
            "Description": self.description,
            _PEER_KEYS[direction][kind]: _group_id(peer) if kind == "group" else value(peer),
        }


def _group_id(group):
    # GroupId is the attribute every rule property accepts, in any VPC.
    if isinstance(group, ec2.SecurityGroup):
        return GetAtt(group, "GroupId")
    return value(group)


def port(number: int, description: str, **peer) -> Rule:
    return Rule(number, number, description, **peer)


def ports(numbers, describe, **peer) -> list[Rule]:
    """Rules covering ``numbers`` with the fewest contiguous ranges.

    ``describe(first, last)`` writes each rule's description.
    """
    return [Rule(first, last, describe(first, last), **peer) for first, last in port_ranges(numbers)]


# A group created with egress rules of its own loses the allow-all rule every new group
# gets; this one matches no real traffic (ICMP type 252, code 86, to the broadcast address),
# so a group with it alone sends nothing. The AWS CDK writes the same rule for a group
# without outbound access (allowAllOutbound: false).
NO_EGRESS = ec2.SecurityGroupRule(
    IpProtocol="icmp", FromPort=252, ToPort=86, CidrIp="255.255.255.255/32", Description="No outbound traffic"
)


def security_group(title: str, *, description: str, vpc, ingress: list[Rule], egress: list[Rule]):
    """A group whose rules are all listed here.

    Egress is always explicit: left to CloudFormation, no rules would mean "all traffic
    to anywhere", so the caller states what the tasks need to reach, and an empty list
    means nothing at all.
    """
    group = ec2.SecurityGroup(
        title,
        GroupDescription=description,
        VpcId=Ref(vpc),
        SecurityGroupEgress=[ec2.SecurityGroupRule(**rule.properties("egress")) for rule in egress] or [NO_EGRESS],
    )
    if ingress:
        group.SecurityGroupIngress = [ec2.SecurityGroupRule(**rule.properties("ingress")) for rule in ingress]
    return group


def ingress(title: str, group, rule: Rule, condition: str | None = None) -> ec2.SecurityGroupIngress:
    """A stand-alone ingress rule: for rules between two groups of the same stack
    (inline rules that point at each other would be a circular dependency), on
    another stack's group, or that exists only when ``condition`` holds."""
    resource = ec2.SecurityGroupIngress(title, GroupId=_group_id(group), **rule.properties("ingress"))
    if condition:
        resource.Condition = condition
    return resource


def egress(title: str, group, rule: Rule, condition: str | None = None) -> ec2.SecurityGroupEgress:
    """A stand-alone egress rule, only when ``condition`` holds if one is given.

    On a group another stack owns, give a condition the user opts in to: the rule is
    outside that stack's control (its next update of the group's egress rules can
    remove it, or the two stacks keep undoing each other's changes), and deleting
    this stack removes a rule the other stack's traffic may have come to rely on.
    (The default allow-all rule goes only when a group is created with egress rules of
    its own: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html)
    """
    resource = ec2.SecurityGroupEgress(title, GroupId=_group_id(group), **rule.properties("egress"))
    if condition:
        resource.Condition = condition
    return resource
