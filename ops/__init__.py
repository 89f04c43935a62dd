"""Read-only checks around a deploy: `python -m ops.preflight` before, `python -m ops.doctor` after.

Both read the built templates in output/ (the templates are the contract) and never
call an AWS operation that changes anything.
"""
