"""Contexts: named persistent volumes of one owner.

A context's content is a tar archive on the host, in a root-only directory
sandboxes cannot see. At session create it is streamed into the session
through envd (which extracts it inside the sandbox, as the sandbox user); on
delete or `sync` envd streams the directory back as a tar that is stored as
is. The host never extracts what a sandbox produced.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

from openbay.protocol import ErrorCode
from openbay.protocol.contexts import ContextFileLink, ContextInfo, ContextSync, ContextSyncStatus
from openbay.sandbox import EnvdError, Sandbox
from openbay.sandbox.envd import wire
from openbay.sandbox.envd.upload import upload
from openbay.store.context_repository import ContextRepository
from openbay.store.context_tables import ContextRow

from ..errors import ApiError, not_found
from ..links import LinkSigner
from .capped_write import write_capped
from .context_archive import file_name, read_chunks, require_file, rewrite
from .context_files import list_files
from .keys import Principal

log = logging.getLogger("openbay.contexts")
CHUNK = 1024 * 1024
MAX_PER_OWNER = 1000
IDLE_TIMEOUT_S = 60.0  # a sandbox that sends nothing this long is stuck: give up, do not hang a delete
FILE_LINK_PURPOSE = {"GET": "context-file-get", "PUT": "context-file-put"}


class _OverLimit(Exception):
    pass


class ContextService:
    def __init__(self, repo: ContextRepository, directory: Path, max_bytes: int,
                 links: LinkSigner | None = None, public_url: str = ""):
        self.repo = repo
        self.links, self.public_url = links, public_url
        self._edits: dict[str, asyncio.Lock] = {}  # context -> its archive's one writer at a time
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self.max_bytes = max_bytes
        self._attached: dict[str, tuple[str, list[ContextSync]]] = {}  # session -> owner, syncs

    @staticmethod
    def info(row: ContextRow) -> ContextInfo:
        return ContextInfo(context_id=row.id, name=row.name, size_bytes=row.size_bytes,
                           created_at=row.created_at, saved_at=row.saved_at)

    def _archive(self, owner_id: str, context_id: str) -> Path:
        return self.directory / owner_id / f"{context_id}.tar"

    async def resolve(self, who: Principal, name: str, create: bool) -> tuple[ContextRow, bool]:
        row = await self.repo.by_name(who.owner_id, name)
        if row is not None:
            return row, False
        if not create:
            raise not_found("context", name)
        if len(await self.repo.list(who.owner_id)) >= MAX_PER_OWNER:
            raise ApiError(ErrorCode.RATE_LIMITED,
                           f"at most {MAX_PER_OWNER} contexts per owner; delete some first")
        return await self.repo.create(who.owner_id, "ctx-" + secrets.token_hex(8), name)

    async def get(self, who: Principal, context_id: str) -> ContextRow:
        row = await self.repo.get(who.owner_id, context_id)
        if row is None:  # another owner's context is as invisible as a missing one
            raise not_found("context", context_id)
        return row

    async def list(self, who: Principal) -> list[ContextRow]:
        return await self.repo.list(who.owner_id)

    async def files(self, who: Principal, context_id: str, folder: str, page: int, page_size: int) -> dict:
        row = await self.get(who, context_id)
        return await list_files(self._archive(who.owner_id, row.id), folder, page, page_size)

    # one file of the saved content: AgentBay's file URLs, as links this server serves itself

    async def file_link(self, who: Principal, context_id: str, path: str, method: str,
                        expires_in_s: int) -> ContextFileLink:
        row = await self.get(who, context_id)
        name = file_name(path)
        if method == "GET":  # a link to nothing is refused now, not when it is followed
            await asyncio.to_thread(require_file, self._archive(who.owner_id, row.id), name)
        token = self.links.sign(f"{who.owner_id}|{row.id}|{name}", FILE_LINK_PURPOSE[method], expires_in_s)
        query = urlencode({"path": "/" + name, "owner": who.owner_id, "token": token})
        expires = datetime.fromtimestamp(int(token.partition(".")[0]), timezone.utc)
        return ContextFileLink(url=f"{self.public_url}/v1/context-files/{quote(row.id, safe='')}?{query}",
                               method=method, expires_at=expires)

    async def _linked(self, context_id: str, path: str, owner_id: str, token: str, method: str):
        """The (archive, file name) a signed link names; 403 for a link that is not one of ours or expired."""
        try:
            name = file_name(path)
        except ApiError:
            name = ""  # no link of ours names a bad path
        if not name or not self.links.verify(token, f"{owner_id}|{context_id}|{name}", FILE_LINK_PURPOSE[method]):
            raise ApiError(ErrorCode.FORBIDDEN, "the link is not valid for this file, or it expired")
        if await self.repo.get(owner_id, context_id) is None:
            raise not_found("context", context_id)
        return self._archive(owner_id, context_id), name

    async def read_linked(self, context_id: str, path: str, owner_id: str, token: str) -> Iterator[bytes]:
        archive, name = await self._linked(context_id, path, owner_id, token, "GET")
        return await asyncio.to_thread(read_chunks, archive, name)

    async def write_linked(self, context_id: str, path: str, owner_id: str, token: str,
                           body: AsyncIterator[bytes]) -> int:
        """Write the body as the file (made or replaced); the file's size."""
        archive, name = await self._linked(context_id, path, owner_id, token, "PUT")
        archive.parent.mkdir(mode=0o700, exist_ok=True)
        temp = archive.with_name(f"{archive.name}.{secrets.token_hex(4)}.file")
        try:
            with open(temp, "wb") as f:
                size = await write_capped(f, body, self.max_bytes, lambda: ApiError(
                    ErrorCode.PAYLOAD_TOO_LARGE, f"the file is over the context limit of {self.max_bytes} bytes"))
            await self._edit(owner_id, context_id, name, temp)
        finally:
            temp.unlink(missing_ok=True)
        return size

    async def delete_file(self, who: Principal, context_id: str, path: str) -> ContextRow:
        row = await self.get(who, context_id)
        await self._edit(who.owner_id, row.id, file_name(path), None)
        return await self.get(who, context_id)

    async def _edit(self, owner_id: str, context_id: str, name: str, new_file: Path | None) -> None:
        async with self._edits.setdefault(context_id, asyncio.Lock()):
            if await self.repo.get(owner_id, context_id) is None:  # deleted while the body came in
                raise not_found("context", context_id)
            archive = self._archive(owner_id, context_id)
            size = await asyncio.to_thread(rewrite, archive, name, new_file, self.max_bytes)
            await self.repo.mark_saved(context_id, size)

    async def rename(self, who: Principal, context_id: str, name: str) -> ContextRow:
        row = await self.get(who, context_id)
        if row.name != name and not await self.repo.rename(who.owner_id, row.id, name):
            raise ApiError(ErrorCode.CONFLICT, f"you have a context called {name!r} already")
        return await self.get(who, context_id)

    async def clear(self, who: Principal, context_id: str) -> ContextRow:
        """Drop the saved content; the context stays (empty) for the next save."""
        row = await self.get(who, context_id)
        async with self._edits.setdefault(row.id, asyncio.Lock()):  # not under a file edit's feet
            self._archive(who.owner_id, row.id).unlink(missing_ok=True)
            await self.repo.mark_saved(row.id, 0)
        return await self.get(who, context_id)

    async def delete(self, who: Principal, context_id: str) -> ContextRow:
        row = await self.get(who, context_id)
        await self.repo.delete(who.owner_id, context_id)
        async with self._edits.pop(context_id, asyncio.Lock()):
            self._archive(who.owner_id, context_id).unlink(missing_ok=True)
        return row

    # the hooks SessionService calls

    async def attach(self, who: Principal, session_id: str, sandbox: Sandbox,
                     syncs: list[ContextSync]) -> None:
        """Check every context is the caller's, then restore them into the new session."""
        for sync in syncs:
            await self.get(who, sync.context_id)
        for sync in syncs:
            if sync.policy.download_policy.auto_download:
                await self._restore(who.owner_id, sync, sandbox)
        self._attached[session_id] = (who.owner_id, list(syncs))

    async def detach(self, session_id: str, sandbox: Sandbox) -> None:
        """Save what auto_upload asks for; a failure is logged, never blocks the delete."""
        if session_id not in self._attached:
            return
        try:
            for status in await self.save(session_id, sandbox, only_auto=True):
                if not status.saved:
                    log.warning("context not saved", extra={"fields": {
                        "session_id": session_id, "context_id": status.context_id,
                        "reason": status.error_message}})
        finally:
            self._attached.pop(session_id, None)

    async def add(self, who: Principal, session_id: str, sandbox: Sandbox, sync: ContextSync) -> None:
        """One more context for a running session (the browser's persistent profile);
        a path the session already syncs is left as it is."""
        await self.get(who, sync.context_id)
        owner_id, syncs = self._attached.get(session_id, (who.owner_id, []))
        if any(s.path == sync.path for s in syncs):
            return
        if sync.policy.download_policy.auto_download:
            await self._restore(who.owner_id, sync, sandbox)
        self._attached[session_id] = (owner_id, [*syncs, sync])

    def attached(self, session_id: str) -> list[ContextSync]:
        return list(self._attached.get(session_id, ("", []))[1])

    async def save(self, session_id: str, sandbox: Sandbox,
                   only_auto: bool = False) -> list[ContextSyncStatus]:
        owner_id, syncs = self._attached.get(session_id, ("", []))
        return [await self._save_one(owner_id, sync, sandbox) for sync in syncs
                if not only_auto or sync.policy.upload_policy.auto_upload]

    async def _restore(self, owner_id: str, sync: ContextSync, sandbox: Sandbox) -> None:
        archive = self._archive(owner_id, sync.context_id)
        try:
            if not archive.exists():
                await sandbox.envd.call({"op": "fs.mkdir", "path": sync.path, "parents": True})
                return

            async def chunks():
                with open(archive, "rb") as f:
                    while chunk := await asyncio.to_thread(f.read, CHUNK):
                        yield chunk

            # generous: a slow disk still moves more than 1 MB/s
            timeout = IDLE_TIMEOUT_S + archive.stat().st_size / 1e6
            await asyncio.wait_for(upload(sandbox.envd, {"op": "fs.untar", "path": sync.path}, chunks()),
                                   timeout)
        except (EnvdError, asyncio.TimeoutError) as e:
            raise ApiError(ErrorCode.SANDBOX_ERROR,
                           f"context {sync.context_id} could not be restored to {sync.path}: "
                           f"{e or 'the sandbox stopped answering'}") from None

    async def _save_one(self, owner_id: str, sync: ContextSync, sandbox: Sandbox) -> ContextSyncStatus:
        status = ContextSyncStatus(context_id=sync.context_id, path=sync.path)
        if await self.repo.get(owner_id, sync.context_id) is None:
            status.error_message = "the context was deleted"
            return status
        archive = self._archive(owner_id, sync.context_id)
        archive.parent.mkdir(mode=0o700, exist_ok=True)
        temp = archive.with_name(f"{archive.name}.{secrets.token_hex(4)}.part")
        size = 0
        try:
            frames = sandbox.envd.stream({"op": "fs.tar", "path": sync.path})
            with open(temp, "wb") as f:
                try:
                    while True:
                        kind, payload = await asyncio.wait_for(anext(frames), IDLE_TIMEOUT_S)
                        if kind == wire.BYTES:
                            size += len(payload)
                            if size > self.max_bytes:
                                raise _OverLimit()
                            f.write(payload)
                except StopAsyncIteration:
                    pass
                finally:
                    await frames.aclose()
            async with self._edits.setdefault(sync.context_id, asyncio.Lock()):  # not inside a file edit
                os.replace(temp, archive)  # a reader sees the old archive or the new, never half
        except _OverLimit:
            status.error_message = f"{sync.path} is over the context limit of {self.max_bytes} bytes"
            return status
        except EnvdError as e:  # e.g. the path was removed: the saved content stays as it was
            status.error_message = f"could not read {sync.path}: {e}"
            return status
        except asyncio.TimeoutError:
            status.error_message = f"the sandbox sent nothing for {IDLE_TIMEOUT_S:g} s"
            return status
        finally:
            temp.unlink(missing_ok=True)
        await self.repo.mark_saved(sync.context_id, size)
        status.saved, status.size_bytes = True, size
        return status
