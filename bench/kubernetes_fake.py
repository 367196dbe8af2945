"""The Kubernetes backend on the fake API server (tests/kubernetes/fake_apiserver): what the API
round trips, the pod watch and envd's TLS listener add to a session's start and to a command,
and what reaching envd through the API server's port-forward costs.

Baselines in the same run: the local backend itself (runc, envd on its unix socket), which is
also what runs each fake pod, so the difference is the Kubernetes path, not the sandbox. Only
the API server, its node and the pod network are faked (loopback relays through envd): on a
cluster the pod start adds the scheduler, image pulls and the CNI, and a command the pod network.

    .venv/bin/python bench/kubernetes_fake.py [-n 10] [--commands 100]
"""
import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from _common import local_backend, print_table, spec, summary, write_json

from openbay.sandbox.kubernetes import objects
from openbay.sandbox.kubernetes.backend import KubernetesBackend
from tests.kubernetes.cluster_helpers import api_client, backend_for
from tests.kubernetes.fake_apiserver.launch import fake_cluster


async def _starts(backend, n: int) -> tuple[list[float], list]:
    times, sandboxes = [], []
    for _ in range(n):
        t = time.perf_counter()
        sandboxes.append(await backend.start(spec(f"s-{uuid.uuid4().hex[:12]}")))
        times.append((time.perf_counter() - t) * 1000)
    return times, sandboxes


async def _commands(sandbox, n: int) -> list[float]:
    await sandbox.envd.exec({"command": "true"})  # warm
    times = []
    for _ in range(n):
        t = time.perf_counter()
        await sandbox.envd.exec({"command": "echo hi"})
        times.append((time.perf_counter() - t) * 1000)
    return times


async def _kubernetes(kubeconfig: Path, n: int, commands: int) -> dict:
    pod_ip = backend_for(kubeconfig)
    forwarded = KubernetesBackend(objects.K8sSettings(port_forward=True), api_client=api_client(kubeconfig, True))
    try:
        starts, sandboxes = await _starts(pod_ip, n)
        adopter = backend_for(kubeconfig)
        t = time.perf_counter()
        assert await adopter.reattach(sandboxes[0].session_id) is not None
        reattach_ms = (time.perf_counter() - t) * 1000
        adopter.forget(sandboxes[0].session_id)
        await adopter.close()
        via_ip = await _commands(sandboxes[0], commands)
        forward = await forwarded.start(spec(f"s-{uuid.uuid4().hex[:12]}"))
        via_forward = await _commands(forward, commands)
        return {"start": starts, "command_pod_ip": via_ip, "command_port_forward": via_forward,
                "reattach_ms": reattach_ms}
    finally:
        await pod_ip.close()
        await forwarded.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10, help="sessions started on each backend")
    parser.add_argument("--commands", type=int, default=100)
    args = parser.parse_args()
    with local_backend() as (backend, run):
        async def local() -> dict:
            starts, sandboxes = await _starts(backend, args.n)
            return {"start": starts, "command": await _commands(sandboxes[0], args.commands)}
        base = run(local())
    with tempfile.TemporaryDirectory(prefix="obbench-k8s-", dir="/tmp") as tmp:
        with fake_cluster(Path(tmp)) as kubeconfig:
            kube = asyncio.run(_kubernetes(kubeconfig, args.n, args.commands))
    rows = [{"what": "session start, local backend (baseline)", **summary(base["start"])},
            {"what": "session start, Kubernetes backend on the fake (pod, watch to Ready)", **summary(kube["start"])},
            {"what": "command, local backend: envd on its unix socket (baseline)", **summary(base["command"])},
            {"what": "command, Kubernetes: TLS to the pod IP", **summary(kube["command_pod_ip"])},
            {"what": "command, Kubernetes: TLS through the API server's port-forward",
             **summary(kube["command_port_forward"])}]
    print_table("The Kubernetes backend on the fake API server (ms)", rows, ["what", "n", "p50", "p95", "mean"])
    print(f"adopting a running pod (reattach: list by label, read its Secret, envd answers): "
          f"{kube['reattach_ms']:.1f} ms")
    write_json("kubernetes_fake", {"rows": rows, "reattach_ms": round(kube["reattach_ms"], 1)})


if __name__ == "__main__":
    main()
