"""Outputs exported under names prefixed by the stack name.

The prefix keeps export names unique per region when the same template is
deployed more than once (another environment, a StackSet).
"""

from troposphere import Export, GetAtt, Output, Ref, Sub, Template


def export(template: Template, name: str, value, description: str) -> Output:
    return template.add_output(
        Output(name, Description=description, Value=value, Export=Export(Sub(f"${{AWS::StackName}}-{name}")))
    )


def service(template: Template, *, what: str, cluster_name, service, task_definition) -> None:
    """The outputs of a stack that runs one ECS service: ``what`` names its application."""
    export(template, "ClusterName", cluster_name, f"ECS cluster the {what} runs in")
    export(template, "ServiceName", GetAtt(service, "Name"), "ECS service name")
    export(template, "ServiceArn", Ref(service), "ECS service ARN")
    export(template, "TaskDefinitionArn", Ref(task_definition), "Task definition ARN (this revision)")
