"""Several `openbay serve` replicas on this machine sharing one PostgreSQL and one sandbox root,
as a deployment of OpenBay on several servers would share them."""
from __future__ import annotations

import contextlib
import secrets
import threading
from pathlib import Path

from openbay.sandbox.images.store import remove_tree
from openbay.sandbox.runc.local import VAR_ROOT

from .postgres import postgres_cluster
from .server import RunningServer, process_server


@contextlib.contextmanager
def shared_root():
    """A sandbox root of its own (short: envd's unix sockets live under it), removed afterwards."""
    root = VAR_ROOT / f"rep-{secrets.token_hex(4)}"
    try:
        yield root
    finally:
        remove_tree(root)


class ReplicaSet:
    """The replicas, their processes, and what they share (`env`: database, root, keys)."""

    def __init__(self, base: Path, env: dict, stack: contextlib.ExitStack):
        self.base, self.env, self.stack = base, env, stack
        self.servers: list[RunningServer] = []
        self.procs: list = []

    def start(self, extra_env: dict | None = None, wrap: list[str] = ()) -> RunningServer:
        n = len(self.servers)
        server, proc = self.stack.enter_context(
            process_server(self.base / f"replica{n}", {**self.env, **(extra_env or {})}, wrap=wrap))
        # keep reading its output (a full pipe would stop it), into a log to read when a test fails
        log = open(self.base / f"replica{n}.log", "a")  # noqa: SIM115 (closed with the set)
        self.stack.callback(log.close)
        for pipe in (proc.stdout, proc.stderr):
            threading.Thread(target=_copy, args=(pipe, log), daemon=True).start()
        self.servers.append(server)
        self.procs.append(proc)
        return server


def _copy(pipe, log) -> None:
    for line in pipe:
        try:
            log.write(line)
            log.flush()
        except ValueError:  # the log was closed
            return


@contextlib.contextmanager
def replica_set(base: Path, count: int, env: dict | None = None):
    """`count` replicas started one after another (the first one alone cleans up the root).
    Their sessions are left running when a replica stops (the others serve them); whatever is
    left is stopped when the set ends."""
    with postgres_cluster() as url, shared_root() as root, contextlib.ExitStack() as stack:
        shared = {"OPENBAY_DATABASE_URL": url, "OPENBAY_SANDBOX_ROOT": str(root),
                  "OPENBAY_BOOTSTRAP_KEY": "ob_" + secrets.token_urlsafe(32),
                  "OPENBAY_LINK_SECRET": secrets.token_hex(32), "OPENBAY_STOP_SANDBOXES_ON_EXIT": "0",
                  **(env or {})}
        replicas = ReplicaSet(base, shared, stack)
        stack.callback(_stop_everything, root)
        for _ in range(count):
            replicas.start()
        yield replicas


def _stop_everything(root: Path) -> None:
    """After the last replica stopped: every sandbox under the root goes (runc, mounts, files)."""
    import asyncio

    from openbay.sandbox.runc.local import LocalBackend
    if not root.exists():
        return

    async def clean() -> None:
        backend = LocalBackend(root)
        await backend.cleanup_stale()  # no replica runs: every container is stale
        await backend.close()
    asyncio.run(clean())
