import errno
import gc
import os
from pathlib import Path

import pytest

from tests.helpers import built
from tools import moto_server


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Once pytest's own last collection has looked for exceptions raised in finalizers, the
    collector would walk every object of the session again, more than once, as the process
    exits: about a second in each xdist worker (measured), at the end of the run where nothing
    overlaps it. The objects are frozen out of its sight; exit handlers still run."""
    gc.freeze()


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
        # It holds nothing worth keeping: killed at once (grace 0), rather than waiting out the
        # half second to a second moto takes to exit on SIGTERM (measured).
        moto_server.stop(process, grace=0)


@pytest.fixture(scope="module")
def moto_endpoint(moto_session):
    """An empty account for each module: moto forgets everything it holds."""
    moto_server.reset(moto_session)
    return moto_session


@pytest.fixture
def read_only(monkeypatch):
    """``read_only(directory)``: from then on, opening a file there for writing fails as it does
    on a read-only mount (EROFS), at the call the code makes. Root, who runs CI, ignores mode
    bits, so chmod cannot show it."""
    directories: list[Path] = []
    real_open = Path.open

    def guarded(self, mode="r", *arguments, **keywords):
        if set(mode) & set("wax+") and any(Path(os.path.abspath(self)).is_relative_to(d) for d in directories):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_open(self, mode, *arguments, **keywords)

    monkeypatch.setattr(Path, "open", guarded)
    return lambda directory: directories.append(Path(os.path.abspath(directory)))
