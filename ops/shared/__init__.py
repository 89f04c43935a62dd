"""What more than one command of ops/ uses; it imports no command folder.

errors.py           the errors every command turns into one line and an exit status
aws.py              the account (boto3 session, region, endpoint) and calls with their errors
report.py           check results, and how a command prints them (text or JSON) and exits
invocation.py       whether make ran the command, so messages name make's variables
template.py         a built template (output/) and the values of its intrinsic functions
params.py           parameter files, checked against the template's Parameters
rules.py            the template's Rules section, evaluated offline
capacity.py         how a capacity provider strategy places tasks
services.py         what each ECS service of a template needs from the account
context.py          what every account check reads: template, values, services, clients
stack.py            a stack's state: whether a deploy can proceed, what an earlier one left
template_bucket.py  the S3 bucket a template over 51,200 bytes goes through
"""
