"""`make params-from-stack` (`python -m ops.params_from_stack`): a parameter file for a template,
from the outputs of a prerequisites stack (cli.py)."""
