"""A Fargate task definition together with the two roles it runs with.

The execution role follows from the container: ECS needs to pull its image,
write its log group and, if it has secrets, read them; nothing else. The task
role is what the application itself may do.
"""

from troposphere import Template, ecs

from . import ecs_exec, iam
from .fargate import Container, task_definition


def add_task(
    template: Template,
    container: Container,
    *,
    size,
    family,
    repositories: list,
    secrets_path=None,
    permissions: list | None = None,
    prefix: str = "",
    execute_command: str | None = None,
    execution_policies: list | None = None,
    task_policies: list | None = None,
    architecture="X86_64",
    sidecars: list | None = None,
) -> ecs.TaskDefinition:
    """Add ``<prefix>ExecutionRole``, ``<prefix>TaskRole`` and ``<prefix>TaskDefinition``.

    ``repositories`` are the ECR repository ARNs the image may come from;
    ``secrets_path`` is the SSM path the container's secrets live under;
    ``execute_command`` is the condition under which ECS Exec is on (:mod:`ecs_exec`);
    ``execution_policies`` and ``task_policies`` are conditional inline policies
    (:func:`iam.conditional_policy`) for each role, such as :mod:`ssm_secrets`' key;
    ``architecture`` is the task's CPU architecture (:func:`fargate.task_definition`);
    ``sidecars`` are containers beside the main one, writing to the same log group.
    """
    pull_and_log = [*iam.ecr_pull(repositories), iam.log_write([container.log_group])]
    if container.secrets:
        pull_and_log.append(iam.ssm_read(secrets_path))
    execution_role = template.add_resource(
        iam.execution_role(f"{prefix}ExecutionRole", pull_and_log, execution_policies)
    )
    extra = [*(task_policies or []), *([ecs_exec.task_role_policy(execute_command)] if execute_command else [])]
    task_role = template.add_resource(iam.task_role(f"{prefix}TaskRole", permissions, extra))
    return template.add_resource(
        task_definition(
            f"{prefix}TaskDefinition",
            family=family,
            size=size,
            container=container,
            execution_role=execution_role,
            task_role=task_role,
            architecture=architecture,
            sidecars=sidecars or (),
        )
    )
