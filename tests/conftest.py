import collections
import errno
import gc
import math
import os
from pathlib import Path

import pytest

from tests.helpers import built
from tools import moto_server

# With --dist loadfile a worker takes one test file at a time, and the run ends when the last
# file a worker took ends: files go longest first, by the seconds each took in the last run that
# ran it (pytest's cache, .pytest_cache), so the last ones are short. A file never timed goes
# first. Both workers read the same record, so they collect the same order, as xdist requires.
FILE_SECONDS = "tests/file-seconds"
_seconds_this_run: collections.Counter = collections.Counter()


def pytest_collection_modifyitems(config, items):
    cache = getattr(config, "cache", None)  # none with -p no:cacheprovider
    recorded = cache.get(FILE_SECONDS, {}) if cache else {}
    items.sort(key=lambda item: -recorded.get(item.nodeid.split("::")[0], math.inf))


def pytest_runtest_logreport(report):
    _seconds_this_run[report.nodeid.split("::")[0]] += report.duration


def pytest_sessionfinish(session):
    config = session.config
    if getattr(config, "cache", None) and not hasattr(config, "workerinput"):  # the controller, or no xdist
        recorded = config.cache.get(FILE_SECONDS, {})
        config.cache.set(FILE_SECONDS, recorded | {f: round(s, 2) for f, s in _seconds_this_run.items()})


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
