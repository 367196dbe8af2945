"""The OpenAPI spec as the server really behaves: what every route may answer besides its own
`responses=` (see errors.responses), derived from how the route is built, so a route added
later is described the same way. A schemathesis run against a live server checks it."""
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from openbay.protocol import ErrorResponse

from .auth import require_admin, require_principal
from .errors import STATUS_DESCRIPTIONS

BEARER = "bearerAuth"
_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def _inputs(dependant, kind: str) -> list:
    """A route's parameters of one kind (path_params, body_params, ...), its dependencies' too."""
    found = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        found += _inputs(sub, kind)
    return found


def _calls(dependant) -> set:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def implied_statuses(route: APIRoute, path_format: str) -> set[int]:
    """What any route answers by how it is built: the body cap (413) always; with inputs, a
    body that is not JSON (400) and what does not validate (422); with a key, 401 and 429
    (and 403 when only admins may); with an id in the path, 404 for an unknown or another
    owner's; under a session, 410 once the session has ended and 503 while its sandbox cannot be
    reached (another server replica holds it, or the sandbox backend does not answer)."""
    out = {413}
    d = route.dependant
    path, body = _inputs(d, "path_params"), _inputs(d, "body_params")
    if body or path or _inputs(d, "query_params") or _inputs(d, "header_params"):
        out |= {422}
    if body:
        out |= {400}
    calls = _calls(d)
    if require_principal in calls or require_admin in calls:
        out |= {401, 429}
    if require_admin in calls:
        out |= {403}
    if path:
        out |= {404}
    if "{session_id}" in path_format:
        out |= {410, 503}
    return out


def _authenticated(route: APIRoute) -> bool:
    calls = _calls(route.dependant)
    return require_principal in calls or require_admin in calls


def faithful_openapi(app: FastAPI) -> dict:
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {}))
    schemas["ErrorResponse"] = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ErrorResponse"].pop("$defs", None)
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http", "scheme": "bearer", "description": "an API key: Authorization: Bearer ob_..."}
    for ctx in iter_route_contexts(app.routes):  # routes of included routers with their full paths
        route = ctx.original_route
        if not isinstance(route, APIRoute):
            continue
        for method in ctx.methods or ():
            op = spec["paths"].get(ctx.path_format, {}).get(method.lower())
            if op is None:
                continue
            for status in sorted(implied_statuses(route, ctx.path_format)):
                declared = {"description": STATUS_DESCRIPTIONS[status],
                            "content": {"application/json": {"schema": _ERROR_REF}}}
                if status == 422:  # FastAPI's default 422 is not the shape this server sends
                    op["responses"]["422"] = declared
                else:
                    op["responses"].setdefault(str(status), declared)
            if _authenticated(route):
                op["security"] = [{BEARER: []}]
    app.openapi_schema = spec
    return spec


def install_openapi(app: FastAPI) -> None:
    app.openapi = lambda: faithful_openapi(app)
