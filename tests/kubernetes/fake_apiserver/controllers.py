"""The controllers the fake cluster runs besides its node: agent-sandbox's Sandbox controller
(a `Sandbox` gets a pod of its name from its podTemplate and a headless Service, both owned by
it, and a Ready condition that follows its pod's) and the garbage collector (what an owner's
ownerReferences name goes when the owner goes, pods gracefully)."""
from __future__ import annotations

import contextlib

from .status import ApiError
from .store import BY_KIND, Store, now

SANDBOX_LABEL = "agents.x-k8s.io/sandbox-name-hash"
PODS, SERVICES, SANDBOXES = BY_KIND["Pod"], BY_KIND["Service"], BY_KIND["Sandbox"]


def name_hash(name: str) -> str:
    """agent-sandbox's label value: FNV-1a (32 bit) of the name, in hex."""
    h = 0x811C9DC5
    for byte in name.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def _owned(owner: dict) -> dict:
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"], "uid": meta["uid"],
            "controller": True, "blockOwnerDeletion": True}


class Controllers:
    def __init__(self, store: Store):
        self.store = store

    async def run(self) -> None:
        async for change in self.store.changes(None):
            if change.type == "DELETED":
                self._collect(change.new["metadata"]["uid"])
            elif change.kind is SANDBOXES and change.type == "ADDED":
                self._sandbox_created(change.new)
            elif change.kind is PODS:
                self._pod_changed(change.new)

    def _collect(self, uid: str) -> None:
        for kind, namespace, name in self.store.owned_by(uid):
            with contextlib.suppress(ApiError):
                if kind is PODS:
                    self.store.update(kind, namespace, name,
                                      lambda p: p["metadata"].setdefault("deletionTimestamp", now()))
                else:
                    self.store.delete(kind, namespace, name)

    def _sandbox_created(self, sandbox: dict) -> None:
        meta, template = sandbox["metadata"], sandbox["spec"]["podTemplate"]
        labels = {**(template.get("metadata") or {}).get("labels", {}), SANDBOX_LABEL: name_hash(meta["name"])}
        owned = {"name": meta["name"], "labels": labels, "ownerReferences": [_owned(sandbox)]}
        with contextlib.suppress(ApiError):
            self.store.create(PODS, meta["namespace"], {"metadata": owned, "spec": template["spec"],
                                                         "status": {"phase": "Pending"}})
            self.store.create(SERVICES, meta["namespace"], {
                "metadata": {**owned, "labels": {SANDBOX_LABEL: labels[SANDBOX_LABEL]}},
                "spec": {"clusterIP": "None", "selector": {SANDBOX_LABEL: labels[SANDBOX_LABEL]}}})
        self._set_status(sandbox, ready=False)

    def _pod_changed(self, pod: dict) -> None:
        owner = next((r for r in pod["metadata"].get("ownerReferences") or [] if r["kind"] == "Sandbox"), None)
        if owner is None:
            return
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))
        with contextlib.suppress(ApiError):
            self._set_status(self.store.get(SANDBOXES, pod["metadata"]["namespace"], owner["name"]), ready)

    def _set_status(self, sandbox: dict, ready: bool) -> None:
        meta = sandbox["metadata"]
        status = {"service": meta["name"], "serviceFQDN": f"{meta['name']}.{meta['namespace']}.svc.cluster.local",
                  "replicas": 1, "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                                 "reason": "DependenciesReady" if ready else "DependenciesNotReady",
                                                 "observedGeneration": meta.get("generation", 1)}]}
        with contextlib.suppress(ApiError):
            self.store.update(SANDBOXES, meta["namespace"], meta["name"], lambda s: s.update(status=status))
