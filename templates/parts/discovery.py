"""Cloud Map: a private DNS namespace and services that publish task IPs as A records."""

from troposphere import GetAtt, Ref, ecs, servicediscovery

from .parameters import value

# Short enough that a replaced task is found within seconds, long enough to cache.
DNS_TTL_SECONDS = 10


def private_namespace(title: str, *, name, vpc, description: str):
    return servicediscovery.PrivateDnsNamespace(title, Name=value(name), Vpc=Ref(vpc), Description=description)


def a_record_service(title: str, *, name, namespace_id, description: str):
    """A service whose A records are the IPs of healthy tasks.

    MULTIVALUE answers with up to eight healthy IPs; ECS reports task health
    through the custom health check, so no Route 53 health check is billed.
    """
    return servicediscovery.Service(
        title,
        Name=value(name),
        Description=description,
        DnsConfig=servicediscovery.DnsConfig(
            NamespaceId=namespace_id,
            RoutingPolicy="MULTIVALUE",
            DnsRecords=[servicediscovery.DnsRecord(Type="A", TTL=DNS_TTL_SECONDS)],
        ),
        HealthCheckCustomConfig=servicediscovery.HealthCheckCustomConfig(FailureThreshold=1),
    )


def registry(service) -> ecs.ServiceRegistry:
    # An A-record service takes the registry ARN alone: ECS rejects a port or a
    # container name for it ("do not require a value for containerPort").
    return ecs.ServiceRegistry(RegistryArn=GetAtt(service, "Arn"))
