"""API keys: what an admin creates, lists and revokes."""
from datetime import datetime

from pydantic import BaseModel, Field

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"


class KeyCreateRequest(BaseModel):
    name: str = Field(pattern=NAME_PATTERN, description="owner name; a new name makes a new owner")
    admin: bool = False


class KeyInfo(BaseModel):
    key_id: str
    name: str
    owner_id: str
    prefix: str
    admin: bool
    created_at: datetime
    revoked_at: datetime | None = None


class KeyCreated(KeyInfo):
    key: str = Field(description="the secret, shown once")


class KeyList(BaseModel):
    keys: list[KeyInfo]
