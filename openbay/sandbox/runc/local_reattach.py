"""The local backend across server restarts and replicas: reattaching the sandboxes a previous
server left running (each proving it is the session's own), letting go of them at shutdown,
and clearing what nobody reattached. A part of LocalBackend (a base); the attributes are
LocalBackend's."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import secrets

from ..backend import NetworkPolicy, Sandbox
from . import network
from .firewall import rules_digest
from .local_network import name_policy
from .local_running import Running, read_meta, write_private

log = logging.getLogger("openbay.sandbox")


class LocalReattach:
    async def reattach(self, session_id: str) -> Sandbox | None:
        """After a server restart: the session's sandbox, if it is alive and its envd proves it is
        this session's; None otherwise (the caller marks the session dead)."""
        directory = self.root / session_id
        meta = read_meta(directory)
        pid = self.runc.init_pid(session_id)
        image = self.images.get(meta["image"]) if meta.get("image") else None  # no meta: not (or no longer) here
        # a sandbox from before envd's socket was the server's own (its socket in a folder the
        # session could write) is not trusted again
        if pid is None or image is None or "ids" not in meta:
            return None
        if not self.ids.retake(meta["ids"], directory):
            log.warning("sandbox %s: its host ids %d are claimed by another session", session_id, meta["ids"])
            return None
        sandbox = Sandbox(session_id, self._envd(session_id), pid)
        if not self._frozen(session_id) and not await _proves_identity(sandbox, meta["identity"]):
            log.warning("sandbox %s did not prove its identity; not reattached", session_id)
            return None
        net = network.SessionNet.load(directory / "net.json")
        policy = NetworkPolicy(**{k: tuple(v) for k, v in meta.get("policy", {}).items()})
        if net is not None:
            if self._network_ready is None:
                self._network_ready = asyncio.ensure_future(self._setup_network())
            await asyncio.shield(self._network_ready)
            rules = self.firewall.session_rules(net, policy, self.dns.port)
            # an older OpenBay's rules, or a DNS proxy that could not get its old port back
            if rules_digest(rules) != meta.get("rules"):
                await self.firewall.apply(rules)
                write_private(directory / "bundle" / "meta.json", json.dumps({**meta, "rules": rules_digest(rules)}))
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            return None
        running = Running(sandbox, directory, image, pid, pidfd, meta["started"], meta["memory_bytes"],
                           meta["disk_bytes"], net, name_policy(policy), ids=meta["ids"])
        self._running[session_id] = running
        if net is not None:
            self._by_address[net.address] = running
        self._watch(running)
        return sandbox

    def forget(self, session_id: str) -> None:
        """Another server process sharing this root (a replica) ended the session and stops its
        sandbox: stop watching it here, touching nothing."""
        self._forget(session_id)

    async def detach(self) -> None:
        """Server shutdown that leaves every sandbox running, for the next server to reattach."""
        for session_id in list(self._running):
            self._forget(session_id)
        await asyncio.gather(*list(self._cleanups))
        self.dns.close()
        self._let_go()

    def _let_go(self) -> None:
        """The descriptors this backend held: envd's folder, the id blocks' user namespaces."""
        if self._sockets_fd >= 0:  # detach, then close: once
            os.close(self._sockets_fd)
            self._sockets_fd = -1
        self.ids.close()

    async def cleanup_stale(self) -> list[str]:
        """Remove containers and directories an earlier server left that no one reattached."""
        removed = []
        for cid in self.runc.containers():
            if cid not in self._running:
                await self.runc.remove(cid)
        for d in self.root.iterdir():
            if d.is_dir() and d.name.startswith(("s-", "b-")) and d.name not in self._running:
                if d.name.startswith("s-"):  # nothing is deleted because of a crash
                    await self.keep_files(d.name)
                else:
                    await asyncio.to_thread(self._remove_files, d)
                removed.append(d.name)
        return removed


async def _proves_identity(sandbox: Sandbox, identity: str) -> bool:
    nonce = secrets.token_hex(16)
    try:
        answer = await asyncio.wait_for(sandbox.envd.call({"op": "ping", "nonce": nonce}), 3.0)
    except (asyncio.TimeoutError, OSError, Exception):
        return False
    expected = hmac.new(identity.encode(), nonce.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(str(answer.get("proof", "")), expected)
