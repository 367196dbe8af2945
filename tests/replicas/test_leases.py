"""The parts replicas coordinate through, on a real PostgreSQL: task leases (one holder at a
time, taken over once expired) and task events crossing from one replica's bus to another's."""
import asyncio

import pytest

from openbay.protocol.tasks import EventType, TaskEvent
from openbay.store import Database
from openbay.store.lease_repository import LeaseRepository
from openbay.store.pg_notify import PgNotifier
from openbay.store.tables import Owner, utcnow
from openbay.store.task_repository import TaskRepository
from openbay.store.task_tables import TaskEventRow, TaskRow
from openbay.tasks.shared_bus import SharedEventBus
from tests.helpers import postgres
from tests.helpers.waiting import PATIENCE_S

pytestmark = pytest.mark.skipif(not postgres.available(), reason="Debian postgresql is not installed")


@pytest.fixture(scope="module")
def pg_url():
    with postgres.postgres_cluster() as url:
        yield url


async def _store(url: str) -> Database:
    db = Database(url)
    await db.migrate()
    async with db.session() as s, s.begin():
        if await s.get(Owner, "o-1") is None:
            s.add(Owner(id="o-1", name="owner", created_at=utcnow()))
    return db


async def _task(db: Database, task_id: str, status: str = "running") -> None:
    await TaskRepository(db).add(TaskRow(id=task_id, owner_id="o-1", session_id="s-1", kind="browser", task="t",
                                         status=status, params={}, created_at=utcnow()))


def test_a_lease_has_one_holder_until_it_expires(pg_url):
    async def run():
        db = await _store(pg_url)
        leases = LeaseRepository(db)
        await _task(db, "t-lease1")
        await _task(db, "t-ended", status="finished")
        await _task(db, "t-unheld")
        # leases of 60 s where they must hold while the test looks (a loaded machine is slow)
        assert await leases.take("t-lease1", "a", 60)
        assert not await leases.take("t-lease1", "b", 60)  # a holds it
        assert await leases.take("t-lease1", "a", 60)      # its own: renewed
        assert await leases.holder("t-lease1") == "a"
        orphans = {t.id for t in await leases.orphans()}
        assert "t-unheld" in orphans and "t-lease1" not in orphans and "t-ended" not in orphans
        assert await leases.take("t-lease1", "a", 0.5)  # renewed for half a second, the last time
        await asyncio.sleep(0.7)  # a stops renewing: expired
        assert "t-lease1" in {t.id for t in await leases.orphans()}
        assert await leases.take("t-lease1", "b", 60)
        assert await leases.renew("a", ["t-lease1"], 60) == set()  # a learns it lost it
        assert await leases.renew("b", ["t-lease1"], 60) == {"t-lease1"}
        await leases.release("t-lease1", "a")  # not a's to release
        assert await leases.holder("t-lease1") == "b"
        await leases.release("t-lease1", "b")
        assert await leases.holder("t-lease1") is None
        await db.close()
    asyncio.run(run())


def test_task_events_published_on_one_replica_reach_subscribers_on_another(pg_url):
    async def run():
        db = await _store(pg_url)
        repo = TaskRepository(db)
        await _task(db, "t-events")
        a, b = PgNotifier(pg_url), PgNotifier(pg_url)
        await a.start()
        await b.start()
        bus_a, bus_b = SharedEventBus(a, "a", repo), SharedEventBus(b, "b", repo)
        await bus_a.start()
        await bus_b.start()
        on_a, on_b = bus_a.subscribe("t-events"), bus_b.subscribe("t-events")
        big = {"content": "x" * 20_000}  # over a notification's size: sent by reference
        events = [TaskEvent(task_id="t-events", seq=1, type=EventType.REASONING, timestamp=utcnow(),
                            payload={"content": "small"}),
                  TaskEvent(task_id="t-events", seq=2, type=EventType.REASONING, timestamp=utcnow(), payload=big)]
        for e in events:  # committed first, then published, as the runner does
            await repo.add_event(TaskEventRow(task_id=e.task_id, seq=e.seq, type=e.type.value,
                                              timestamp=e.timestamp, payload=e.payload))
            bus_a.publish(e)
        got_b = [await asyncio.wait_for(on_b.get(), PATIENCE_S) for _ in events]
        assert sorted(got_b, key=lambda e: e.seq) == events
        assert [on_a.get_nowait() for _ in events] == events  # its own subscribers: directly, once
        await asyncio.sleep(0.3)
        assert on_a.empty() and on_b.empty()  # nobody got anything twice
        await a.close()
        await b.close()
        await db.close()
    asyncio.run(run())
