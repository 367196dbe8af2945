"""What a session's pod says of itself (its `status`), read the same way wherever it is read:
when the backend waits for a new pod and when it adopts a running one."""
from __future__ import annotations

# a container waiting for one of these will not start by waiting longer
HOPELESS_WAITS = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                  "CreateContainerConfigError", "CreateContainerError")


def address(pod) -> str | None:
    """The pod's IP once it is Ready (its envd listens), else None."""
    status = pod.status
    if status is None or status.phase != "Running" or not status.pod_ip or pod.metadata.deletion_timestamp:
        return None
    if not any(c.type == "Ready" and c.status == "True" for c in status.conditions or []):
        return None
    return status.pod_ip


def running_address(pod) -> str | None:
    """The pod's IP while it runs, ready or not (an adopted pod's envd proves itself by answering)."""
    status = pod.status
    if status is None or status.phase != "Running" or not status.pod_ip or pod.metadata.deletion_timestamp:
        return None
    return status.pod_ip


def failure(pod) -> str | None:
    """Why the pod will never be ready, or None while it still may be."""
    status = pod.status
    if status is None:
        return None
    if status.phase in ("Failed", "Succeeded"):
        return f"the session's pod ended ({status.phase}): {status.message or status.reason or 'no reason given'}"
    for container in status.container_statuses or []:
        waiting = container.state.waiting if container.state else None
        if waiting is not None and waiting.reason in HOPELESS_WAITS:
            return f"the session's pod cannot start ({waiting.reason}): {waiting.message or ''}".rstrip(": ")
    return None


def limits(pod) -> tuple[int | None, int | None]:
    """(memory, ephemeral storage) limits in bytes of the pod's first container."""
    from kubernetes.utils import parse_quantity
    resources = pod.spec.containers[0].resources
    given = (resources.limits if resources else None) or {}

    def amount(name: str) -> int | None:
        return int(parse_quantity(given[name])) if name in given else None
    return amount("memory"), amount("ephemeral-storage")
