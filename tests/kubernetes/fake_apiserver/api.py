"""The HTTP surface: the REST paths of the kinds in store.KINDS, as the official client calls them.

GET reads, lists and (with `watch=true`) streams changes as newline-separated JSON events
(`{"type": "ADDED"|"MODIFIED"|"DELETED"|"ERROR", "object": ...}`); POST creates (201, after
validating built-in kinds against the Kubernetes 1.37 OpenAPI schemas: a bad object is a 422
Invalid); DELETE removes (a pod with a grace period is only marked, the node removes it once its
sandbox is stopped; other kinds answer a Status of Success). Every error is a `Status` object
with its code. Requests need a bearer token of the kubeconfig (401 otherwise), and the server's
user may do only what deploy/kubernetes grants it (403 otherwise, rbac.py). Kinds of
custom resources are served only when their CRDs are said to be installed; without them their
paths are a 404, as on a cluster without agent-sandbox.
"""
from __future__ import annotations

import asyncio
import hmac
import json

import kubernetes_validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import selectors
from .rbac import Rbac, verb
from .status import ApiError, bad_request, invalid, success
from .store import BY_PATH, Kind, Store

K8S_VERSION = "1.37.0"
BUILT_IN_GROUPS = ("", "networking.k8s.io")
POD_GRACE_S = 30  # the default terminationGracePeriodSeconds


def _status(e: ApiError) -> JSONResponse:
    return JSONResponse(e.status(), status_code=e.code)


def _named(kind: Kind, obj: dict) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata", {}), dict):
        raise bad_request("the request body is not a JSON object")
    if not (obj.get("metadata", {}).get("name") or obj.get("metadata", {}).get("generateName")):
        raise invalid(kind.kind, "", ["metadata.name: Required value: name or generateName is required"],
                      kind.group)


def validate(kind: Kind, obj: dict) -> None:
    """Built-in kinds against the Kubernetes schemas, whoever writes them (clients, the node, the
    controllers: the official client refuses objects the schemas refuse)."""
    name = obj["metadata"].get("name", "")
    if kind.group in BUILT_IN_GROUPS:
        try:
            kubernetes_validate.validate({**obj, "apiVersion": kind.api_version, "kind": kind.kind}, K8S_VERSION)
        except kubernetes_validate.ValidationError as e:
            raise invalid(kind.kind, name, [f"{'.'.join(map(str, e.path))}: {e.message}"], kind.group) from None


def _matches(request: Request, kind: Kind):
    labels = selectors.label_selector(request.query_params.get("labelSelector"))
    fields = selectors.field_selector(request.query_params.get("fieldSelector"), kind.plural)
    return lambda obj: labels(obj) and fields(obj)


def _for_list(kind: Kind, obj: dict) -> dict:
    if kind.group in BUILT_IN_GROUPS:  # typed lists leave the kind off their items
        obj.pop("apiVersion", None)
        obj.pop("kind", None)
    return obj


