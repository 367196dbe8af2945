"""The API server's storage: objects by kind, namespace and name, one resourceVersion counter for
everything (as etcd's revision), and a window of recent changes that watches resume from.

Spec points kept: `metadata.uid`, `creationTimestamp` and `resourceVersion` are set by the
server; a write with a stale `resourceVersion` is a 409 Conflict; a watch from a version older
than the window gets a 410 Expired; an object that stops matching a watch's selectors is seen
there as DELETED, one that starts matching as ADDED.
"""
from __future__ import annotations

import asyncio
import copy
import datetime
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from .status import ApiError, already_exists, gone, not_found

HISTORY = 1000  # changes kept for watches that resume


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


KINDS = [Kind("", "v1", "namespaces", "Namespace", namespaced=False),
         Kind("", "v1", "pods", "Pod"), Kind("", "v1", "secrets", "Secret"), Kind("", "v1", "services", "Service"),
         Kind("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
         Kind("agents.x-k8s.io", "v1alpha1", "sandboxes", "Sandbox"),
         Kind("extensions.agents.x-k8s.io", "v1alpha1", "sandboxtemplates", "SandboxTemplate"),
         Kind("extensions.agents.x-k8s.io", "v1alpha1", "sandboxwarmpools", "SandboxWarmPool")]
NAMESPACES = KINDS[0]
BY_PATH = {(k.group, k.version, k.plural): k for k in KINDS}
BY_KIND = {k.kind: k for k in KINDS}


@dataclass(frozen=True)
class Change:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    kind: Kind
    old: dict | None
    new: dict  # for DELETED: the object as it was last


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self, validate: Callable[[Kind, dict], None] = lambda kind, obj: None, history: int = HISTORY):
        """`validate(kind, obj)` checks every object written (raises an ApiError); the last
        `history` changes are kept for watches that resume."""
        self._validate = validate
        self._objects: dict[tuple[Kind, str, str], dict] = {}
        self._rv = 0
        self._history: deque[Change] = deque(maxlen=history)
        self._watchers: set[asyncio.Queue] = set()

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def _commit(self, type_: str, kind: Kind, key: tuple, old: dict | None, new: dict) -> dict:
        self._rv += 1
        if type_ != "DELETED":
            new["metadata"]["resourceVersion"] = str(self._rv)
            self._objects[key] = new
        else:
            self._objects.pop(key, None)
            new = copy.deepcopy(new)
            new["metadata"]["resourceVersion"] = str(self._rv)
        change = Change(self._rv, type_, kind, old, new)
        self._history.append(change)
        for queue in self._watchers:
            queue.put_nowait(change)
        return copy.deepcopy(new)

    def create(self, kind: Kind, namespace: str, obj: dict) -> dict:
        if kind.namespaced and (NAMESPACES, "", namespace) not in self._objects:
            raise not_found("namespaces", namespace)
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        key = (kind, namespace if kind.namespaced else "", meta.get("name", ""))
        if key in self._objects:
            raise already_exists(kind.plural, key[2], kind.group)
        obj["apiVersion"], obj["kind"] = kind.api_version, kind.kind
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now(), generation=1)
        if kind.namespaced:
            meta["namespace"] = namespace
        for server_set in ("deletionTimestamp", "resourceVersion"):
            meta.pop(server_set, None)
        self._validate(kind, obj)
        return self._commit("ADDED", kind, key, None, obj)

    def get(self, kind: Kind, namespace: str, name: str) -> dict:
        obj = self._objects.get((kind, namespace if kind.namespaced else "", name))
        if obj is None:
            raise not_found(kind.plural, name, kind.group)
        return copy.deepcopy(obj)

    def list(self, kind: Kind, namespace: str | None, match: Callable[[dict], bool]) -> list[dict]:
        """Every object of the kind in the namespace (all of them: None) that matches."""
        return [copy.deepcopy(o) for (k, ns, _), o in sorted(self._objects.items(), key=lambda i: i[0][1:])
                if k == kind and (namespace is None or ns == namespace) and match(o)]

    def update(self, kind: Kind, namespace: str, name: str, change: Callable[[dict], None],
               expect_rv: str | None = None) -> dict:
        """Change the stored object in place (`change(obj)`); a stale `expect_rv` is a Conflict."""
        old = self.get(kind, namespace, name)
        if expect_rv and expect_rv != old["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {kind.plural} "{name}": the object '
                                            "has been modified; please apply your changes to the latest version "
                                            "and try again", {"name": name, "group": kind.group, "kind": kind.plural})
        new = copy.deepcopy(old)
        change(new)
        if new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        if new == old:
            return old
        self._validate(kind, new)
        return self._commit("MODIFIED", kind, (kind, namespace if kind.namespaced else "", name), old, new)

    def delete(self, kind: Kind, namespace: str, name: str) -> dict:
        obj = self.get(kind, namespace, name)
        return self._commit("DELETED", kind, (kind, namespace if kind.namespaced else "", name), obj, obj)

    def owned_by(self, uid: str) -> list[tuple[Kind, str, str]]:
        """What names `uid` among its ownerReferences (the garbage collector's dependents)."""
        return [key for key, o in self._objects.items()
                if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]

    async def changes(self, since: int | None) -> AsyncIterator[Change]:
        """Every change after resourceVersion `since` (None: from now on), then each new one."""
        queue: asyncio.Queue = asyncio.Queue()
        self._watchers.add(queue)
        try:
            seen, backlog = self._rv, []
            if since is not None and since < self._rv:
                oldest = self._history[0].rv if self._history else self._rv + 1
                if oldest > since + 1:
                    raise gone(f"too old resource version: {since} ({oldest - 1})")
                backlog = [c for c in self._history if c.rv > since]
            for change in backlog:  # what came after `since`; newer changes wait in the queue
                yield change
            while True:
                change = await queue.get()
                if change.rv > seen:
                    yield change
        finally:
            self._watchers.discard(queue)
