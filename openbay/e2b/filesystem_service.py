"""envd's `filesystem.Filesystem` service (spec/envd/filesystem/filesystem.proto) on OpenBay
envd's file ops. Watching compares snapshots of the directory (envd's `fs.snapshot`), the way
OpenBay's own watch_directory does: a change between two looks is seen, not each write."""
from __future__ import annotations

import asyncio
import secrets
import stat

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from google.protobuf.timestamp_pb2 import Timestamp

from openbay.sandbox import EnvdError

from .proto import filesystem_pb2 as pb
from .rpc import current, service_app

WATCH_POLL_S = 0.2
MAX_WATCHED_DIRS = 64
MAX_DEPTH_ENTRIES = 10_000


async def _call(payload: dict) -> dict:
    sandbox = await current.get().sandbox()
    return await sandbox.envd.call(payload)


def entry_info(e: dict) -> pb.EntryInfo:
    mode = int(e.get("mode") or "0", 8)
    kind = stat.S_IFDIR if e.get("is_directory") else stat.S_IFREG
    mtime = Timestamp()
    mtime.FromNanoseconds(int(float(e.get("mtime") or 0) * 1e9))
    return pb.EntryInfo(name=e["name"], path=e["path"], size=int(e.get("size") or 0), mode=mode,
                        type=pb.FILE_TYPE_DIRECTORY if e.get("is_directory") else pb.FILE_TYPE_FILE,
                        permissions=stat.filemode(kind | mode), is_symlink=bool(e.get("is_symlink")),
                        modified_time=mtime)


async def stat_path(req: pb.StatRequest, ctx) -> pb.StatResponse:
    return pb.StatResponse(entry=entry_info(await _call({"op": "fs.info", "path": req.path})))


async def make_dir(req: pb.MakeDirRequest, ctx) -> pb.MakeDirResponse:
    try:
        await _call({"op": "fs.info", "path": req.path})
        raise ConnectError(Code.ALREADY_EXISTS, f"{req.path} already exists")
    except EnvdError as e:
        if e.code != "not_found":
            raise
    await _call({"op": "fs.mkdir", "path": req.path, "parents": True})
    return pb.MakeDirResponse(entry=entry_info(await _call({"op": "fs.info", "path": req.path})))


async def move(req: pb.MoveRequest, ctx) -> pb.MoveResponse:
    await _call({"op": "fs.move", "source": req.source, "destination": req.destination, "overwrite": True})
    return pb.MoveResponse(entry=entry_info(await _call({"op": "fs.info", "path": req.destination})))


async def list_dir(req: pb.ListDirRequest, ctx) -> pb.ListDirResponse:
    depth = req.depth or 1
    found: list[pb.EntryInfo] = []
    level = [req.path]
    for _ in range(depth):
        below = []
        for path in level:
            for e in (await _call({"op": "fs.list", "path": path}))["entries"]:
                found.append(entry_info(e))
                if e.get("is_directory") and not e.get("is_symlink"):
                    below.append(e["path"])
            if len(found) >= MAX_DEPTH_ENTRIES:
                return pb.ListDirResponse(entries=found)
        level = below
    return pb.ListDirResponse(entries=found)


async def remove(req: pb.RemoveRequest, ctx) -> pb.RemoveResponse:
    await _call({"op": "fs.delete", "path": req.path, "recursive": True})
    return pb.RemoveResponse()


class Watcher:
    """What a directory (and, recursive, its subdirectories) held at the last look."""

    def __init__(self, path: str, recursive: bool):
        self.path, self.recursive = path.rstrip("/") or "/", recursive
        self.seen: dict[str, list] | None = None

    async def look(self) -> dict[str, list]:
        found, dirs = {}, [self.path]
        while dirs and len(found) < MAX_DEPTH_ENTRIES:
            directory = dirs.pop(0)
            try:
                entries = (await _call({"op": "fs.snapshot", "path": directory}))["entries"]
            except EnvdError:
                if directory == self.path:
                    raise
                continue  # a subdirectory removed meanwhile
            for name, (is_dir, size, mtime) in entries.items():
                rel = f"{directory[len(self.path):].lstrip('/')}/{name}".lstrip("/")
                found[rel] = [is_dir, size, mtime]
                if is_dir and self.recursive and len(dirs) < MAX_WATCHED_DIRS:
                    dirs.append(f"{directory}/{name}")
        return found

    async def changes(self) -> list[pb.FilesystemEvent]:
        now = await self.look()
        before, self.seen = self.seen, now
        if before is None:
            return []
        events = []
        for name, (is_dir, size, mtime) in now.items():
            old = before.get(name)
            if old is None:
                events.append(pb.FilesystemEvent(name=name, type=pb.EVENT_TYPE_CREATE))
                if not is_dir and size:
                    events.append(pb.FilesystemEvent(name=name, type=pb.EVENT_TYPE_WRITE))
            elif not is_dir and (old[1], old[2]) != (size, mtime):
                events.append(pb.FilesystemEvent(name=name, type=pb.EVENT_TYPE_WRITE))
        events += [pb.FilesystemEvent(name=name, type=pb.EVENT_TYPE_REMOVE) for name in before if name not in now]
        return events


def _watchers(target) -> dict:
    return target.app.state.e2b_watchers.setdefault(target.session_id, {})


async def create_watcher(req: pb.CreateWatcherRequest, ctx) -> pb.CreateWatcherResponse:
    watcher = Watcher(req.path, req.recursive)
    await watcher.changes()  # the first look: what is there when watching starts
    watcher_id = "w-" + secrets.token_hex(8)
    _watchers(current.get())[watcher_id] = watcher
    return pb.CreateWatcherResponse(watcher_id=watcher_id)


def _watcher(watcher_id: str) -> Watcher:
    watcher = _watchers(current.get()).get(watcher_id)
    if watcher is None:
        raise ConnectError(Code.NOT_FOUND, f"watcher {watcher_id!r} not found")
    return watcher


async def get_watcher_events(req: pb.GetWatcherEventsRequest, ctx) -> pb.GetWatcherEventsResponse:
    return pb.GetWatcherEventsResponse(events=await _watcher(req.watcher_id).changes())


async def remove_watcher(req: pb.RemoveWatcherRequest, ctx) -> pb.RemoveWatcherResponse:
    _watcher(req.watcher_id)
    del _watchers(current.get())[req.watcher_id]
    return pb.RemoveWatcherResponse()


async def watch_dir(req: pb.WatchDirRequest, ctx):
    watcher = Watcher(req.path, req.recursive)
    await watcher.changes()
    yield pb.WatchDirResponse(start=pb.WatchDirResponse.StartEvent())
    while True:
        await asyncio.sleep(WATCH_POLL_S)
        for event in await watcher.changes():
            yield pb.WatchDirResponse(filesystem=event)


def filesystem_app():
    return service_app(pb.DESCRIPTOR.services_by_name["Filesystem"], {
        "Stat": stat_path, "MakeDir": make_dir, "Move": move, "ListDir": list_dir, "Remove": remove,
        "WatchDir": watch_dir, "CreateWatcher": create_watcher, "GetWatcherEvents": get_watcher_events,
        "RemoveWatcher": remove_watcher})
