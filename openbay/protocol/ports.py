"""Ports inside a session reached through the server: signed links and public exposure."""
from typing import Literal

from pydantic import BaseModel, Field

from .wire import RequestBody

MAX_LINK_TTL_S = 7 * 86400


class LinkRequest(RequestBody):
    """Without a port: a link to the session's console page. With one: a link that proxies
    HTTP and WebSocket to that port inside the session."""
    port: int | None = Field(default=None, ge=1, le=65535)
    protocol_type: Literal["http", "https", "ws", "wss"] | None = Field(
        default=None, description="ws or wss give the WebSocket form of the URL; http(s) the page form")
    expires_in_s: int = Field(default=3600, ge=1, le=MAX_LINK_TTL_S)


class PortLink(BaseModel):
    url: str
    expires_in_s: int
    port: int | None = None


class ExposePortRequest(RequestBody):
    public: bool = Field(default=False, description="reachable without a token by anyone who has the URL")


class ExposedPort(BaseModel):
    port: int
    public: bool
    url: str = Field(description="the port's address on the server (a private port also needs a token)")


class ExposedPortList(BaseModel):
    ports: list[ExposedPort]
