"""A fake Kubernetes API server for tests, whose pods are real OpenBay local sandboxes.

Faked: the API server (storage in memory, the REST paths and watches of the kinds OpenBay's
Kubernetes backend uses, Status errors, resourceVersions, validation of built-in kinds against
the Kubernetes 1.37 schemas, RBAC from deploy/kubernetes for the server's user: rbac.py,
`pods/portforward` over WebSocket: port_forward.py), the scheduler and kubelet (node.py), the
pod network (pod_network.py) and agent-sandbox's controller (controllers.py). Not served, as the
backend calls none of them: exec/attach, PATCH/PUT, logs, events. Real: the official
`kubernetes` client talking HTTPS to it from a kubeconfig, and each pod's container, which
runs its command in a runc sandbox of the named OpenBay image. `launch.fake_cluster` starts it.
"""
