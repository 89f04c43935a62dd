import pytest

from tests.helpers import built


@pytest.fixture
def finfocus() -> dict:
    return built("finfocus-plugin")
