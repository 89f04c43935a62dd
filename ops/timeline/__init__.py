"""Before a release, offline: `make timeline` (`python -m ops.timeline`), how long a release and
a recovery take and the fewest tasks answering meanwhile.

cli.py               the command: a template and parameter file in, the report out (text or JSON)
model.py             a service's release settings and the assumptions; Span (typical, worst)
read.py              the services of a built template, read into the model
tasks.py             what one task and one alarm take, whatever the strategy
placement.py         which tasks ECS puts on Fargate and which on Fargate Spot, two revisions running
rolling.py           a rolling release
traffic_shifting.py  blue/green, linear and canary releases
release.py           every figure of one service, each from its strategy's model
tables.py            the docs blocks: the timeline and strategies tables, the figure
"""
