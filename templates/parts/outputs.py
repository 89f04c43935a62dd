"""Outputs, most of them exported under names prefixed by the stack name.

The prefix keeps export names unique per region when the same template is
deployed more than once (another environment, a StackSet).

Only values that stay the same for the life of the stack are exported. An export
that another stack imports cannot change, so exporting a value that every release
changes (a task definition ARN ends in a new revision each time) would block the
next release once anyone imports it; such values are plain outputs.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html
"""

from troposphere import Export, GetAtt, Output, Ref, Sub, Template


def export(template: Template, name: str, value, description: str) -> Output:
    return template.add_output(
        Output(name, Description=description, Value=value, Export=Export(Sub(f"${{AWS::StackName}}-{name}")))
    )


def plain(template: Template, name: str, value, description: str) -> Output:
    """An output read with describe-stacks, never imported: for values that change with releases."""
    return template.add_output(Output(name, Description=description, Value=value))


def task_definition_arn(template: Template, name: str, task_definition, what: str) -> Output:
    return plain(template, name, Ref(task_definition), f"{what} task definition ARN (this revision; not exported)")


def service(template: Template, *, what: str, cluster_name, service, task_definition) -> None:
    """The outputs of a stack that runs one ECS service: ``what`` names its application."""
    export(template, "ClusterName", cluster_name, f"ECS cluster the {what} runs in")
    export(template, "ServiceName", GetAtt(service, "Name"), "ECS service name")
    export(template, "ServiceArn", Ref(service), "ECS service ARN")
    task_definition_arn(template, "TaskDefinitionArn", task_definition, f"The {what}'s")
