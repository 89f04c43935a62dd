"""Security groups and their rules; every rule says why it exists."""

from dataclasses import dataclass

from troposphere import GetAtt, Ref, ec2

from .fargate import port_ranges
from .parameters import value

ANYWHERE = "0.0.0.0/0"
HTTPS = 443


@dataclass(frozen=True)
class Rule:
    """One TCP rule: a port range and a peer (a CIDR text/parameter or a group)."""

    first_port: int
    last_port: int
    description: str
    cidr: object = None
    group: object = None

    def properties(self, peer_key: str, cidr_key: str) -> dict:
        peer = {cidr_key: value(self.cidr)} if self.cidr is not None else {peer_key: _group_id(self.group)}
        return dict(
            IpProtocol="tcp",
            FromPort=self.first_port,
            ToPort=self.last_port,
            Description=self.description,
            **peer,
        )


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


def security_group(title: str, *, description: str, vpc, ingress: list[Rule], egress: list[Rule]):
    """A group whose rules are all listed here.

    Egress is always explicit: an empty list would otherwise mean "all traffic
    to anywhere", so the caller states what the tasks need to reach.
    """
    return ec2.SecurityGroup(
        title,
        GroupDescription=description,
        VpcId=Ref(vpc),
        SecurityGroupIngress=[
            ec2.SecurityGroupRule(**rule.properties("SourceSecurityGroupId", "CidrIp")) for rule in ingress
        ],
        SecurityGroupEgress=[
            ec2.SecurityGroupRule(**rule.properties("DestinationSecurityGroupId", "CidrIp")) for rule in egress
        ],
    )


def ingress(title: str, group, rule: Rule) -> ec2.SecurityGroupIngress:
    """A stand-alone ingress rule, for rules between two groups of the same stack
    (inline rules that point at each other would be a circular dependency)."""
    return ec2.SecurityGroupIngress(
        title, GroupId=_group_id(group), **rule.properties("SourceSecurityGroupId", "CidrIp")
    )


def egress(title: str, group, rule: Rule) -> ec2.SecurityGroupEgress:
    return ec2.SecurityGroupEgress(
        title, GroupId=_group_id(group), **rule.properties("DestinationSecurityGroupId", "CidrIp")
    )
