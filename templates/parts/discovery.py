"""Cloud Map: a private DNS namespace and services that publish task IPs as A records.

How a name keeps answering through a release (docs/ecs-deployment.md, "Releases"):
ECS registers a task in Cloud Map as it starts and reports its container health;
Cloud Map applies a reported status about 30 s later (timings.CLOUD_MAP_HEALTH_DELAY,
github.com/aws/containers-roadmap/issues/830). When ECS stops a task it deregisters it
without waiting out the record's TTL (github.com/aws/containers-roadmap/issues/343), so
a resolver may hand out the stopped task's address for up to ``RECORD_TTL_SECONDS``,
and a lookup that found no record at all is cached for the namespace's negative-caching
TTL. Both are short here; the rollout of each service keeps a registered, healthy task
at every moment (parts/service.py).
"""

from troposphere import GetAtt, Ref, ecs, servicediscovery

from .parameters import value

# How long resolvers may keep a task's address: the longest a client can be handed a
# stopped task's IP. Short enough for that, long enough to spare the resolver.
RECORD_TTL_SECONDS = 10
# How long resolvers keep "no such name" (the SOA record's TTL, negative caching). The
# same as the records: a client that asked while no task was registered (the first
# create) is not kept waiting longer than one that holds an address. Changing it does
# not interrupt anything ("Update requires: No interruption").
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-servicediscovery-privatednsnamespace-soa.html
NEGATIVE_CACHE_TTL_SECONDS = 10


def private_namespace(title: str, *, name, vpc, description: str):
    return servicediscovery.PrivateDnsNamespace(
        title,
        Name=value(name),
        Vpc=Ref(vpc),
        Description=description,
        # troposphere has one Properties class for both namespace kinds, typed with the
        # public one; the private namespace's DnsProperties has the same shape ({SOA: {TTL}}).
        Properties=servicediscovery.Properties(
            DnsProperties=servicediscovery.PublicDnsPropertiesMutable(
                SOA=servicediscovery.SOA(TTL=NEGATIVE_CACHE_TTL_SECONDS)
            )
        ),
    )


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
            DnsRecords=[servicediscovery.DnsRecord(Type="A", TTL=RECORD_TTL_SECONDS)],
        ),
        HealthCheckCustomConfig=servicediscovery.HealthCheckCustomConfig(FailureThreshold=1),
    )


def registry(service) -> ecs.ServiceRegistry:
    # An A-record service takes the registry ARN alone: ECS rejects a port or a
    # container name for it ("do not require a value for containerPort").
    return ecs.ServiceRegistry(RegistryArn=GetAtt(service, "Arn"))
