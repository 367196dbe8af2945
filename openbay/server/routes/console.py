"""The session page that get_link points at (a signed token stands in for the key)."""
import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from openbay.protocol import ErrorCode
from openbay.protocol.browser import BROWSER_IMAGES
from openbay.protocol.computer import COMPUTER_IMAGES

from ..errors import ApiError
from .live_view import live_view_html
from .vnc import vnc_view_html

router = APIRouter(tags=["console"], include_in_schema=False)

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>OpenBay session {sid}</title>
<style>body{{font:15px system-ui,sans-serif;margin:2rem;color:#222}}
dt{{font-weight:600}}dd{{margin:0 0 .6rem 0;font-family:monospace}}</style></head>
<body><h1>Session <code id="session-id">{sid}</code></h1>
<dl><dt>Status</dt><dd id="status">{status}</dd><dt>Image</dt><dd>{image}</dd>
<dt>Labels</dt><dd>{labels}</dd><dt>Created</dt><dd>{created}</dd>
<dt>Expires when idle until</dt><dd>{expires}</dd></dl>{live}</body></html>"""


@router.get("/console/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(session_id: str, request: Request, token: str = ""):
    state = request.app.state
    if not token or not state.links.verify(token, session_id, "page"):
        raise ApiError(ErrorCode.UNAUTHORIZED, "this link is invalid or has expired; ask get_link for a new one")
    row = await state.sessions.repo.get(session_id)
    if row is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"session {session_id!r} not found")
    info = state.sessions.info(row)
    labels = ", ".join(f"{k}={v}" for k, v in info.labels.items()) or "none"
    return _PAGE.format(sid=html.escape(info.session_id), status=html.escape(info.status.value),
                        image=html.escape(info.image_id), labels=html.escape(labels),
                        created=info.created_at.isoformat(timespec="seconds"),
                        expires=info.expires_at.isoformat(timespec="seconds"),
                        live=_live_section(info))


def _live_section(info) -> str:
    """A desktop shows itself whole (noVNC); a browser session shows its page (screencast)."""
    if info.status.value != "running":
        return ""
    kind = info.kind or info.image_id
    if kind in COMPUTER_IMAGES:
        return vnc_view_html(info.session_id)
    return live_view_html(info.session_id) if kind in BROWSER_IMAGES else ""
