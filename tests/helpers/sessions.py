"""The one way tests make a session: created on a real server, deleted afterwards."""
from __future__ import annotations

import contextlib

from openbay import AsyncOpenBay, CreateSessionParams

from .server import RunningServer


@contextlib.contextmanager
def new_session(source, image_id: str = "linux", **params):
    """A fresh session of `source` (a RunningServer, or an OpenBay client), deleted afterwards.
    Extra keyword arguments go to CreateSessionParams."""
    bay = source.client() if isinstance(source, RunningServer) else source
    try:
        result = bay.create(CreateSessionParams(image_id=image_id, **params))
        try:
            yield result.session
        finally:
            result.session.delete()
    finally:
        if bay is not source:
            bay.close()


@contextlib.asynccontextmanager
async def new_async_session(source, image_id: str = "linux", **params):
    """new_session's async twin: `source` a RunningServer or an AsyncOpenBay client."""
    bay = AsyncOpenBay(api_key=source.admin_key, base_url=source.base_url) \
        if isinstance(source, RunningServer) else source
    try:
        result = await bay.create(CreateSessionParams(image_id=image_id, **params))
        try:
            yield result.session
        finally:
            await result.session.delete()
    finally:
        if bay is not source:
            await bay.close()


@contextlib.contextmanager
def session_factory(default_source):
    """make(image_id="linux", source=None, **params): sessions of `source` (a RunningServer or a
    client; when None, what default_source() answers) made on demand, every one deleted when the
    block ends. A client passed as `source` must outlive the block."""
    with contextlib.ExitStack() as made:
        def make(image_id: str = "linux", *, source=None, **params):
            return made.enter_context(new_session(source or default_source(), image_id, **params))
        yield make
