"""The web console's routes: sign in and out, the page shells, and the console's static files.

The pages themselves (HTML templates, ES modules, styles) live in openbay/console/; the
server fills in who is signed in and what one page is about, and the modules fetch the
rest from the same /v1 API the SDK uses, signed in by the console's cookie.
"""
import html
import json
import mimetypes
import re
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from openbay.protocol import IMAGE_IDS, ErrorCode
from openbay.protocol.browser import BROWSER_IMAGES
from openbay.protocol.computer import COMPUTER_IMAGES

from ..auth import authenticate, client_of
from ..console_sessions import COOKIE, Visit, same_origin
from ..errors import ApiError
from ..wiring import services
from .live_view import live_view_html
from .vnc import vnc_view_html

router = APIRouter(tags=["console"], include_in_schema=False)
CONSOLE_DIR = Path(__file__).resolve().parents[2] / "console"
STATIC_DIR = CONSOLE_DIR / "static"
TEMPLATES = CONSOLE_DIR / "templates"
MAX_FORM_BYTES = 4096
_NO_STORE = {"Cache-Control": "no-store"}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@lru_cache(maxsize=None)
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text()


def _fill(name: str, **values: str) -> str:
    """{{name}} in the template becomes the value, HTML-escaped unless the name ends in _html
    (one pass: a value that itself holds {{…}} stays as it is)."""
    def value(m: re.Match) -> str:
        k = m.group(1)
        return values[k] if k.endswith("_html") else html.escape(str(values[k]))
    return _PLACEHOLDER.sub(value, _template(name))


def _page(title: str, visit: Visit, body_html: str, script: str, status: int = 200) -> HTMLResponse:
    p = visit.principal
    nav = "" if visit.scope else (
        '<a href="/console/">Sessions</a>' + (' <a href="/console/keys">Keys</a>' if p.admin else ""))
    page = _fill("layout.html", title=title, csrf=visit.csrf, owner=p.name or p.owner_id, nav_html=nav,
                 body_html=body_html, script=script,
                 me=json.dumps({"owner_id": p.owner_id, "name": p.name, "admin": p.admin, "scope": visit.scope}))
    return HTMLResponse(page, status_code=status, headers=_NO_STORE)


def _login_page(message: str = "", status: int = 200) -> HTMLResponse:
    msg = f'<p role="alert" class="error" id="login-error">{html.escape(message)}</p>' if message else ""
    return HTMLResponse(_fill("login.html", message_html=msg), status_code=status, headers=_NO_STORE)


def _visit(request: Request, session_id: str | None = None) -> Visit | None:
    """The signed-in visit behind the cookie; a link visit only for its own session."""
    visit = services(request).console_visits.get(request.cookies.get(COOKIE, ""))
    if visit is None or (visit.scope is not None and visit.scope != session_id):
        return None
    return visit


def _set_cookie(request: Request, response: Response, visit_id: str, max_age: float | None = None) -> None:
    max_age = services(request).console_visits.ttl_s if max_age is None else max_age
    response.set_cookie(COOKIE, visit_id, max_age=max(0, int(max_age)), path="/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")


