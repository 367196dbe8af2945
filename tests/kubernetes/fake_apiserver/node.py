"""The one node of the fake cluster: scheduler and kubelet in one, running each pod as a real
OpenBay local sandbox (LocalBackend: runc, its own namespaces, cgroup limits, overlay root).

What the pod spec says and what happens here:
- the container's image is a local OpenBay image of that name (a missing one: ErrImagePull);
  its `env` values, `workingDir` and `command` are used as given; `resources.limits` memory and
  cpu become the sandbox's limits, `ephemeral-storage` its disk; processes are capped by the
  local default (a cluster's kubelet has `podPidsLimit`);
- `secret` volumes are written into the sandbox at their mountPath with the Secret's data
  (mode 0400) before the container starts; emptyDir volumes are directories of the sandbox's
  own disk (no size limit of their own: the sandbox's disk is the cap);
- init containers are not run: the only one OpenBay's pod has copies envd into /opt/envd,
  where every local sandbox already has envd (the same code, bound read-only by LocalBackend);
- the container's command runs in the sandbox through envd, in the foreground: when it ends
  the pod ends (restartPolicy Never), Failed or Succeeded by its exit code; a sandbox that dies
  fails its pod with LocalBackend's reason;
- `tcpSocket` readiness probes are tried through envd inside the sandbox; Ready follows them;
- the pod IP is one of pod_network's loopback addresses; NetworkPolicies are stored and not
  enforced (the sandbox has LocalBackend's default egress: public internet, nothing private).
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import shlex

from kubernetes.utils import parse_quantity

from openbay.sandbox.backend import ResourceLimits, SandboxError, SandboxSpec
from openbay.sandbox.envd.client import EnvdClient, EnvdError
from openbay.sandbox.envd.upload import upload
from openbay.sandbox.runc.local import LocalBackend

from .pod_network import PodNetwork, port_open
from .status import ApiError
from .store import BY_KIND, Store, now

log = logging.getLogger("fake-apiserver.node")
NODE = "openbay-fake-node"
PODS, SECRETS = BY_KIND["Pod"], BY_KIND["Secret"]
FOREVER_MS = 10 * 365 * 86400 * 1000


class PodFailed(Exception):
    """The pod cannot run: (waiting reason, message), as containerStatuses show it."""


def sandbox_id(pod: dict) -> str:
    return "p-" + pod["metadata"]["uid"].replace("-", "")[:24]


def sandbox_spec(pod: dict) -> SandboxSpec:
    container = pod["spec"]["containers"][0]
    envs = {}
    for e in container.get("env") or []:
        if "value" not in e:
            raise PodFailed("CreateContainerConfigError", f"env {e['name']}: only plain values are supported here")
        envs[e["name"]] = e["value"]
    limits = (container.get("resources") or {}).get("limits") or {}
    default = ResourceLimits()
    return SandboxSpec(
        session_id=sandbox_id(pod), image_id=container["image"], envs=envs,
        limits=ResourceLimits(memory_bytes=int(parse_quantity(limits.get("memory", default.memory_bytes))),
                              cpu_cores=float(parse_quantity(limits.get("cpu", default.cpu_cores))),
                              max_processes=default.max_processes),
        disk_bytes=int(parse_quantity(limits.get("ephemeral-storage", SandboxSpec.disk_bytes))))


class Node:
    def __init__(self, store: Store, backend: LocalBackend, network: PodNetwork):
        self.store, self.backend, self.network = store, backend, network
        self._pods: dict[str, asyncio.Task] = {}  # pod uid -> the task running it
        self._envd: dict[str, EnvdClient] = {}  # pod uid -> its sandbox's envd (while it runs)
        backend.on_exit = self._sandbox_died

    async def run(self) -> None:
        async for change in self.store.changes(None):
            if change.kind is not PODS:
                continue
            pod, uid = change.new, change.new["metadata"]["uid"]
            if change.type == "ADDED":
                self._pods[uid] = asyncio.create_task(self._run(pod))
            elif change.type == "DELETED" or pod["metadata"].get("deletionTimestamp"):
                task = self._pods.pop(uid, None)
                if task is not None:
                    asyncio.create_task(self._terminate(pod, task, remove=change.type != "DELETED"))

    def envd(self, pod_uid: str) -> EnvdClient | None:
        """The way into a running pod's sandbox (its port-forwards go through it)."""
        return self._envd.get(pod_uid)

    async def close(self) -> None:
        for task in self._pods.values():
            task.cancel()
        await asyncio.gather(*self._pods.values(), return_exceptions=True)

    def _status(self, pod: dict, **changes) -> None:
        meta = pod["metadata"]

        def apply(obj: dict) -> None:
            obj.setdefault("status", {}).update(changes)
        with contextlib.suppress(ApiError):  # deleted meanwhile
            self.store.update(PODS, meta["namespace"], meta["name"], apply)

    async def _run(self, pod: dict) -> None:
        meta, container = pod["metadata"], pod["spec"]["containers"][0]
        self.store.update(PODS, meta["namespace"], meta["name"], lambda p: p["spec"].update(nodeName=NODE))
        self._status(pod, phase="Pending", conditions=[_condition("PodScheduled")], startTime=now())
        sid = sandbox_id(pod)
        try:
            spec = sandbox_spec(pod)
            try:
                sandbox = await self.backend.start(spec)
            except SandboxError as e:
                reason = "ErrImagePull" if "image" in str(e) else "CreateContainerError"
                raise PodFailed(reason, str(e)) from None
            self._envd[meta["uid"]] = sandbox.envd
            await self._mount_secrets(pod, sandbox.envd)
            ports = [p["containerPort"] for p in container.get("ports") or []]
            ip = await self.network.attach(meta["uid"], sandbox.envd, ports)
        except PodFailed as e:
            await self.backend.stop(sid)
            self._status(pod, containerStatuses=[_container(container, waiting={"reason": e.args[0],
                                                                                  "message": e.args[1]})])
            return
        started = now()
        self._status(pod, phase="Running", podIP=ip, podIPs=[{"ip": ip}], hostIP="127.0.0.1",
                     conditions=[_condition(t) for t in ("PodScheduled", "Initialized")] +
                     [_condition(t, "False") for t in ("ContainersReady", "Ready")],
                     containerStatuses=[_container(container, sid=sid, running={"startedAt": started})])
        command = shlex.join([*container.get("command", []), *container.get("args", [])])
        main = asyncio.ensure_future(sandbox.envd.exec({"command": command, "cwd": container.get("workingDir"),
                                                        "timeout_ms": FOREVER_MS, "max_output": 65536}))
        probe = asyncio.ensure_future(self._probe(pod, container, sandbox.envd, sid, started))
        try:
            result = await main
            code, message = result["exit_code"], (result.get("stderr") or "")[-500:]
        except EnvdError as e:
            code, message = 137, f"the container's sandbox went away: {e}"
        finally:
            probe.cancel()
        self._status(pod, phase="Succeeded" if code == 0 else "Failed", message=message,
                     conditions=[_condition(t) for t in ("PodScheduled", "Initialized")] +
                     [_condition(t, "False") for t in ("ContainersReady", "Ready")],
                     containerStatuses=[_container(container, sid=sid, terminated={"exitCode": code, "message": message,
                                                                          "finishedAt": now()})])

    async def _mount_secrets(self, pod: dict, envd) -> None:
        mounts = {m["name"]: m["mountPath"] for m in pod["spec"]["containers"][0].get("volumeMounts") or []}
        for volume in pod["spec"].get("volumes") or []:
            if "secret" not in volume or volume["name"] not in mounts:
                continue
            name, target = volume["secret"]["secretName"], mounts[volume["name"]]
            try:
                data = self.store.get(SECRETS, pod["metadata"]["namespace"], name).get("data") or {}
            except ApiError:
                raise PodFailed("ContainerCreating", f'MountVolume.SetUp failed: secret "{name}" not found') from None
            for key, value in data.items():
                async def content(b=base64.b64decode(value)):
                    yield b
                await envd.exec({"command": f"mkdir -p {shlex.quote(target)}"})
                await upload(envd, {"op": "fs.write", "path": f"{target}/{key}"}, content())
            mode = oct(volume["secret"].get("defaultMode", 0o644))[2:]
            await envd.exec({"command": f"chmod {mode} {shlex.quote(target)}/*"})

    async def _probe(self, pod: dict, container: dict, envd, sid: str, started: str) -> None:
        probe = (container.get("readinessProbe") or {}).get("tcpSocket")
        period = (container.get("readinessProbe") or {}).get("periodSeconds", 10)
        ready = None
        while True:
            now_ready = True if probe is None else await port_open(envd, int(probe["port"]))
            if now_ready != ready:
                ready = now_ready
                flag = "True" if ready else "False"
                self._status(pod, conditions=[_condition(t) for t in ("PodScheduled", "Initialized")] +
                             [_condition(t, flag) for t in ("ContainersReady", "Ready")],
                             containerStatuses=[_container(container, ready, sid, running={"startedAt": started})])
            await asyncio.sleep(period)

    async def _terminate(self, pod: dict, task: asyncio.Task, remove: bool) -> None:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        self._envd.pop(pod["metadata"]["uid"], None)
        await self.network.detach(pod["metadata"]["uid"])
        await self.backend.stop(sandbox_id(pod))
        if remove:  # graceful deletion: the object goes once its containers are gone
            with contextlib.suppress(ApiError):
                self.store.delete(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])

    def _sandbox_died(self, sid: str, reason: str) -> None:
        log.warning("sandbox %s died: %s", sid, reason)  # its pod's envd exec ends; _run marks it Failed


def _condition(type_: str, status: str = "True") -> dict:
    return {"type": type_, "status": status, "lastTransitionTime": now()}


def _container(container: dict, ready: bool = False, sid: str = "", **state) -> dict:
    out = {"name": container["name"], "image": container["image"], "imageID": f"openbay-local://{container['image']}",
           "ready": ready, "restartCount": 0, "started": "running" in state, "state": state}
    if sid:
        out["containerID"] = f"runc://{sid}"
    return out
