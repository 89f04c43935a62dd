"""build.py: selection, listing, staleness check and bad input.

Every test that could write runs build.py in a copy of the project (or writes to
tmp_path), so a regression can never rewrite the committed output/.
"""

import os
import shutil
import subprocess
import sys

import pytest

import templates
from builder import cli, docs
from templates import finfocus_plugin
from templates.errors import ConfigError
from templates.parts import fargate
from tests.helpers import ROOT, run_build, snapshot


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of what build.py reads and writes; bad-input tests run there."""
    copy = tmp_path_factory.mktemp("project")
    for tree in ("builder", "templates", "output", "docs", "params"):
        shutil.copytree(ROOT / tree, copy / tree, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("build.py", ".taskcat.yml"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


def run_in(project, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(project / "build.py"), *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},  # the copy stays as it was
    )


def test_list_names_every_template_with_its_build_options():
    result = run_build("--list")
    assert result.returncode == 0
    heads = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert heads == ["finfocus-plugin", "finfocus-plugin-10-region", "go-api", "platform", "prerequisites"]
    options = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("  --set")]
    # The structural choices only; sizes, ports and images of go-api are stack parameters.
    # The port layout is no option: each layout is a template of its own.
    assert options == ["regions=<str>", "metrics_port=<int>", "image=<str>"] * 2
    assert "(default: 9090)" in result.stdout


def test_list_into_a_closed_pipe_ends_quietly():
    # `build.py --list | head -1`: the reader is gone before the first line is written.
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert stderr == ""


def test_check_names_every_stale_file_and_writes_nothing(tmp_path):
    shutil.copytree(ROOT / "output", tmp_path / "out")
    (tmp_path / "out" / "finfocus-plugin.yaml").write_text("stale\n")
    (tmp_path / "out" / "finfocus-plugin.task-definition.json").unlink()
    before = snapshot(tmp_path / "out")
    result = run_build("--check", "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1
    stale = [line for line in result.stderr.splitlines() if line.startswith("stale:")]
    assert len(stale) == 2
    assert "finfocus-plugin.yaml" in result.stderr and "finfocus-plugin.task-definition.json" in result.stderr
    assert snapshot(tmp_path / "out") == before


# Run build.py --check with an audit hook that records every file opened for writing and
# every directory made, renamed or removed: a check only reads. Its exit status comes first.
WATCH_WRITES = """
import runpy, sys
seen = []
code = None
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and any(c in (args[1] or "r") for c in "wax+"):
        seen.append(("open", args[0], args[1]))
    elif event in ("os.rename", "os.replace", "os.mkdir", "os.remove", "os.rmdir", "shutil.rmtree"):
        seen.append((event, str(args[0])))
sys.addaudithook(hook)
sys.argv = ["build.py", "--check"]
try:
    runpy.run_path("build.py", run_name="__main__")
except SystemExit as end:
    code = end.code
