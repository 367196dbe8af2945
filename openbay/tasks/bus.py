"""In-process pub/sub of task events. Publishing happens after the store commit,
so a subscriber that missed something can always read it back from the store."""
from __future__ import annotations

import asyncio
from collections import defaultdict

from openbay.protocol.tasks import TaskEvent


class EventBus:
    def __init__(self):
        self._subscribers: dict[str, set[asyncio.Queue]] = defaultdict(set)

    def subscribe(self, task_id: str) -> asyncio.Queue:
        # unbounded: a task's events are few (deltas are coalesced) and end with the task
        q: asyncio.Queue = asyncio.Queue()
        self._subscribers[task_id].add(q)
        return q

    def unsubscribe(self, task_id: str, q: asyncio.Queue) -> None:
        subs = self._subscribers.get(task_id)
        if subs is not None:
            subs.discard(q)
            if not subs:
                del self._subscribers[task_id]

    def publish(self, event: TaskEvent) -> None:
        for q in list(self._subscribers.get(event.task_id, ())):
            q.put_nowait(event)
