"""Changing a stack: `make deploy` and `make plan` (`python -m ops.deploy [--plan]`), `make delete`
(`python -m ops.deploy.delete`), `make package` (`python -m ops.deploy.package`).

cli.py           deploy and plan: a change set made, shown, then executed (deploy) or deleted (plan)
delete.py        delete a stack, then name what it kept
package.py       upload a template to S3 and print its URL
changeset.py     change sets: the one way these commands change a stack
changes.py       what an update does to each resource, and which changes hurt
stack_events.py  a stack operation as it happens, one event a line
"""
