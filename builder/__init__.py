"""What build.py runs: the templates into output/, then the docs made from them.

The top layer (pyproject.toml's import-linter contracts): the docs gather tables from
templates/, ops/ and tools/, so the build sits above all three and none of them imports it.
"""
