"""After a plugin deploy: `make probe` (`python -m ops.probe`), whether clients in the VPC are answered.

cli.py     the command: one short-lived Fargate task in the stack's subnets, then cleaned up
script.py  the shell script that task runs, and the reading of its output
"""
