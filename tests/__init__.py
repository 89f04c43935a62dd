import sys

# Where PYTHONDONTWRITEBYTECODE is set, each pytest worker would rewrite and compile every test
# module (and compile our own) again on every run: about 3 s of CPU per worker (measured). In
# pytest's processes, compiled modules are kept as Python keeps them by default, in __pycache__
# (ignored by git, removed by make clean); subprocesses keep the variable as the user set it.
sys.dont_write_bytecode = False