@router.get("/console", response_class=HTMLResponse)
@router.get("/console/", response_class=HTMLResponse)
async def sessions_page(request: Request):
    visit = _visit(request)
    if visit is None:
        return _login_page()
    images = "".join(f'<option value="{i}">{i}</option>' for i in IMAGE_IDS)
    return _page("Sessions", visit, _fill("sessions.html", images_html=images), "sessions.js")


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form (the console's own two forms; no multipart needed)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ApiError(ErrorCode.PAYLOAD_TOO_LARGE, "the form is too large")
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


@router.post("/console/login")
async def login(request: Request):
    key = (await _form(request)).get("key", "")
    if not same_origin(request):
        return _login_page("Sign in from this console's own page.", 403)
    principal = await authenticate(request.app, key.strip(), client_of(request))
    if principal is None:
        return _login_page("That API key is not valid (or it was revoked).", 401)
    response = RedirectResponse("/console/", status_code=303)
    _set_cookie(request, response, services(request).console_visits.open(principal)[0])
    return response


@router.post("/console/logout")
async def logout(request: Request):
    csrf = (await _form(request)).get("csrf", "")
    visit = services(request).console_visits.get(request.cookies.get(COOKIE, ""))
    if visit is None or not same_origin(request) or csrf != visit.csrf:
        raise ApiError(ErrorCode.FORBIDDEN, "sign out from the console's own page")
    services(request).console_visits.close(request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/console/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/console/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(session_id: str, request: Request, token: str = ""):
    """A get_link() URL (?token=…) signs its visitor in for this one session."""
    state = services(request)
    visit = _visit(request, session_id)
    linked = bool(token) and state.links.verify(token, session_id, "page")
    if visit is None and not linked:
        if token:
            raise ApiError(ErrorCode.UNAUTHORIZED, "this link is invalid or has expired; ask get_link for a new one")
        return _login_page("Sign in to see this session.", 401)
    row = await state.sessions.repo.get(session_id, owner_id=None if linked else visit.principal.owner_id)
    if row is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"session {session_id!r} not found")
    visit_id = None
    if visit is None or visit.principal.owner_id != row.owner_id:
        principal = await state.keys.principal_of_owner(row.owner_id)
        if principal is None:
            raise ApiError(ErrorCode.UNAUTHORIZED, "the key that owns this session was revoked")
        # the visit ends with the link that opened it (its token's expiry), never 12 hours later
        visit_id, visit = services(request).console_visits.open(principal, scope=session_id,
                                                                until=float(token.partition(".")[0]))
    info = state.sessions.info(row)
    labels = ", ".join(f"{k}={v}" for k, v in info.labels.items()) or "none"
    body = _fill("session.html", sid=info.session_id, status=info.status.value, image=info.image_id,
                 labels=labels, created=info.created_at.isoformat(timespec="seconds"),
                 expires=info.expires_at.isoformat(timespec="seconds"), live_html=_live_section(info),
                 record=("on" if row.id in state.recordings.active else "off"))
    page = _page(f"Session {info.session_id}", visit, body, "session.js")
    if visit_id:
        _set_cookie(request, page, visit_id, max_age=visit.expires - time.time())
    return page


def _live_section(info) -> str:
    """A computer shows its whole screen (noVNC); a browser session shows its page (screencast)."""
    if info.status.value != "running":
        return "<p>The session has ended; there is nothing live to show.</p>"
    kind = info.kind or info.image_id
    if kind in COMPUTER_IMAGES:
        return vnc_view_html(info.session_id)
    if kind in BROWSER_IMAGES:
        return live_view_html(info.session_id)
    return "<p>This image has no screen; use the terminal.</p>"


@router.get("/console/tasks/{task_id}", response_class=HTMLResponse)
async def task_page(task_id: str, request: Request):
    visit = _visit(request)
    if visit is None:
        return _login_page("Sign in to see this task.", 401)
    row = await services(request).tasks.row(visit.principal, task_id)  # another owner's: 404
    return _page(f"Task {row.id}", visit, _fill("task.html", task_id=row.id, session_id=row.session_id,
                                                 task=row.task), "task.js")


@router.get("/console/keys", response_class=HTMLResponse)
async def keys_page(request: Request):
    visit = _visit(request)
    if visit is None:
        return _login_page("Sign in to manage keys.", 401)
    if not visit.principal.admin:
        raise ApiError(ErrorCode.FORBIDDEN, "the keys page needs an admin key")
    return _page("API keys", visit, _fill("keys.html"), "keys.js")


@router.get("/console/static/{path:path}")
async def static_file(path: str):
    """The console's own modules and styles, and the vendored packages setup installed."""
    base = STATIC_DIR.resolve()
    target = (base / path).resolve()
    if base not in target.parents or not target.is_file():
        raise ApiError(ErrorCode.NOT_FOUND, "no such console file")
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix in (".js", ".mjs"):
        media = "text/javascript"
    return FileResponse(target, media_type=media, headers={"Cache-Control": "public, max-age=300"})
