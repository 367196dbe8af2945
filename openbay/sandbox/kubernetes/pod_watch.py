"""One watch over the session pods of the namespace, for the Kubernetes backend: the way it
learns that a new pod is ready (or will never be) and that a running one died, without polling.

The official client is synchronous, so the watch runs on a thread of its own (not the event
loop's executor, which the backend's API calls share); it lists the pods, then follows their
changes from that resourceVersion, and lists again when the API says the version is too old
(410) or the connection breaks. What it learns is handed to the event loop.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from . import pod_state

log = logging.getLogger("openbay.sandbox.kubernetes")
WATCH_S = 60  # one watch request at most this long, then another from where it stopped
RETRY_S = 1.0


class PodWatch:
    def __init__(self, core, namespace: str, selector: str, loop: asyncio.AbstractEventLoop,
                 on_gone: Callable[[str, str], None]):
        """`on_gone(pod name, reason)` is called on the loop when a pod is deleted or has ended."""
        self._core, self._namespace, self._selector, self._loop = core, namespace, selector, loop
        self._on_gone = on_gone
        self._pods: dict[str, object] = {}  # name -> the pod as last seen (touched on the loop only)
        self._waiters: dict[str, asyncio.Future] = {}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pod-watch-{namespace}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """The thread ends after the watch request it is in (at most WATCH_S)."""
        self._stopped.set()

    async def ready(self, name: str, timeout_s: float) -> str:
        """The pod's IP once it is Ready; a SandboxError-worthy reason raises ValueError."""
        future = self._waiters[name] = self._loop.create_future()
        try:
            if name in self._pods:
                self._check(name)
            return await asyncio.wait_for(future, timeout_s)
        finally:
            self._waiters.pop(name, None)

    def _check(self, name: str) -> None:
        future, pod = self._waiters.get(name), self._pods.get(name)
        if future is None or future.done():
            return
        if pod is None:
            future.set_exception(ValueError("the session's pod was deleted before it was ready"))
        elif reason := pod_state.failure(pod):
            future.set_exception(ValueError(reason))
        elif address := pod_state.address(pod):
            future.set_result(address)

    def _seen(self, kind: str, pod) -> None:
        """On the loop: one change of one pod; the first sign that it is gone is passed on."""
        if self._stopped.is_set():  # what a stopped watch still had in flight is nobody's business
            return
        name = pod.metadata.name
        before = self._pods.get(name)
        if kind == "DELETED":
            self._pods.pop(name, None)
            gone = "its pod was deleted"
        else:
            self._pods[name] = pod
            gone = None if before is not None and pod_state.failure(before) else pod_state.failure(pod)
        self._check(name)
        if gone:
            self._on_gone(name, gone)

    def _listed(self, pods: list) -> None:
        """On the loop: a fresh list; what it lacks was deleted while nobody watched."""
        present = {p.metadata.name for p in pods}
        for name, pod in list(self._pods.items()):
            if name not in present:
                self._seen("DELETED", pod)
        for pod in pods:
            self._seen("ADDED", pod)

    def _run(self) -> None:
        from kubernetes import watch
        from kubernetes.client.exceptions import ApiException
        version = None
        while not self._stopped.is_set():
            try:
                if version is None:
                    pods = self._core.list_namespaced_pod(self._namespace, label_selector=self._selector)
                    version = pods.metadata.resource_version
                    self._hand_over(self._listed, pods.items)
                    continue
                w = watch.Watch()
                for event in w.stream(self._core.list_namespaced_pod, self._namespace, label_selector=self._selector,
                                      resource_version=version, timeout_seconds=WATCH_S):
                    version = event["object"].metadata.resource_version
                    self._hand_over(self._seen, event["type"], event["object"])
                    if self._stopped.is_set():
                        w.stop()
            except ApiException as e:
                if e.status != 410:
                    log.warning("watching the session pods failed: %s %s", e.status, e.reason)
                    time.sleep(RETRY_S)
                version = None  # start again from a fresh list
            except Exception as e:  # the connection broke, the API is away: try again shortly
                if self._stopped.is_set():
                    return
                log.warning("watching the session pods failed: %s", e)
                time.sleep(RETRY_S)
                version = None

    def _hand_over(self, fn, *args) -> None:
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self._stopped.set()
