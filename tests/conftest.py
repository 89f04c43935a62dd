import pytest

from tests.helpers import built
from tools import moto_server


@pytest.fixture
def finfocus() -> dict:
    return built("finfocus-plugin")


@pytest.fixture(scope="module")
def moto_endpoint():
    try:
        process, endpoint = moto_server.start()
    except OSError as error:
        pytest.fail(str(error))
    try:
        yield endpoint
    finally:
        moto_server.stop(process)
