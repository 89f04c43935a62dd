"""Outputs exported under names prefixed by the stack name.

The prefix keeps export names unique per region when the same template is
deployed more than once (another environment, a StackSet).
"""

from troposphere import Export, Output, Sub, Template


def export(template: Template, name: str, value, description: str) -> Output:
    return template.add_output(
        Output(name, Description=description, Value=value, Export=Export(Sub(f"${{AWS::StackName}}-{name}")))
    )
