"""build.py: selection, listing, staleness check and bad input."""

import shutil

import pytest

import templates
from templates import finfocus_plugin, go_api
from templates.errors import ConfigError
from templates.parts import fargate
from tests.helpers import ROOT, run_build, snapshot


def test_list_names_every_template_with_what_it_deploys():
    result = run_build("--list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(templates.TEMPLATES)
    assert all(len(line.split()) > 3 for line in lines)


def test_check_passes_on_committed_output():
    result = run_build("--check")
    assert result.returncode == 0, result.stderr


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
    result = run_build("finfocus-plugin", "--set", "layout=10-region", "--output-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "finfocus-plugin.yaml").read_text()
    assert "us-gov-west-1" not in text and "ContainerPort: 8011" not in text


BAD_INPUT = [
    (["no-such-template"], "no-such-template"),
    (["--frobnicate"], "--frobnicate"),
    (["--set", "layout=7-region"], "7-region"),
    (["--set", "colour=blue"], "colour"),
    (["--set", "layout"], "layout"),
    (["--set", "task_size=256x4096"], "256x4096"),
    (["--set", "task_size=big"], "big"),
    (["--set", "regions="], "region"),
    (["--set", "regions=us-east-1:8001,eu-west-1:8001"], "8001"),
    (["--set", "regions=us-east-1:70000"], "70000"),
    (["--set", "regions=us-east-1:9090"], "9090"),
    (["--set", "regions=mars-1:8001"], "mars-1"),
    (["--set", "metrics_port=nine"], "nine"),
    (["--set", "image=Not An Image"], "Not An Image"),
    (["finfocus-plugin", "--set", "client_cidr=0.0.0.0/0"], "0.0.0.0/0"),
    (["finfocus-plugin", "--set", "client_cidr=10.0.0.0"], "10.0.0.0"),
    (["go-api", "--set", "image=nginx:latest"], "nginx:latest"),
    (["go-api", "--set", "image=123456789012.dkr.ecr.us-east-1.amazonaws.com/api"], "amazonaws.com/api"),
    (["go-api", "--set", "container_port=0"], "0"),
    (["go-api", "--set", "task_size=512x512"], "512x512"),
    (["platform", "--set", "layout=10-region"], "layout"),
    (["--check", "--set", "regions=us-east-1:8001,us-west-2:8001"], "8001"),
]


@pytest.mark.parametrize(("arguments", "named"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_output_untouched(arguments, named):
    before = snapshot(ROOT / "output")
    result = run_build(*arguments)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(ROOT / "output") == before


PART_INPUT = [
    (lambda: fargate.TaskSize(300, 512), "300"),
    (lambda: fargate.TaskSize(1024, 1024), "1024"),
    (lambda: fargate.TaskSize.parse("2048-4096"), "2048-4096"),
    (lambda: fargate.check_ports([]), "no ports"),
    (lambda: fargate.check_ports([fargate.PortSpec("a", 8001), fargate.PortSpec("b", 8001)]), "8001"),
    (lambda: fargate.check_ports([fargate.PortSpec("a", 0)]), "0"),
    (lambda: fargate.check_ports([fargate.PortSpec("a", 8001), fargate.PortSpec("a", 8002)]), "'a'"),
    (lambda: finfocus_plugin.parse_regions(" "), "empty"),
    (lambda: finfocus_plugin.parse_regions("us-east-1=8001"), "us-east-1=8001"),
    (lambda: finfocus_plugin.build(finfocus_plugin.Options(regions="")), "empty"),
    (lambda: finfocus_plugin.build(finfocus_plugin.Options(client_cidr="10.0.0.0/99")), "10.0.0.0/99"),
    (lambda: go_api.build(go_api.Options(image="docker.io/library/golang:1")), "docker.io/library/golang:1"),
    (lambda: templates.options_for("go-api", {"colour": "blue"}), "colour"),
    (lambda: templates.options_for("finfocus-plugin", {"metrics_port": "x"}), "metrics_port"),
]


@pytest.mark.parametrize(("call", "named"), PART_INPUT, ids=[named for _, named in PART_INPUT])
def test_parts_reject_bad_input_with_a_one_line_message_naming_it(call, named):
    with pytest.raises(ConfigError) as raised:
        call()
    message = str(raised.value)
    assert named in message and "\n" not in message
    assert ":" in message  # "<what is wrong>: <how to fix it>"
