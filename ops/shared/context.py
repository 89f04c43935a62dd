"""What every account check reads: the template, the values, the services and the clients."""

from dataclasses import dataclass, field
from functools import cached_property

import botocore.exceptions

from .aws import Account, call, call_or_none, error_code
from .services import Service, services
from .template import Values


@dataclass
class Context:
    account: Account
    name: str
    values: Values
    stack: str | None = None
    _subnets: dict[str, dict] = field(default_factory=dict)

    @property
    def parameters(self) -> dict:
        return self.values.parameters

    @property
    def region(self) -> str:
        return self.account.region

    def value(self, name: str) -> str:
        return self.values.values.get(name, "")

    def client(self, service: str, region: str | None = None):
        return self.account.client(service, region)

    @cached_property
    def services(self) -> list[Service]:
        return services(self.values)

    def of_type(self, kind: str) -> list[str]:
        return [key for key, body in self.parameters.items() if body.get("Type") == kind]

    @cached_property
    def deployed(self) -> dict | None:
        """The stack named by ``stack`` as DescribeStacks answers, or None when there is none."""
        if not self.stack:
            return None
        try:
            return call(self.client("cloudformation"), "describe_stacks", StackName=self.stack)["Stacks"][0]
        except botocore.exceptions.ClientError as error:
            # A name that never existed, or a deleted stack: "Stack with id X does not exist".
            if error_code(error) == "ValidationError":
                return None
            raise

    @cached_property
    def vpc_id(self) -> str | None:
        """VpcId when the template takes one, else the VPC of the first task subnet."""
        for key in self.of_type("AWS::EC2::VPC::Id"):
            return self.value(key)
        for service in self.services:
            for subnet in self.subnets(service.subnets):
                return subnet["VpcId"]
        return None

    def subnets(self, ids: list[str]) -> list[dict]:
        """The subnets that exist, described once per run."""
        missing = [i for i in ids if i not in self._subnets]
        for subnet_id in missing:
            answer = call_or_none(self.client("ec2"), "describe_subnets", SubnetIds=[subnet_id])
            found = answer["Subnets"] if answer else []
            self._subnets[subnet_id] = found[0] if found else {}
        return [self._subnets[i] for i in ids if self._subnets[i]]
