"""Who may do what: the fake's two users. The admin (the tests' own checks) may do anything; the
server's user is the ServiceAccount of deploy/kubernetes, allowed exactly what the RoleBindings
there grant it, so a backend call the deploy files do not allow fails here as on a cluster
(403 Forbidden), and a Role that grants too little is caught by the backend's tests."""
from __future__ import annotations

from pathlib import Path

import yaml

from .status import ApiError

SERVER_ACCOUNT = ("openbay", "openbay-server")  # (namespace, name) of the server's ServiceAccount


class Rbac:
    def __init__(self, rules: dict[str, list[dict]], user: str):
        self.rules, self.user = rules, user  # namespace -> the rules granted there

    @classmethod
    def from_manifests(cls, path: Path, account: tuple[str, str] = SERVER_ACCOUNT) -> Rbac:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        roles = {(d["metadata"]["namespace"], d["metadata"]["name"]): d.get("rules", [])
                 for d in docs if d["kind"] == "Role"}
        rules: dict[str, list[dict]] = {}
        for binding in (d for d in docs if d["kind"] == "RoleBinding"):
            namespace = binding["metadata"]["namespace"]
            if any(s["kind"] == "ServiceAccount" and (s.get("namespace"), s["name"]) == account
                   for s in binding.get("subjects", [])) and binding["roleRef"]["kind"] == "Role":
                rules.setdefault(namespace, []).extend(roles.get((namespace, binding["roleRef"]["name"]), []))
        return cls(rules, f"system:serviceaccount:{account[0]}:{account[1]}")

    def check(self, verb: str, group: str, resource: str, namespace: str) -> None:
        for rule in self.rules.get(namespace, []):
            if (_has(rule["apiGroups"], group) and _has(rule["resources"], resource)
                    and _has(rule["verbs"], verb)):
                return
        where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        raise ApiError(403, "Forbidden", f'{resource}{"." + group if group else ""} is forbidden: User '
                       f'"{self.user}" cannot {verb} resource "{resource}" in API group "{group}"{where}',
                       {"group": group, "kind": resource})


def _has(granted: list[str], wanted: str) -> bool:
    return "*" in granted or wanted in granted


def verb(method: str, named: bool, watching: bool) -> str:
    if method == "GET":
        return "get" if named else ("watch" if watching else "list")
    return {"POST": "create", "DELETE": "delete", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())