print(code, file=sys.stderr)
print(repr([s for s in seen if "__pycache__" not in s[1]]), file=sys.stderr)
"""


def test_check_passes_on_committed_output_and_opens_nothing_for_writing():
    result = subprocess.run(
        [sys.executable, "-c", WATCH_WRITES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.stderr.splitlines()[-2:] == ["0", "[]"], result.stderr


def test_make_check_works_in_a_read_only_checkout(tmp_path):
    """A checkout nobody may write to (a CI cache, a shared mount): make check only reads."""
    project = tmp_path / "checkout"
    skip = shutil.ignore_patterns(".git", ".venv*", "__pycache__", ".*cache", ".hypothesis", "bench", "build")
    shutil.copytree(ROOT, project, ignore=skip)
    (project / ".venv").symlink_to((ROOT / ".venv").resolve())
    command = "make --no-print-directory -o .venv/.installed check"
    if os.geteuid() != 0:  # permission bits bind everyone but root
        subprocess.run(["chmod", "-R", "a-w", str(project)], check=True)
        wrapped = ["sh", "-c", command]
    elif shutil.which("unshare") and subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0:
        # root ignores permission bits: a private read-only bind mount of the copy instead
        wrapped = [
            "unshare", "-m", "sh", "-c",
            f"mount --bind {project} {project} && mount -o remount,bind,ro {project} && {command}",
        ]  # fmt: skip
    else:
        pytest.skip("cannot make a read-only directory here (root without unshare)")
    try:
        environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        result = subprocess.run(
            wrapped,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
            env=environment | {"PYTHONDONTWRITEBYTECODE": "1"},
        )
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(project)], check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Read-only file system" not in result.stderr and "not writable" not in result.stderr


def test_builds_only_the_named_template(tmp_path):
    result = run_build("finfocus-plugin", "--output-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "finfocus-plugin.json",
        "finfocus-plugin.task-definition.json",
        "finfocus-plugin.yaml",
    ]
    assert (tmp_path / "finfocus-plugin.yaml").read_bytes() == (ROOT / "output" / "finfocus-plugin.yaml").read_bytes()


def test_build_option_changes_the_template(tmp_path):
    result = run_build("finfocus-plugin", "--set", "regions=us-east-1:8001", "--output-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "finfocus-plugin.yaml").read_text()
    assert "us-gov-west-1" not in text and "ContainerPort: 8011" not in text


def test_reference_docs_come_from_the_build_not_a_second_one(monkeypatch):
    built = []
    real = templates.build
    monkeypatch.setattr(templates, "build", lambda name, settings=None: built.append(name) or real(name, settings))
    documents, files = cli.render_all(list(templates.TEMPLATES), {})
    docs.render_docs(ROOT, documents, files)
    assert built == ["finfocus-plugin", "finfocus-plugin-10-region", "go-api", "platform", "prerequisites"]


# A region table with this many entries passes 200 outputs (one per region, plus the others).
MANY_REGIONS = ",".join(f"zz-{chr(97 + i // 26)}{chr(97 + i % 26)}-1:{10000 + i}" for i in range(195))
# Far fewer regions already pass 51,200 bytes of YAML.
SIXTY_REGIONS = ",".join(f"zz-{chr(97 + i // 26)}{chr(97 + i % 26)}-1:{10000 + 2 * i}" for i in range(120))

# A mirror's own image: no release serves a synthetic table.
MIRROR = "registry.example.com/mirror/finfocus:custom"

BAD_INPUT = [
    (["no-such-template"], "no-such-template"),
    (["--frobnicate"], "--frobnicate"),
    (["finfocus-plugin", "--set", "colour=blue"], "colour"),
    (["finfocus-plugin", "--set", "layout=10-region"], "layout"),
    (["finfocus-plugin", "--set", "regions"], "regions"),
    (["finfocus-plugin", "--set", "task_size=256x512"], "task_size"),
    (["finfocus-plugin", "--set", "regions=us-east-1:8001\n"], "newline"),
    (["finfocus-plugin", "--set", "metrics_port=9191\t"], "control character"),
    (["finfocus-plugin", "--set", "client_cidr=10.0.0.0/16"], "client_cidr"),
    (["go-api", "--set", "container_port=8080"], "container_port"),
    (["go-api", "--set", "image=nginx:latest"], "image"),
    (["finfocus-plugin", "--set", "regions="], "region"),
    (["finfocus-plugin", "--set", "regions=us-east-1:8001,eu-west-1:8001"], "8001"),
    (["finfocus-plugin", "--set", "regions=us-east-1:70000"], "70000"),
    (["finfocus-plugin", "--set", "regions=us-east-1:9090"], "9090"),
    (["finfocus-plugin", "--set", "regions=mars-1:8001"], "mars-1"),
    (["finfocus-plugin", "--set", "regions=us-east-1:80²1"], "80²1"),
    (["finfocus-plugin", "--set", "regions=us-east-1:\u0668\u0660\u0660\u0661"], "bad region entry"),
    (["finfocus-plugin", "--set", "regions=us-east-1\n:8001"], "us-east-1"),
    (["finfocus-plugin", "--set", f"regions={MANY_REGIONS}"], "200 outputs"),
    (["finfocus-plugin", "--set", f"regions={SIXTY_REGIONS}", "--set", f"image={MIRROR}"], "51,200 bytes"),
    (["finfocus-plugin", "--set", "metrics_port=nine"], "nine"),
    (["finfocus-plugin", "--set", "metrics_port=--5"], "--5"),
    (["finfocus-plugin", "--set", "metrics_port=²"], "²"),
    (["finfocus-plugin", "--set", "metrics_port=\u0669\u0660\u0669\u0660"], "metrics_port"),
    (["finfocus-plugin", "--set", "metrics_port=0"], "port 0 "),
    (["finfocus-plugin", "--set", "metrics_port=65536"], "port 65536 "),
    (["finfocus-plugin", "--set", "image=Not An Image"], "Not An Image"),
    (["finfocus-plugin", "--set", "image=ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8\n"], "image"),
    # The image's ports must be the template's: a release of another layout, or a tag that moves, is refused.
    (
        ["finfocus-plugin", "--set", "image=ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.8"],
        "finfocus-plugin-10-region",
    ),
    (["finfocus-plugin", "--set", "image=ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.3"], "v0.1.3"),
    (["finfocus-plugin-10-region", "--set", "image=ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2"], "12-region"),
    (["finfocus-plugin-10-region", "--set", "image=ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.3"], "9-region"),
    (["finfocus-plugin", "--set", "image=ghcr.io/rshade/finfocus-plugin-aws-public:latest"], ":latest"),
    (["finfocus-plugin-10-region", "--set", "image=ghcr.io/rshade/finfocus-plugin-aws-public"], ":latest"),
    (["finfocus-plugin", "--set", "image=registry.example.com:5000/finfocus"], ":latest"),
    (
        [
            "finfocus-plugin",
            "--set",
            "image=123456789012.dkr.ecr.us-east-1.amazonaws.com/ghcr/rshade/finfocus-plugin-aws-public:v0.1.8",
        ],
        "v0.1.8",
    ),
    (
        [
            "finfocus-plugin",
            "--set",
            "regions=us-west-1:8010",
            "--set",
            "image=ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2",
        ],
        "v0.1.2",
    ),
    (["platform", "--set", "layout=10-region"], "layout"),
    (["--set", "layout=10-region"], "template named"),
    (["--check", "--set", "regions=us-east-1:8001"], "template named"),
]


def main_in(project, monkeypatch, capsys, *arguments) -> subprocess.CompletedProcess:
    """build.py's command line in this process, reading and writing the copy of the project.

    The same code as `python build.py` past its import check (which has tests of its own),
    without a Python start-up per case.
    """
    for name, path in (("ROOT", project), ("OUTPUT", project / "output")):
        monkeypatch.setattr(cli, name, path)
    try:
        code = cli.main(list(arguments))
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(list(arguments), code, captured.out, captured.err)


def test_bad_input_through_the_real_entry_point(project, tmp_path):
    result = run_in(project, "finfocus-plugin", "--set", "metrics_port=--5", "--output-dir", str(tmp_path / "out"))
    assert (result.returncode, result.stdout, len(result.stderr.splitlines())) == (2, "", 1), result.stderr
    assert "metrics_port" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("arguments", "named"), BAD_INPUT, ids=[" ".join(a)[:60] for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_nothing_written(project, tmp_path, monkeypatch, capsys, arguments, named):
    before = snapshot(project)
    result = main_in(project, monkeypatch, capsys, *arguments, "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before
    assert not (tmp_path / "out").exists()


def test_a_variant_is_never_built_into_output(project):
    before = snapshot(project)
    result = run_in(project, "finfocus-plugin", "--set", "metrics_port=9191")
    assert result.returncode == 2
    assert "--output-dir" in result.stderr and len(result.stderr.splitlines()) == 1
    assert snapshot(project) == before


@pytest.mark.parametrize("where", ["file", "under-file", "empty", "unwritable"])
def test_an_output_dir_that_cannot_hold_the_files_is_refused(project, tmp_path, where):
    (tmp_path / "a-file").write_text("keep\n")
    directory = {
        "file": str(tmp_path / "a-file"),
        "under-file": str(tmp_path / "a-file" / "out"),
        "empty": "",
        "unwritable": "/proc/build-output",  # even root cannot create a directory there
    }[where]
    before = snapshot(project)
    result = run_in(project, "go-api", "--output-dir", directory)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "--output-dir" in result.stderr
    assert snapshot(project) == before
    assert (tmp_path / "a-file").read_text() == "keep\n"


def test_without_troposphere_build_py_says_how_to_get_it(project):
    # -S leaves out site-packages: this Python has no troposphere, as before `make template`.
    result = subprocess.run(
        [sys.executable, "-S", str(project / "build.py")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("build.py: troposphere is not installed for ")
    assert "make template" in result.stderr and len(result.stderr.splitlines()) == 1


def test_ctrl_c_while_writing_leaves_each_file_old_or_new_and_exits_130(monkeypatch, tmp_path, capsys):
    old = {"go-api.yaml": "old yaml\n", "go-api.json": "old json\n"}
    for name, text in old.items():
        (tmp_path / name).write_text(text)
    new = {name: text for name, text in cli.render_all(["go-api"], {})[1].items()}
    real = cli.write_atomically
    written = []

    def interrupted_after_one(path, text):
        if written:
            raise KeyboardInterrupt
        real(path, text)
        written.append(path.name)

    monkeypatch.setattr(cli, "write_atomically", interrupted_after_one)
    assert cli.main(["go-api", "--output-dir", str(tmp_path)]) == 130
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1 and "interrupted" in error
    for name in old:
        assert (tmp_path / name).read_text() in (old[name], new[name])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go-api.json", "go-api.yaml"]  # no temporary files


PART_INPUT = [
    (lambda: fargate.TaskSize(300, 512), "300"),
    (lambda: fargate.TaskSize(1024, 1024), "1024"),
    (lambda: fargate.TaskSize.parse("2048-4096"), "2048-4096"),
    (lambda: fargate.TaskSize.parse("2048x\uff14096"), "2048x\uff14096"),
    (lambda: fargate.check_ports([]), "no ports"),
    (lambda: fargate.check_ports([fargate.PortSpec("a", 8001), fargate.PortSpec("b", 8001)]), "8001"),
    (lambda: fargate.check_ports([fargate.PortSpec("a", 0)]), "0"),
    (lambda: fargate.check_ports([fargate.PortSpec("a", 8001), fargate.PortSpec("a", 8002)]), "'a'"),
    (lambda: finfocus_plugin.parse_regions(" "), "empty"),
    (lambda: finfocus_plugin.parse_regions("us-east-1=8001"), "us-east-1=8001"),
    (lambda: finfocus_plugin.build(finfocus_plugin.Options(regions="")), "empty"),
    (lambda: templates.describe("go-api").options_from({"colour": "blue"}), "colour"),
    (lambda: templates.describe("finfocus-plugin").options_from({"metrics_port": "x"}), "metrics_port"),
    (lambda: templates.describe("no-such-template"), "no-such-template"),
]


@pytest.mark.parametrize(("call", "named"), PART_INPUT, ids=[named for _, named in PART_INPUT])
def test_parts_reject_bad_input_with_a_one_line_message_naming_it(call, named):
    with pytest.raises(ConfigError) as raised:
        call()
    message = str(raised.value)
    assert named in message and "\n" not in message
    assert ":" in message  # "<what is wrong>: <how to fix it>"


def test_importing_the_facts_loads_no_troposphere():
    code = (
        "import sys, templates.facts; "
        "print(sorted(m for m in sys.modules if m.startswith(('troposphere', 'awacs', 'templates.'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "['templates.errors', 'templates.facts']"
