"""The OpenBay server: FastAPI app, routes, services, auth, streaming."""
from .app import create_app
from .config import Settings

__all__ = ["create_app", "Settings"]