class Api:
    def __init__(self, store: Store, users: dict[str, Rbac | None], crds_installed: bool):
        """`users`: bearer token -> what that user may do (None: anything)."""
        self.store, self.users, self.crds_installed = store, users, crds_installed

    def app(self, extra_routes: list = ()) -> Starlette:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        routes = [Route("/version", self.version), *extra_routes]
        for prefix in ("/api/{version}", "/apis/{group}/{version}"):
            routes += [Route(prefix + "/namespaces/{namespace}/{plural}/{name}", self.one, methods=methods),
                       Route(prefix + "/namespaces/{namespace}/{plural}", self.many, methods=methods),
                       Route(prefix + "/{plural}/{name}", self.one, methods=methods),
                       Route(prefix + "/{plural}", self.many, methods=methods)]
        return Starlette(routes=routes)

    async def version(self, request: Request) -> Response:
        return JSONResponse({"major": "1", "minor": "37", "gitVersion": "v1.37.0-openbay-fake",
                             "platform": "linux/amd64"})

    def user(self, headers) -> Rbac | None:
        """What the request's bearer token may do (None: anything); a 401 without a known one."""
        auth = headers.get("authorization", "").encode()
        known = [rbac for token, rbac in self.users.items() if hmac.compare_digest(auth, f"Bearer {token}".encode())]
        if not known:
            raise ApiError(401, "Unauthorized", "Unauthorized")
        return known[0]

    def _kind(self, request: Request) -> tuple[Kind, str]:
        rbac = self.user(request.headers)
        p = request.path_params
        kind = BY_PATH.get((p.get("group", ""), p["version"], p["plural"]))
        if kind is None or (kind.group not in BUILT_IN_GROUPS and not self.crds_installed):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        namespace = p.get("namespace", "")
        across_namespaces = request.method == "GET" and "name" not in p  # a list or watch of all of them
        if (kind.namespaced and not namespace and not across_namespaces) or (not kind.namespaced and namespace):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if rbac is not None:
            rbac.check(verb(request.method, "name" in p, request.query_params.get("watch") in ("true", "1")),
                           kind.group, kind.plural, namespace)
        return kind, namespace

    async def one(self, request: Request) -> Response:
        try:
            kind, namespace = self._kind(request)
            name = request.path_params["name"]
            if request.method == "GET":
                return JSONResponse(self.store.get(kind, namespace, name))
            if request.method == "DELETE":
                return JSONResponse(await self._delete(request, kind, namespace, name))
            raise _not_allowed()
        except ApiError as e:
            return _status(e)

    async def many(self, request: Request) -> Response:
        try:
            kind, namespace = self._kind(request)
            if request.method == "POST":
                try:
                    obj = json.loads(await request.body())
                except ValueError:
                    raise bad_request("the request body is not valid JSON") from None
                _named(kind, obj)
                given = obj.get("metadata", {}).get("namespace")
                if given and given != namespace:
                    raise bad_request("the namespace of the provided object does not match the namespace sent "
                                      "on the request")
                if kind.plural == "pods":  # what a client says of a pod's status is not taken
                    obj["status"] = {"phase": "Pending"}
                return JSONResponse(self.store.create(kind, namespace, obj), status_code=201)
            if request.method != "GET":
                raise _not_allowed()
            match = _matches(request, kind)
            if request.query_params.get("watch") in ("true", "1"):
                return self._watch(request, kind, namespace or None, match)
            items = [_for_list(kind, o) for o in self.store.list(kind, namespace or None, match)]
            return JSONResponse({"kind": kind.kind + "List", "apiVersion": kind.api_version,
                                 "metadata": {"resourceVersion": self.store.resource_version}, "items": items})
        except ApiError as e:
            return _status(e)

    async def _delete(self, request: Request, kind: Kind, namespace: str, name: str) -> dict:
        body = await request.body()
        options = json.loads(body) if body.strip() else {}
        grace = request.query_params.get("gracePeriodSeconds", options.get("gracePeriodSeconds"))
        obj = self.store.get(kind, namespace, name)
        if kind.plural == "pods":
            grace = POD_GRACE_S if grace is None else int(grace)
            if grace > 0 and obj["status"].get("phase") not in ("Succeeded", "Failed"):
                def mark(pod: dict) -> None:  # the node stops its containers, then removes it
                    pod["metadata"].setdefault("deletionTimestamp", _deadline(grace))
                    pod["metadata"].setdefault("deletionGracePeriodSeconds", grace)
                return self.store.update(kind, namespace, name, mark)
            return self.store.delete(kind, namespace, name)
        gone = self.store.delete(kind, namespace, name)
        return success(kind.plural, name, gone["metadata"]["uid"], kind.group)

    def _watch(self, request: Request, kind: Kind, namespace: str | None, match) -> Response:
        since = request.query_params.get("resourceVersion")
        timeout = float(request.query_params.get("timeoutSeconds") or 1800)
        if since not in (None, "", "0") and not since.isdigit():
            raise bad_request(f"invalid resource version {since!r}")
        start = int(since) if since and since != "0" else None
        if start is None:  # the present state, and the changes after it
            initial, start = self.store.list(kind, namespace, match), int(self.store.resource_version)
        else:
            initial = []

        async def events():
            for obj in initial:  # without a version: the present state first, as ADDED
                yield _line("ADDED", obj)
            changes = self.store.changes(start)
            try:
                async with asyncio.timeout(timeout):
                    async for change in changes:
                        if change.kind != kind or (namespace and change.new["metadata"].get("namespace") != namespace):
                            continue
                        event = _seen_as(change, match)
                        if event:
                            yield _line(event, change.new)
            except ApiError as e:
                yield json.dumps({"type": "ERROR", "object": e.status()}) + "\n"
            except TimeoutError:
                pass
            finally:
                await changes.aclose()
        return StreamingResponse(events(), media_type="application/json")


def _not_allowed() -> ApiError:
    return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


def _seen_as(change, match) -> str | None:
    """What a watch with these selectors sees of a change (objects move in and out of its view)."""
    before = change.old is not None and change.type != "ADDED" and match(change.old)
    after = change.type != "DELETED" and match(change.new)
    if change.type == "DELETED":
        return "DELETED" if match(change.new) else None
    if before and after:
        return "MODIFIED"
    return "ADDED" if after else ("DELETED" if before else None)


def _line(type_: str, obj: dict) -> str:
    return json.dumps({"type": type_, "object": obj}) + "\n"


def _deadline(grace_s: int) -> str:
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=grace_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
