"""After a deploy, read-only: `make doctor` and `make explain` (`python -m ops.doctor [--explain]`).

cli.py         the command: a failed or unhealthy stack, or one AWS error text, explained
signatures.py  the table of known failure texts, each with its cause, fix and source
score.py       python -m ops.doctor.score: how well the signatures name real failure texts
"""
