"""E2B's REST control plane (spec/openapi.yml in e2b-dev/E2B): sandboxes as OpenBay sessions.

E2B's metadata are the session's labels, its envVars the session's envs, its timeout the
session's lifetime from now (OpenBay's idle timeout, reset by every use).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openbay.protocol import CreateSessionParams, ErrorCode, SessionStatus
from openbay.protocol.network import NetworkPolicyParams
from openbay.server.errors import ApiError
from openbay.server.services.keys import Principal
from openbay.server.services.sessions import MAX_PAGE
from openbay.server.wiring import services

from .access import access_token, control_principal
from .errors import E2BRoute
from .templates import image_of, template_of

router = APIRouter(include_in_schema=False, route_class=E2BRoute)
ENVD_VERSION = "0.6.4"  # the envd features this adapter serves (e2b.envd.versions)
CLIENT_ID = "openbay"
MAX_TIMEOUT_S = 7 * 86400


class NewSandbox(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    template_id: str = Field(alias="templateID", max_length=128)
    timeout: int = Field(default=300, ge=0)
    metadata: dict[str, str] | None = None
    env_vars: dict[str, str] | None = Field(default=None, alias="envVars")
    allow_internet_access: bool | None = None
    network: dict | None = None
    volume_mounts: list | None = Field(default=None, alias="volumeMounts")
    mcp: dict | None = None
    iam: dict | None = None


class Timeout(BaseModel):
    timeout: int = Field(default=300, ge=0)


def _timeout_s(asked: int) -> int:
    if asked > MAX_TIMEOUT_S:
        raise ApiError(ErrorCode.VALIDATION, f"timeout {asked} s is over OpenBay's maximum of {MAX_TIMEOUT_S} s")
    return max(asked, 1)


def _iso(dt) -> str:
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).isoformat().replace("+00:00", "Z")


def _sandbox(request: Request, session_id: str, image_id: str) -> dict:
    token = access_token(request.app, session_id)
    origins = request.app.state.settings.link_origins()
    domain = None
    if origins.on_own_origins:  # get_host(port) is then "<port>-<id>.<domain>", an OpenBay port link
        domain = origins.suffix[1:] + (f":{origins.port}" if origins.port else "")
    return {"templateID": template_of(image_id), "sandboxID": session_id, "clientID": CLIENT_ID,
            "envdVersion": ENVD_VERSION, "envdAccessToken": token, "trafficAccessToken": token,
            "domain": domain}


def _listed(request: Request, row) -> dict:
    limits = services(request).sessions.limits
    return {"templateID": template_of(row.image_id), "sandboxID": row.id, "clientID": CLIENT_ID,
            "startedAt": _iso(row.created_at), "endAt": _iso(row.expires_at),
            "cpuCount": max(1, int(limits.cpu_cores)), "memoryMB": limits.memory_bytes // (1024 * 1024),
            "diskSizeMB": services(request).sessions.disk.default_mb,
            "state": "paused" if row.status == SessionStatus.PAUSED.value else "running",
            "envdVersion": ENVD_VERSION, "metadata": dict(row.labels)}


# E2B's network options OpenBay's egress policy has (by name and CIDR); the rest it cannot honour
_NETWORK_KEPT = {"allowOut", "denyOut", "allowPublicTraffic"}


def _refusals(body: NewSandbox) -> str:
    if body.volume_mounts:
        return "OpenBay has no E2B volumes; keep files across sandboxes with OpenBay contexts (context_syncs)"
    if body.mcp:
        return "OpenBay runs a sandbox's MCP servers from its template (mcp_servers), not E2B's mcp-gateway"
    if body.iam and body.iam.get("tokens"):
        return "OpenBay has no workload identity tokens for sandboxes"
    extra = sorted(k for k, v in (body.network or {}).items() if v not in (None, [], {}) and k not in _NETWORK_KEPT)
    if extra:
        return f"OpenBay's egress policy has allowOut and denyOut (names and CIDRs), not {', '.join(extra)}"
    return ""


async def _create(body: NewSandbox, request: Request, who: Principal) -> JSONResponse:
    refusal = _refusals(body)
    if refusal:
        raise ApiError(ErrorCode.BAD_REQUEST, refusal)
    network = body.network or {}
    try:
        policy = None
        if network.get("allowOut") or network.get("denyOut"):
            policy = NetworkPolicyParams(allow_out=network.get("allowOut") or [],
                                         deny_out=network.get("denyOut") or [])
        params = CreateSessionParams(image_id=image_of(body.template_id), labels=body.metadata or {},
                                     envs=body.env_vars or {}, timeout_s=_timeout_s(body.timeout),
                                     network="none" if body.allow_internet_access is False else "default",
                                     network_policy=policy)
    except ValidationError as e:  # metadata, envs or rules OpenBay's sessions do not take
        raise ApiError(ErrorCode.VALIDATION, "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
                                                       for err in e.errors())) from None
    row = await services(request).sessions.create(who, params)
    return JSONResponse(_sandbox(request, row.id, row.image_id), status_code=201)


@router.post("/sandboxes")
@router.post("/v2/sandboxes")
async def create_sandbox(body: NewSandbox, request: Request, who: Principal = Depends(control_principal)):
    return await _create(body, request, who)


@router.get("/v2/sandboxes")
async def list_sandboxes(request: Request, who: Principal = Depends(control_principal),
                         metadata: str = "", template: str = "", limit: int = 100,
                         nextToken: str = ""):  # noqa: N803
    states = {s for part in request.query_params.getlist("state") for s in part.split(",") if s} \
        or {"running", "paused"}
    labels = dict(parse_qsl(metadata, keep_blank_values=True))
    status = None if states == {"running", "paused"} else ("paused" if states == {"paused"} else "running")
    if not nextToken.isdigit() and nextToken:
        raise ApiError(ErrorCode.VALIDATION, "nextToken is the one the previous page gave")
    rows, token, _ = await services(request).sessions.list(
        who, labels=labels, status=status, limit=max(1, min(limit, MAX_PAGE)), next_token=nextToken or None,
        image_id=image_of(template) if template else None)
    headers = {"x-next-token": token} if token else {}
    return JSONResponse([_listed(request, r) for r in rows], headers=headers)


@router.get("/sandboxes")
async def list_running(request: Request, who: Principal = Depends(control_principal), metadata: str = ""):
    labels = dict(parse_qsl(metadata, keep_blank_values=True))
    token, found = None, []
    while True:
        rows, token, _ = await services(request).sessions.list(who, labels=labels, status=None,
                                                               limit=MAX_PAGE, next_token=token)
        found += rows
        if not token:
            return JSONResponse([_listed(request, r) for r in found])


@router.get("/sandboxes/{sandbox_id}")
async def get_sandbox(sandbox_id: str, request: Request, who: Principal = Depends(control_principal)):
    row = await services(request).sessions.get(who, sandbox_id)
    detail = {**_listed(request, row), **_sandbox(request, row.id, row.image_id)}
    detail["allowInternetAccess"] = row.network != "none"
    return JSONResponse(detail)


@router.delete("/sandboxes/{sandbox_id}")
async def kill_sandbox(sandbox_id: str, request: Request, who: Principal = Depends(control_principal)):
    await services(request).sessions.delete(who, sandbox_id)
    return Response(status_code=204)


@router.post("/sandboxes/{sandbox_id}/timeout")
async def set_timeout(sandbox_id: str, body: Timeout, request: Request,
                      who: Principal = Depends(control_principal)):
    await _set_lifetime(services(request).sessions, who, sandbox_id, _timeout_s(body.timeout))
    return Response(status_code=204)


async def _set_lifetime(sessions, who: Principal, sandbox_id: str, seconds: int):
    """E2B's timeout counts from now: the session's idle lifetime, from now on."""
    row = await sessions.keep_alive(who, sandbox_id)
    row.timeout_s = seconds
    row.expires_at = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    await sessions.repo.touch(sandbox_id, row.last_active_at, row.expires_at)
    return row


@router.post("/sandboxes/{sandbox_id}/refreshes")
async def refresh(sandbox_id: str, request: Request, who: Principal = Depends(control_principal)):
    await services(request).sessions.keep_alive(who, sandbox_id)
    return Response(status_code=204)


@router.post("/sandboxes/{sandbox_id}/pause")
async def pause(sandbox_id: str, request: Request, who: Principal = Depends(control_principal)):
    sessions = services(request).sessions
    row = await sessions.get(who, sandbox_id)
    if row.status == SessionStatus.PAUSED.value:
        raise ApiError(ErrorCode.CONFLICT, f"sandbox {sandbox_id!r} is already paused")
    await sessions.pause(who, sandbox_id)
    return Response(status_code=204)


@router.post("/sandboxes/{sandbox_id}/resume")
@router.post("/sandboxes/{sandbox_id}/connect")
@router.post("/v2/sandboxes/{sandbox_id}/connect")
async def connect(sandbox_id: str, request: Request, body: Timeout | None = None,
                  who: Principal = Depends(control_principal)):
    sessions = services(request).sessions
    row = await sessions.get(who, sandbox_id)
    was_paused = row.status == SessionStatus.PAUSED.value
    if was_paused:
        row = await sessions.resume(who, sandbox_id)
    if body is not None and body.timeout > row.timeout_s:  # a running sandbox's timeout only grows
        row = await _set_lifetime(sessions, who, sandbox_id, _timeout_s(body.timeout))
    return JSONResponse(_sandbox(request, row.id, row.image_id), status_code=201 if was_paused else 200)


@router.get("/sandboxes/{sandbox_id}/metrics")
async def metrics(sandbox_id: str, request: Request, who: Principal = Depends(control_principal)):
    m = await services(request).sessions.metrics_of(who, sandbox_id)
    stamp = m.timestamp if m.timestamp.tzinfo else m.timestamp.replace(tzinfo=timezone.utc)
    return JSONResponse([{
        "timestamp": _iso(stamp), "timestampUnix": int(stamp.timestamp()),
        "cpuCount": max(1, round(m.cpu_count or 1)), "cpuUsedPct": float(m.cpu_used_pct or 0.0),
        "memUsed": m.mem_used or 0, "memTotal": m.mem_total or 0, "memCache": 0,
        "diskUsed": m.disk_used or 0, "diskTotal": m.disk_total or 0}])
