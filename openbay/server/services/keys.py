"""API keys: creation, verification (cached), listing, revocation, the first admin key."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from openbay.protocol import ErrorCode, KeyCreated, KeyInfo
from openbay.store import KeyRepository
from openbay.store.tables import ApiKey

from ..errors import ApiError, not_found

KEY_FORMAT = re.compile(r"^ob_[A-Za-z0-9_-]{20,128}$")
ADMIN_KEY_FILE = "admin_key"


@dataclass(frozen=True)
class Principal:
    owner_id: str
    key_id: str
    name: str
    admin: bool
    max_sessions: int | None = None  # this key's session quota (None: the server's limit)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(key: ApiKey) -> KeyInfo:
    return KeyInfo(key_id=key.id, name=key.name, owner_id=key.owner_id, prefix=key.prefix,
                   admin=key.admin, created_at=key.created_at, revoked_at=key.revoked_at,
                   max_sessions=key.max_sessions)


def _principal(key: ApiKey) -> Principal:
    return Principal(key.owner_id, key.id, key.name, key.admin, key.max_sessions)


class KeyService:
    def __init__(self, repo: KeyRepository, cache_ttl_s: float = 30.0):
        self.repo = repo
        self.cache_ttl_s = cache_ttl_s
        self._cache: dict[str, tuple[float, Principal]] = {}

    async def create(self, name: str, admin: bool = False, secret: str | None = None,
                     max_sessions: int | None = None) -> KeyCreated:
        secret = secret or "ob_" + secrets.token_urlsafe(32)
        if not KEY_FORMAT.match(secret):
            raise ApiError(ErrorCode.BAD_REQUEST, "an API key looks like ob_ and 20+ letters, digits, - or _")
        key = await self.repo.create(key_id="k-" + secrets.token_hex(6), owner_id="o-" + secrets.token_hex(6),
                                     name=name, prefix=secret[:10], secret_hash=hash_secret(secret),
                                     admin=admin, max_sessions=max_sessions)
        return KeyCreated(**_info(key).model_dump(), key=secret)

    async def authenticate(self, secret: str) -> Principal | None:
        if not KEY_FORMAT.match(secret):
            return None
        digest = hash_secret(secret)
        hit = self._cache.get(digest)
        now = time.monotonic()
        if hit and now - hit[0] < self.cache_ttl_s:
            return hit[1]
        key = await self.repo.by_hash(digest)
        if key is None or key.revoked_at is not None:
            self._cache.pop(digest, None)
            return None
        principal = _principal(key)
        self._cache[digest] = (now, principal)
        return principal

    async def principal_of_owner(self, owner_id: str) -> Principal | None:
        """Who a session link acts as: a live key of the session's owner."""
        for key in await self.repo.list():
            if key.owner_id == owner_id and key.revoked_at is None:
                return _principal(key)
        return None

    async def list(self) -> list[KeyInfo]:
        return [_info(k) for k in await self.repo.list()]

    async def set_quota(self, key_id: str, max_sessions: int | None) -> KeyInfo:
        key = await self.repo.set_quota(key_id, max_sessions)
        if key is None:
            raise not_found("key", key_id)
        self._cache = {h: v for h, v in self._cache.items() if v[1].key_id != key_id}
        return _info(key)

    async def revoke(self, key_id: str) -> KeyInfo:
        key = await self.repo.revoke(key_id)
        if key is None:
            raise not_found("key", key_id)
        self._cache = {h: v for h, v in self._cache.items() if v[1].key_id != key_id}
        return _info(key)

    async def bootstrap(self, home: Path, given: str = "") -> str | None:
        """On an empty store: make the admin key, write it for the CLI (0600), return it."""
        if await self.repo.count() > 0:
            return None
        created = await self.create("admin", admin=True, secret=given or None)
        path = home / ADMIN_KEY_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(created.key + "\n")
        return created.key
