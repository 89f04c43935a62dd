"""A backend such as AgentCore: reached by name through Cloud Map, never by the load balancer."""

from troposphere import Ref, Select, Split, Template

from ..parts import bucket_kms, discovery, iam
from ..parts.service import Rollout
from .shared import Built, Shared
from .tier_resources import add_tier
from .tiers import KNOWLEDGE_BASE_KEY, Tier


def add_backend(template: Template, shared: Shared, tier: Tier) -> Built:
    """An AgentCore-like backend, reached by name through Cloud Map."""
    inputs = shared.inputs
    registry = template.add_resource(
        discovery.a_record_service(
            f"{tier.title}Discovery",
            name=tier.name,
            namespace_id=Ref(shared.namespace),
            description=f"{tier.title} task IPs",
        )
    )
    bucket, secrets_path = Ref(inputs["KnowledgeBaseBucketName"]), Ref(inputs["SecretsParameterPath"])
    return add_tier(
        template,
        tier,
        shared,
        environment={"KNOWLEDGE_BASE_BUCKET": bucket},
        task_permissions=[
            *iam.bedrock_models(),
            iam.bedrock_agents(),
            iam.ssm_read(secrets_path, by_path=True),
            *iam.s3_read_write_objects(bucket),
        ],
        task_policies=[
            bucket_kms.read_write_policy(
                shared.knowledge_base_key_condition, inputs[KNOWLEDGE_BASE_KEY], "knowledge-base-kms"
            )
        ],
        registries=[discovery.registry(registry)],
        rollout=_chosen_rollout(inputs["AgentCoreRollout"]),
    )


def _chosen_rollout(parameter) -> Rollout:
    """The percentages of an ``AgentCoreRollout`` value such as ``100-150``."""
    parts = Split("-", Ref(parameter))
    return Rollout(minimum_healthy=Select(0, parts), maximum=Select(1, parts))
