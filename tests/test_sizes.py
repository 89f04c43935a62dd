"""Sizes: no file over 600 lines, no function or method over 80, in the code that builds and
runs the templates. The folders held to it and the exceptions, each with its reason, are in
pyproject.toml's [tool.sizes]; the limits are written here as well, so loosening them there fails.
"""

import ast
import os
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ROOT

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
CONFIG_HOME = "pyproject.toml [tool.sizes.exceptions]"


def config(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["sizes"]


def python_files(root: Path, checked: list[str]) -> list[Path]:
    """Every .py file of ``checked`` (files and folders under ``root``). Hidden folders are not
    entered: bench/.work holds the peers' virtual environments."""
    found = []
    for name in checked:
        path = root / name
        if path.is_file():
            found.append(path)
        for folder, folders, files in os.walk(path):
            folders[:] = sorted(sub for sub in folders if not sub.startswith("."))
            found += [Path(folder, file) for file in sorted(files) if file.endswith(".py")]
    return found


def definitions(tree: ast.Module):
    """(qualified name, node) of every function, method and class, nested ones too."""

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                yield name, child
                yield from walk(child, f"{name}.")
            else:  # under an if, a try, a with: still a function of its module or class
                yield from walk(child, prefix)

    yield from walk(tree, "")


def span(node: ast.AST) -> int:
    """Lines from its first decorator to its last line."""
    first = min([node.lineno, *(decorator.lineno for decorator in getattr(node, "decorator_list", []))])
    return node.end_lineno - first + 1


def data_tables(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level assignments by the name they bind."""
    tables = {}
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        tables.update({target.id: node for target in targets if isinstance(target, ast.Name)})
    return tables


def problems(root: Path, checked: list[str], exceptions: dict[str, str]) -> list[str]:
    """One line per file or function over its limit and not excepted, and per exception not needed."""
    found, used = [], set()
    for path in python_files(root, checked):
        relative = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=relative)
        tables = data_tables(tree)
        lines = len(text.splitlines())
        for name, node in tables.items():
            if f"{relative}::{name}" in exceptions:
                used.add(f"{relative}::{name}")
                if lines <= MAX_FILE_LINES:
                    found.append(
                        f"{relative}::{name}: the file is within {MAX_FILE_LINES} lines with it counted: "
                        f"remove it from {CONFIG_HOME}"
                    )
                lines -= span(node)
        if relative in exceptions:
            used.add(relative)
            if lines <= MAX_FILE_LINES:
                found.append(f"{relative}: {lines} lines, within {MAX_FILE_LINES}: remove it from {CONFIG_HOME}")
        elif lines > MAX_FILE_LINES:
            found.append(
                f"{relative}: {lines} lines (at most {MAX_FILE_LINES}): split it into modules, or name it with "
                f"the reason in {CONFIG_HOME}"
            )
        for name, node in definitions(tree):
            if isinstance(node, ast.ClassDef):
                continue
            key, length = f"{relative}::{name}", span(node)
            if key in exceptions:
                used.add(key)
                if length <= MAX_FUNCTION_LINES:
                    found.append(f"{key}: {length} lines, within {MAX_FUNCTION_LINES}: remove it from {CONFIG_HOME}")
            elif length > MAX_FUNCTION_LINES:
                found.append(
                    f"{key} (line {node.lineno}): {length} lines (at most {MAX_FUNCTION_LINES}): split it, or "
                    f"name it with the reason in {CONFIG_HOME}"
                )
    found += [
        f"{key}: no such file, function or data table: remove it from {CONFIG_HOME}" for key in exceptions.keys() - used
    ]
    return found


# --- The project --------------------------------------------------------------------------


def test_no_file_or_function_of_the_project_is_over_its_limit():
    sizes = config()
    assert problems(ROOT, sizes["checked"], sizes["exceptions"]) == []


def test_the_limits_in_pyproject_are_600_lines_a_file_and_80_a_function():
    sizes = config()
    assert (sizes["max-file-lines"], sizes["max-function-lines"]) == (MAX_FILE_LINES, MAX_FUNCTION_LINES)


def test_every_exception_and_every_unchecked_folder_gives_its_reason():
    sizes = config()
    for name, reason in {**sizes["exceptions"], **sizes["unchecked"]}.items():
        assert len(reason.split()) >= 5, f"{name}: say why in a sentence"


def test_every_folder_of_python_code_is_checked_or_says_why_not():
    """A new top-level package is held to the limits unless pyproject.toml says why not."""
    sizes = config()
    code = {
        path.name
        for path in ROOT.iterdir()
        if not path.name.startswith(".")
        and (path.suffix == ".py" or (path.is_dir() and python_files(ROOT, [path.name])))
    }
    assert set(sizes["checked"]) & set(sizes["unchecked"]) == set()
    assert code == set(sizes["checked"]) | set(sizes["unchecked"])


# --- The check itself, on files made for it ------------------------------------------------


def function(name: str, lines: int, indent: str = "") -> str:
    """A function of exactly ``lines`` lines."""
    body = [f"{indent}    x = {i}" for i in range(lines - 2)]
    return "\n".join([f"{indent}def {name}():", *body, f"{indent}    return x"]) + "\n"


def module(lines: int) -> str:
    return "".join(f"X{i} = {i}\n" for i in range(lines))


def check(tmp_path: Path, files: dict[str, str], exceptions: dict[str, str] | None = None) -> list[str]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return problems(tmp_path, ["pkg", "build.py"], exceptions or {})


def test_a_hidden_folder_is_not_checked(tmp_path):
    assert check(tmp_path, {"pkg/.work/venv/site.py": module(601), "pkg/a.py": module(1)}) == []


@pytest.mark.parametrize("where", ["pkg/a.py", "pkg/sub/deeper/a.py", "build.py"])
def test_a_file_of_601_lines_fails_and_one_of_600_passes(tmp_path, where):
    assert check(tmp_path, {where: module(600)}) == []
    (found,) = check(tmp_path, {where: module(601)})
    assert found.startswith(f"{where}: 601 lines (at most 600)")


@pytest.mark.parametrize(
    ("text", "over"),
    [
        (function("long", 81), ["long"]),
        ("class Model:\n" + function("method", 81, indent="    "), ["Model.method"]),
        ("def outer():\n" + function("inner", 81, indent="    ") + "    return inner\n", ["outer", "outer.inner"]),
        ("if True:\n" + function("guarded", 81, indent="    "), ["guarded"]),
        (function("long", 81).replace("def ", "async def "), ["long"]),
        # Decorators count: they are part of what a reader scrolls through.
        ("@staticmethod\n" + function("long", 80), ["long"]),
    ],
)
def test_a_function_of_81_lines_fails(tmp_path, text, over):
    found = check(tmp_path, {"pkg/m.py": text})
    assert [line.split(" (line")[0] for line in found] == [f"pkg/m.py::{name}" for name in over]
    assert all("lines (at most 80): split it" in line for line in found)


def test_a_function_of_80_lines_passes(tmp_path):
    assert check(tmp_path, {"pkg/m.py": function("f", 80) + "\n\nclass C:\n" + function("m", 80, "    ")}) == []


def test_an_exception_lets_that_file_or_function_alone_be_longer(tmp_path):
    files = {"pkg/long.py": module(601), "pkg/other.py": module(601), "pkg/f.py": function("f", 81) + function("g", 81)}
    found = check(tmp_path, files, {"pkg/long.py": "a reason", "pkg/f.py::f": "a reason"})
    assert [line.split(" ")[0].rstrip(":") for line in found] == ["pkg/f.py::g", "pkg/other.py"]


TABLE = "TABLE = (\n" + "".join(f"    {i},\n" for i in range(200)) + ")\n"  # 202 lines


def test_a_data_table_is_left_out_of_its_files_count(tmp_path):
    assert check(tmp_path, {"pkg/t.py": TABLE + module(500)}, {"pkg/t.py::TABLE": "data"}) == []
    assert check(tmp_path, {"pkg/t.py": TABLE + module(600)}, {"pkg/t.py::TABLE": "data"}) == []


def test_the_code_around_a_data_table_still_counts(tmp_path):
    found = check(tmp_path, {"pkg/t.py": TABLE + module(601)}, {"pkg/t.py::TABLE": "data"})
    assert [line.split(" (")[0] for line in found] == ["pkg/t.py: 601 lines"]
    found = check(tmp_path, {"pkg/t.py": TABLE + module(400) + function("f", 81)}, {"pkg/t.py::TABLE": "data"})
    assert [line.split(" (")[0] for line in found] == ["pkg/t.py::f"]


@pytest.mark.parametrize(
    ("exception", "says"),
    [
        ("pkg/short.py", "pkg/short.py: 10 lines, within 600: remove it"),
        ("pkg/short.py::f", "pkg/short.py::f: 8 lines, within 80: remove it"),
        ("pkg/gone.py", "pkg/gone.py: no such file, function or data table: remove it"),
        ("pkg/short.py::renamed", "pkg/short.py::renamed: no such file, function or data table: remove it"),
        ("pkg/short.py::X0", "pkg/short.py::X0: the file is within 600 lines with it counted: remove it"),
    ],
)
def test_an_exception_no_longer_needed_fails(tmp_path, exception, says):
    found = check(tmp_path, {"pkg/short.py": module(2) + function("f", 8)}, {exception: "a reason"})
    assert [line.split(" from ")[0] for line in found] == [says]
