"""Task events across server replicas: each event goes to this replica's subscribers at once
and, by PostgreSQL NOTIFY, to every other replica's. Events are committed before they are
published, so one too big for a notification travels as its (task, seq) and the replicas
that have subscribers read it back from the store."""
from __future__ import annotations

import asyncio
import json
import logging

from openbay.protocol.tasks import TaskEvent
from openbay.store.pg_notify import NOTIFY_MAX, PgNotifier
from openbay.store.task_repository import TaskRepository

from .bus import EventBus

log = logging.getLogger("openbay.tasks")
CHANNEL = "openbay_task_events"


class SharedEventBus(EventBus):
    def __init__(self, notifier: PgNotifier, origin: str, repo: TaskRepository):
        super().__init__()
        self.notifier, self.origin, self.repo = notifier, origin, repo
        self._sends: set[asyncio.Task] = set()

    async def start(self) -> None:
        await self.notifier.listen(CHANNEL, self._received)

    def publish(self, event: TaskEvent) -> None:
        super().publish(event)
        body = {"o": self.origin, "e": event.model_dump(mode="json")}
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        if len(payload.encode()) > NOTIFY_MAX:  # by reference: the store has it
            payload = json.dumps({"o": self.origin, "t": event.task_id, "s": event.seq})
        task = asyncio.get_running_loop().create_task(self._send(payload))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _send(self, payload: str) -> None:
        try:
            await self.notifier.notify(CHANNEL, payload)
        except Exception as e:  # the store has the event: streams elsewhere catch up on the next one
            log.warning("a task event could not be sent to the other replicas: %s", e)

    def _received(self, payload: str) -> None:
        body = json.loads(payload)
        if body.get("o") == self.origin:
            return
        if "e" in body:
            event = TaskEvent.model_validate(body["e"])
            if event.task_id in self._subscribers:
                super().publish(event)
        elif body.get("t") in self._subscribers:
            asyncio.get_running_loop().create_task(self._fetch(body["t"], int(body["s"])))

    async def _fetch(self, task_id: str, seq: int) -> None:
        rows = await self.repo.events(task_id, seq - 1, 1)
        if rows:
            r = rows[0]
            super().publish(TaskEvent(task_id=r.task_id, seq=r.seq, type=r.type, timestamp=r.timestamp,
                                      payload=r.payload or {}))
