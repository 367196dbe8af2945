"""This replica's leases on the tasks it runs (see openbay.store.lease_repository)."""
from __future__ import annotations

import os
import secrets
import socket

from openbay.store.lease_repository import LeaseRepository

LEASE_TTL_S = 3.0  # a dead replica's tasks are taken over this long after its last renewal
CLAIM_TTL_S = 20.0  # a task being taken over, until it runs (and its lease is renewed as any other)


def replica_id() -> str:
    """A name for this server process, unique among replicas: host, pid and a random part."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(3)}"


class TaskLeases:
    def __init__(self, repo: LeaseRepository, holder: str, ttl_s: float = LEASE_TTL_S):
        self.repo, self.holder, self.ttl_s = repo, holder, ttl_s

    async def take(self, task_id: str, ttl_s: float | None = None) -> bool:
        return await self.repo.take(task_id, self.holder, ttl_s or self.ttl_s)

    async def renew(self, task_ids: list[str]) -> set[str]:
        return await self.repo.renew(self.holder, task_ids, self.ttl_s)

    async def release(self, task_id: str) -> None:
        await self.repo.release(task_id, self.holder)
