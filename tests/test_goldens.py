"""Each structural build option against its committed golden build, byte for byte."""

import pytest

from tests.goldens import GOLDEN, VARIANTS, command
from tests.helpers import ROOT, run_build


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_variant_builds_exactly_its_golden_files(variant):
    arguments = command(variant, "--check")[2:]  # after the interpreter and build.py
    result = run_build(*arguments)
    assert result.returncode == 0, f"{result.stderr}regenerate with: .venv/bin/python -m tests.goldens"
    assert sorted(path.name for path in (GOLDEN / variant).iterdir()) == [
        "finfocus-plugin.json",
        "finfocus-plugin.task-definition.json",
        "finfocus-plugin.yaml",
    ]


def test_each_variant_differs_from_the_default_build():
    default = (ROOT / "output" / "finfocus-plugin.yaml").read_text()
    variants = {variant: (GOLDEN / variant / "finfocus-plugin.yaml").read_text() for variant in VARIANTS}
    assert all(text != default for text in variants.values())
    assert len(set(variants.values())) == len(variants)


def test_goldens_show_what_each_option_means():
    two = (GOLDEN / "finfocus-plugin.two-regions" / "finfocus-plugin.yaml").read_text()
    assert "EndpointUsEast1:" in two and "EndpointEuWest1:" in two and "EndpointUsWest2" not in two
    metrics = (GOLDEN / "finfocus-plugin.metrics-9191" / "finfocus-plugin.yaml").read_text()
    assert ":9191/metrics" in metrics and "9090" not in metrics
