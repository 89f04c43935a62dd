import pytest

from tests.helpers import built
from tools import moto_server


@pytest.fixture
def finfocus() -> dict:
    return built("finfocus-plugin")


@pytest.fixture(scope="session")
def moto_session():
    """One moto_server for all the modules a worker runs (starting one costs about 2 s)."""
    try:
        process, endpoint = moto_server.start()
    except OSError as error:
        pytest.fail(str(error))
    try:
        yield endpoint
    finally:
        moto_server.stop(process)


@pytest.fixture(scope="module")
def moto_endpoint(moto_session):
    """An empty account for each module: moto forgets everything it holds."""
    moto_server.reset(moto_session)
    return moto_session
