"""One Chromium DevTools pipe shared by many clients (the user's Playwright, the agent, the live view).

Each client gets its own browser-level CDP session (Target.attachToBrowserTarget),
so to the client it looks like a connection of its own: messages it sends without a
sessionId go to its browser session, answers and events on that session reach it
with the sessionId stripped. Message ids are rewritten to ids unique on the pipe and
mapped back. A child session (a page the client attached to) belongs to the client
whose session announced it, and only that client may use it.
Standard library only (runs inside the sandbox).
"""
import asyncio
import json

# a client this far behind is cut off rather than holding the sandbox's memory
MAX_QUEUED = 5000
MAX_QUEUED_BYTES = 256 * 1024 * 1024
# methods a client may not send: the browser is shared, closing it is the owner's call
BLOCKED = {"Browser.close": {}, "Browser.crash": None, "Browser.crashGpuProcess": None}


class CdpError(Exception):
    """Chromium answered an internal command with an error."""


class Client:
    """One connection's view of the browser; `queue` holds its outgoing messages (None ends it)."""

    def __init__(self):
        self.browser_session = ""
        self.sessions: set[str] = set()
        self.queue: asyncio.Queue = asyncio.Queue()
        self.queued_bytes = 0  # the sender subtracts what it has sent
        self.closed = False

    def deliver(self, msg: dict) -> None:
        if self.closed:
            return
        if msg.get("sessionId") == self.browser_session:
            del msg["sessionId"]
        data = json.dumps(msg, separators=(",", ":")).encode()
        if self.queue.qsize() >= MAX_QUEUED or self.queued_bytes + len(data) > MAX_QUEUED_BYTES:
            self.close()
            return
        self.queued_bytes += len(data)
        self.queue.put_nowait(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


class Multiplexer:
    def __init__(self, write):
        self._write = write  # bytes of one message, without the NUL terminator
        self._next_id = 0
        self._pending: dict[int, tuple] = {}  # pipe id -> (client, client id, method) or (future,)
        self._owner: dict[str, Client] = {}  # sessionId -> the client it belongs to
        self.clients: set[Client] = set()

    def _send(self, msg: dict) -> int:
        self._next_id += 1
        msg["id"] = self._next_id
        self._write(json.dumps(msg, separators=(",", ":")).encode())
        return self._next_id

    async def command(self, method: str, params: dict | None = None, session_id: str = "",
                      timeout: float = 30.0) -> dict:
        """A command of envd's own; its answer never reaches a client."""
        msg = {"method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        future = asyncio.get_running_loop().create_future()
        pipe_id = self._send(msg)
        self._pending[pipe_id] = (future,)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(pipe_id, None)

    async def add_client(self, target_id: str = "") -> Client:
        """A client of the whole browser, or (target_id) of one page, as Chrome's
        /devtools/page/<id> endpoints are: its messages without a sessionId go there."""
        client = Client()
        if target_id:
            answer = await self.command("Target.attachToTarget", {"targetId": target_id,
                                                                  "flatten": True})
        else:
            answer = await self.command("Target.attachToBrowserTarget")
        client.browser_session = answer["sessionId"]
        self._owner[client.browser_session] = client
        self.clients.add(client)
        return client

    async def remove_client(self, client: Client) -> None:
        """Detach every session the client had, so Chromium forgets it too."""
        client.close()
        self.clients.discard(client)
        owned = [sid for sid, c in self._owner.items() if c is client]
        for sid in owned:
            del self._owner[sid]
        for pipe_id, entry in list(self._pending.items()):
            if entry[0] is client:
                del self._pending[pipe_id]
        # children first: a browser session's detach would orphan their answers
        for sid in sorted(owned, key=lambda s: s == client.browser_session):
            try:
                await self.command("Target.detachFromTarget", {"sessionId": sid}, timeout=5)
            except (CdpError, asyncio.TimeoutError, ConnectionError):
                pass

    def from_client(self, client: Client, raw: bytes) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("id"), int) \
                or not isinstance(msg.get("method"), str):
            client.deliver({"id": msg.get("id") if isinstance(msg, dict) else None,
                            "error": {"code": -32600, "message": "not a CDP command"}})
            return
        client_id, method = msg["id"], msg["method"]
        sid = msg.get("sessionId") or client.browser_session
        if self._owner.get(sid) is not client:
            client.deliver({"id": client_id, "sessionId": sid,
                            "error": {"code": -32001, "message": f"Session with given id not found: {sid}"}})
            return
        if method in BLOCKED:
            answer = BLOCKED[method]
            reply = {"id": client_id, "result": answer} if answer is not None else {
                "id": client_id, "error": {"code": -32000, "message": f"{method} is not allowed here"}}
            client.deliver(reply)
            return
        msg["sessionId"] = sid
        pipe_id = self._send(msg)
        self._pending[pipe_id] = (client, client_id, method)

    def from_browser(self, raw: bytes) -> None:
        msg = json.loads(raw)
        if "id" in msg:
            entry = self._pending.pop(msg["id"], None)
            if entry is None:
                return
            if len(entry) == 1:
                future = entry[0]
                if not future.done():
                    if "error" in msg:
                        future.set_exception(CdpError(msg["error"].get("message", "CDP error")))
                    else:
                        future.set_result(msg.get("result", {}))
                return
            client, client_id, method = entry
            msg["id"] = client_id
            if method == "Target.attachToTarget":
                self._adopt(client, msg.get("result", {}).get("sessionId"))
            client.deliver(msg)
            return
        owner = self._owner.get(msg.get("sessionId", ""))
        method, params = msg.get("method"), msg.get("params") or {}
        if method == "Target.attachedToTarget" and owner is not None:
            self._adopt(owner, params.get("sessionId"))
        elif method == "Target.detachedFromTarget":
            self._owner.pop(params.get("sessionId", ""), None)
        if owner is not None:
            owner.deliver(msg)

    def adopt(self, client: Client, session_id) -> None:
        """Route the events of a target session to `client` (one it attached to by `command`)."""
        self._adopt(client, session_id)

    def _adopt(self, client: Client, session_id) -> None:
        if isinstance(session_id, str) and session_id and not client.closed:
            self._owner[session_id] = client

    def close(self, reason: str) -> None:
        """The pipe is gone: fail envd's own commands and end every client."""
        for entry in self._pending.values():
            if len(entry) == 1 and not entry[0].done():
                entry[0].set_exception(ConnectionError(reason))
        self._pending.clear()
        for client in list(self.clients):
            client.close()
        self.clients.clear()
        self._owner.clear()
