"""API keys: what an admin creates, lists and revokes."""
from datetime import datetime

from pydantic import BaseModel, Field

from .wire import RequestBody

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"


class KeyCreateRequest(RequestBody):
    name: str = Field(pattern=NAME_PATTERN, description="owner name; a new name makes a new owner")
    admin: bool = False
    max_sessions: int | None = Field(default=None, ge=1, le=100_000,
                                     description="running sessions at once (default: the server's limit)")


class KeyUpdate(RequestBody):
    max_sessions: int | None = Field(ge=1, le=100_000, description="null: the server's limit")


class KeyInfo(BaseModel):
    key_id: str
    name: str
    owner_id: str
    prefix: str
    admin: bool
    created_at: datetime
    revoked_at: datetime | None = None
    max_sessions: int | None = None


class KeyCreated(KeyInfo):
    key: str = Field(description="the secret, shown once")


class KeyList(BaseModel):
    keys: list[KeyInfo]
