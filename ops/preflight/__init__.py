"""Before a deploy, read-only: `make preflight` (`python -m ops.preflight`).

cli.py              the command: the parameter file and the template's Rules offline, then the account
network.py          the VPC, its subnets, routes, endpoints and security groups, as the tasks meet them
loadbalancing.py    the existing load balancer pieces a stack attaches to
discovery.py        Cloud Map: a namespace the stack joins, the names it takes
deployments.py      releases: alarms, the second target group and production rule, a strategy switch
traffic.py          where production traffic is, read live (doctor reads it too)
switch.py           a switch between ROLLING and a traffic-shifting strategy (deploy refuses on it)
endpoint_access.py  whether the tasks get through the security groups of the interface endpoints
compute.py          ECS itself: the cluster, its service-linked role, the Fargate vCPU quota
artifacts.py        what the tasks read at start: images, SSM parameters, the bucket
plugin_image.py     offline: the plugin's image against its release table
"""
