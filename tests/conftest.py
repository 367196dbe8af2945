import tempfile
from pathlib import Path

import pytest

from tests.helpers.server import thread_server
from tests.helpers.sessions import new_session


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
