"""Before a release, offline: `make timeline` (`python -m ops.timeline`), how long a release and
a recovery take and the fewest tasks answering meanwhile.

cli.py  the command, the model and the docs tables
"""
