"""The local backend's kept files: a dead session's disk put aside for `restore_from`, and
a session's changes kept as an image (snapshots) or a folder (commits, for template builds).
A part of LocalBackend (a base); the attributes are LocalBackend's."""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from ..backend import SandboxError
from ..images.store import ImageManifest, remove_tree, tree_size
from .session_mounts import umount


class LocalDisks:
    async def snapshot(self, session_id: str, ref: str, owner_id: str, description: str = "") -> ImageManifest:
        """The session's files now (its upper layer) as an image of the owner: sessions made
        from it start where this one is (fork). Processes are frozen while it is copied."""
        r = self._require(session_id)
        staging = self.images.new_staging("snap")
        was_paused = self.is_paused(session_id)
        try:
            if not was_paused:
                await self.runc.pause(session_id)
            try:
                await copy_tree(r.directory / "disk" / "upper", staging / "layer")
            finally:
                if not was_paused:
                    await self.runc.resume(session_id)
            with self.images.lock():
                digest = await asyncio.to_thread(self.images.add_layer, staging / "layer")
                manifest = ImageManifest(
                    ref=ref, kind=r.image.kind, layers=[*r.image.layers, digest], env=dict(r.image.env),
                    shm_bytes=r.image.shm_bytes, owner_id=owner_id, parent=r.image.ref, snapshot_of=session_id,
                    size_bytes=await asyncio.to_thread(tree_size, self.images.layers / digest),
                    description=description)
                self.images.put(manifest)
            return manifest
        finally:
            remove_tree(staging)

    async def commit(self, session_id: str, into: Path) -> None:
        """Stop the sandbox and keep its upper layer (what it changed) at `into`."""
        running = self._require(session_id)
        self._forget(session_id)
        await self._kill(session_id, running.directory, running)
        umount(running.directory / "rootfs")
        try:
            await copy_tree(running.directory / "disk" / "upper", into)
        finally:
            await asyncio.to_thread(self._remove_files, running.directory)

    async def keep_files(self, session_id: str) -> None:
        """A session that died: its sandbox goes, its disk stays (for `restore_from`) for a while."""
        task = asyncio.ensure_future(self._keep_files(session_id))
        self._keeping[session_id] = task
        try:
            await task
        finally:
            self._keeping.pop(session_id, None)

    async def _keep_files(self, session_id: str) -> None:
        directory = self.root / session_id
        await self._kill(session_id, directory, self._forget(session_id))
        if directory.exists():
            await asyncio.to_thread(self._keep_disk, directory, self.dead_dir / session_id)

    @property
    def dead_dir(self) -> Path:
        return self.root / ".dead"

    def _keep_disk(self, directory: Path, keep: Path) -> None:
        umount(directory / "rootfs")
        umount(directory / "disk")
        keep.mkdir(parents=True, exist_ok=True)
        os.chmod(keep.parent, 0o700)
        for name in ("disk.img", "bundle/meta.json"):
            if (directory / name).exists():
                os.replace(directory / name, keep / Path(name).name)
        remove_tree(directory)

    async def kept_disk(self, session_id: str) -> Path | None:
        """The disk a dead session left (once it is put aside, if that is still going on)."""
        if session_id in self._keeping:
            await asyncio.shield(self._keeping[session_id])
        path = self.dead_dir / session_id / "disk.img"
        return path if path.exists() else None

    def sweep_kept(self, older_than_s: float) -> list[str]:
        """Forget the disks of dead sessions after the grace period."""
        gone = []
        now = time.time()
        for d in self.dead_dir.glob("s-*"):
            if now - d.stat().st_mtime > older_than_s:
                remove_tree(d)
                gone.append(d.name)
        return gone


async def copy_tree(source: Path, target: Path) -> None:
    """A copy keeping owners, modes, whiteouts and overlay xattrs (a reflink where the disk can)."""
    proc = await asyncio.create_subprocess_exec(
        "cp", "-a", "--reflink=auto", str(source), str(target),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise SandboxError(f"copying {source} failed: {err.decode(errors='replace').strip()[:500]}")
