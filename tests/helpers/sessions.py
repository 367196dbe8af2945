"""The one way tests make a session: created on a real server, deleted afterwards."""
from __future__ import annotations

import contextlib

from openbay import CreateSessionParams

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
