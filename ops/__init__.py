"""The operator's commands around the templates: one folder per command a user types.

preflight/          make preflight: the parameter file, then the account, read-only, before a deploy
deploy/             make deploy, plan, delete, package: change sets, stack events, the template bucket
doctor/             make doctor, explain: a failed stack or one error text against known signatures
probe/              make probe: whether the plugin's clients in the VPC are answered
timeline/           make timeline: release and recovery times, offline
cost/               make cost, cost-refresh: a monthly estimate, offline, from a price snapshot
params_from_stack/  make params-from-stack: a parameter file from a prerequisites stack
shared/             what more than one of them uses (AWS clients and errors, the built template
                    and its values, parameter files, the Rules, reports); it imports none of them

Each folder runs as `python -m ops.<folder>`; a command folder imports another only where
pyproject.toml's `commands` contract says so, and why. All of them read the built templates in
output/ (the templates are the contract).
"""
