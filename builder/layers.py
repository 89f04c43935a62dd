"""README.md's "How it fits together", drawn from what checks it: the import-linter
contracts in pyproject.toml (the layers, the packages that stand alone, and the folders of
ops/ that import each other only as listed, above their shared one) and the Makefile
(which package or folder each make target runs). A layer or a command that changes
there changes the diagram at the next build, and `make check` fails until it is rebuilt.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where a recipe line names the code it runs: `python -m a.b` (or a variable that ends in `-m`,
# such as `TOOL = ... $(BIN)/python -m`), `build.py`, cfn-lint's `--append-rules DIR`.
_RUNS = r"(?:-m|{runners}) (?P<module>[a-z_][\w.]*)|(?P<script>\bbuild)\.py\b|--append-rules (?P<rules>\w+)"
_RUNNER = re.compile(r"^(?P<name>[A-Z_][A-Z_0-9]*)\s*[:?]?=.*\s-m\s*$", re.MULTILINE)
_TARGET = re.compile(r"^(?P<target>[a-z][a-z-]*):.*## ")


@dataclass(frozen=True)
class Layers:
    """The layers contract, top first (each a list of siblings), and the packages outside it."""

    layers: list[list[str]]
    alone: list[str]
    forbidden: set[tuple[str, str]]
    rooms: "Rooms | None" = None


@dataclass(frozen=True)
class Rooms:
    """A package of independent folders (an independence contract) above a shared one (a
    forbidden contract from the shared folder to all of them), and the listed exceptions."""

    package: str
    folders: list[str]
    shared: str | None
    allowed: list[tuple[str, str]]


def read_contracts(pyproject: str) -> Layers:
    config = tomllib.loads(pyproject)["tool"]["importlinter"]
    contracts = config["contracts"]
    layered = next((c for c in contracts if c["type"] == "layers" and not c.get("containers")), None)
    if layered is None:
        raise ValueError("pyproject.toml has no import-linter layers contract of top-level packages")
    layers = [[name.strip() for name in re.split(r"[|:]", layer)] for layer in layered["layers"]]
    in_layers = {name for layer in layers for name in layer}
    forbidden = {
        (source, target)
        for contract in contracts
        if contract["type"] == "forbidden"
        for source in contract["source_modules"]
        for target in contract["forbidden_modules"]
    }
    alone = [name for name in config["root_packages"] if name not in in_layers]
    return Layers(layers, alone, forbidden, _rooms(contracts))


def _rooms(contracts: list[dict]) -> Rooms | None:
    """The folders of one package that import each other only as listed, if a contract says so."""
    independent = next((c for c in contracts if c["type"] == "independence"), None)
    if independent is None:
        return None
    folders = independent["modules"]
    package = folders[0].rpartition(".")[0]
    if not package or any(folder.rpartition(".")[0] != package for folder in folders):
        raise ValueError(f"the independence contract's modules are not folders of one package: {folders}")
    shared = next(
        (
            c["source_modules"][0]
            for c in contracts
            if c["type"] == "forbidden"
            and len(c["source_modules"]) == 1
            and set(c["forbidden_modules"]) == set(folders)
        ),
        None,
    )

    def folder(module: str) -> str:
        return ".".join(module.split(".")[: package.count(".") + 2])

    allowed = []
    for expression in independent.get("ignore_imports", []):
        importer, _, imported = (part.strip() for part in expression.partition("->"))
        if (folder(importer), folder(imported)) not in allowed:
            allowed.append((folder(importer), folder(imported)))
    return Rooms(package, folders, shared, allowed)


def commands(makefile: str, root: Path = ROOT) -> dict[str, list[str]]:
    """make target -> the modules of ours (under ``root``) its recipe runs (``build`` for build.py),
    in Makefile order."""
    runners = "|".join(re.escape(f"$({match['name']})") for match in _RUNNER.finditer(makefile))
    runs = re.compile(_RUNS.format(runners=runners or "-m"))
    found: dict[str, list[str]] = {}
    target = None
    for line in makefile.splitlines():
        if match := _TARGET.match(line):
            target = match["target"]
            found[target] = []
        elif target and line.startswith("\t"):
            for run in runs.finditer(line):
                module = run["module"] or run["script"] or run["rules"]
                if module not in found[target] and (module == "build" or _path(root, module)):
                    found[target].append(module)
        elif not line.startswith("\t"):
            target = None
    return {target: modules for target, modules in found.items() if modules}


def _path(root: Path, module: str) -> Path | None:
    """The file or folder of ``module`` under ``root``, or None when it is not ours (pytest)."""
    path = root.joinpath(*module.split("."))
    return path if path.is_dir() else path.with_suffix(".py") if path.with_suffix(".py").is_file() else None


def _package(module: str) -> str:
    return "builder" if module == "build" else module.split(".")[0]


def diagram(pyproject: str, makefile: str, root: Path = ROOT) -> str:
    """A mermaid flowchart: one box per package with the make targets it runs, an arrow from a
    layer to each package of the layer below that it may import."""
    contracts = read_contracts(pyproject)
    rooms = contracts.rooms
    folders = [*rooms.folders, *([rooms.shared] if rooms.shared else [])] if rooms else []
    targets: dict[str, list[str]] = {}
    for target, modules in commands(makefile, root).items():
        room = next((f for f in folders if modules[0] == f or modules[0].startswith(f + ".")), None)
        targets.setdefault(room or _package(modules[0]), []).append(target)

    def box(module: str, indent: str = "    ") -> str:
        runs = "make " + ", ".join(targets[module]) if module in targets else ""
        name = module.rpartition(".")[2]
        return f'{indent}{_id(module)}["{name}/' + (f"<br>{runs}" if runs else "") + '"]'

    lines = ["```mermaid", "flowchart TB"]
    for package in [*(package for layer in contracts.layers for package in layer), *contracts.alone]:
        lines += _room_boxes(rooms, box) if rooms and package == rooms.package else [box(package)]
    for upper, lower in zip(contracts.layers, contracts.layers[1:], strict=False):
        lines += [f"    {high} --> {low}" for high in upper for low in lower if (high, low) not in contracts.forbidden]
    if rooms:
        lines += [f"    {_id(importer)} -.-> {_id(imported)}" for importer, imported in rooms.allowed]
    return "\n".join([*lines, "```"]) + "\n"


def _id(module: str) -> str:
    return module.replace(".", "_")


def _room_boxes(rooms: Rooms, box) -> list[str]:
    """The package as a subgraph: its folders side by side, each allowed into the shared one."""
    lines = [f'    subgraph {_id(rooms.package)}["{rooms.package}/"]']
    if rooms.shared:
        lines += [f'        subgraph {_id(rooms.package)}_commands["one folder per command"]']
        lines += [box(folder, "            ") for folder in rooms.folders]
        lines += ["        end", box(rooms.shared, "        ")]
        lines += [f"        {_id(rooms.package)}_commands --> {_id(rooms.shared)}"]
    else:
        lines += [box(folder, "        ") for folder in rooms.folders]
    return [*lines, "    end"]


def command_table(makefile: str, root: Path = ROOT) -> str:
    """Which files each make target runs: a module's file, or its folder when it is a package."""
    from templates import docblocks

    def where(module: str) -> str:
        if module == "build":
            return "`build.py` → `builder/`"
        path = _path(root, module).relative_to(root)
        return f"`{path}/`" if (root / path).is_dir() else f"`{path}`"

    rows = [
        [f"`make {target}`", ", ".join(map(where, modules))] for target, modules in commands(makefile, root).items()
    ]
    return docblocks.table(["Command", "Runs"], rows)


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


DOC_BLOCKS = {
    "layers.diagram": lambda: diagram(_read("pyproject.toml"), _read("Makefile")),
    "layers.commands": lambda: command_table(_read("Makefile")),
}
