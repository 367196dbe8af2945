import tempfile
from pathlib import Path

import pytest

from tests.helpers.pages import serve_pages
from tests.helpers.server import thread_server
from tests.helpers.sessions import new_session, session_factory


@pytest.fixture(scope="session")
def server():
    """One real server on loopback for the whole run (SQLite, runc sandboxes)."""
    home = Path(tempfile.mkdtemp(prefix="obtest-"))
    with thread_server(home) as running:
        yield running


@pytest.fixture
def bay(server):
    client = server.client()
    yield client
    client.close()


@pytest.fixture
def session(bay):
    """A fresh linux session, deleted afterwards."""
    with new_session(bay) as s:
        yield s


@pytest.fixture
def make_session(request):
    """make_session(image_id="linux", source=None, **params): a fresh session, deleted when the
    test ends; of this test's `server` unless `source` (a RunningServer or a client) says otherwise."""
    with session_factory(lambda: request.getfixturevalue("server")) as make:
        yield make


@pytest.fixture(scope="session")
def site():
    """Base URL of the test pages on the web host that sessions reach."""
    with serve_pages() as base:
        yield base
