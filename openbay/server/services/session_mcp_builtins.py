"""A session's own capabilities as MCP tools (server "openbay"): shell, files and code in every
session; the browser's screenshot where the image has a browser; the computer where it has one.
Each takes arguments checked by a pydantic model (its input schema) and answers MCP content."""
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from openbay.protocol.browser import BROWSER_IMAGES
from openbay.protocol.code import RunCodeRequest
from openbay.protocol.computer import COMPUTER_IMAGES, ClickMouse, InputText, PressKeys
from openbay.protocol.files import MAX_PATH
from openbay.protocol.mcp import McpCallResult
from openbay.sandbox.envd.upload import upload


def text(value: str, is_error: bool = False, structured: dict | None = None) -> McpCallResult:
    return McpCallResult(content=[{"type": "text", "text": value}], is_error=is_error,
                         structured_content=structured)


def png(data: bytes) -> McpCallResult:
    return McpCallResult(content=[{"type": "image", "data": base64.b64encode(data).decode(),
                                   "mimeType": "image/png"}])


class ShellArgs(BaseModel):
    command: str = Field(min_length=1, max_length=1_000_000, description="a bash command line")
    timeout_ms: int = Field(60_000, ge=1, le=3_600_000)
    cwd: str | None = Field(None, max_length=MAX_PATH)


class PathArgs(BaseModel):
    path: str = Field(min_length=1, max_length=MAX_PATH, description="relative paths start at /home/user")


class WriteArgs(PathArgs):
    content: str = Field(max_length=16 * 1024 * 1024)
    mode: Literal["overwrite", "append"] = "overwrite"


class ScreenshotArgs(BaseModel):
    full_page: bool = False


class NoArgs(BaseModel):
    pass


@dataclass
class Call:
    """What a built-in tool works with: the session MCP service and the caller's running session."""
    service: object  # the SessionMcpService: sessions, browser, computer, max_output_bytes
    who: object
    session_id: str
    sandbox: object


@dataclass
class Builtin:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Call, BaseModel], Awaitable[McpCallResult]]
    images: tuple[str, ...] | None = None  # None: every image


async def _shell(call: Call, a: ShellArgs) -> McpCallResult:
    r = await call.sandbox.envd.exec({"command": a.command, "timeout_ms": a.timeout_ms, "cwd": a.cwd,
                                      "envs": {}, "max_output": call.service.max_output_bytes})
    out = r.get("output", "") + (("\n" if r.get("output") else "") + r["stderr"] if r.get("stderr") else "")
    return text(out, is_error=r.get("exit_code") != 0,
                structured={k: r.get(k) for k in ("output", "stderr", "exit_code", "timed_out")})


async def _read(call: Call, a: PathArgs) -> McpCallResult:
    r = await call.sandbox.envd.call({"op": "fs.read_many", "paths": [a.path]})
    if r.get("errors"):
        return text(next(iter(r["errors"].values())), is_error=True)
    return text(next(iter(r.get("contents", {}).values()), ""))


async def _write(call: Call, a: WriteArgs) -> McpCallResult:
    async def chunks():
        yield a.content.encode()
    r = await upload(call.sandbox.envd, {"op": "fs.write", "path": a.path, "mode": a.mode}, chunks())
    return text(f"wrote {r['bytes']} bytes to {r['path']}", structured={"path": r["path"], "bytes": r["bytes"]})


async def _list(call: Call, a: PathArgs) -> McpCallResult:
    r = await call.sandbox.envd.call({"op": "fs.list", "path": a.path})
    lines = [e["name"] + ("/" if e.get("is_directory") else f"  {e.get('size', 0)}") for e in r.get("entries", [])]
    return text("\n".join(lines), structured={"entries": r.get("entries", [])})


async def _code(call: Call, a: RunCodeRequest) -> McpCallResult:
    r = await call.sandbox.envd.call({"op": "code.run", **a.model_dump()})
    error = r.get("execution_error")
    main = next((x.get("text") for x in r.get("results", []) if x.get("is_main_result")), "") or ""
    body = "".join(filter(None, [r.get("stdout", ""), r.get("stderr", ""), main]))
    if error:
        body += f"{error.get('name')}: {error.get('value')}\n{error.get('traceback', '')}"
    images = [{"type": "image", "data": x["png"], "mimeType": "image/png"} for x in r.get("results", [])
              if x.get("png")]
    return McpCallResult(content=[{"type": "text", "text": body}, *images], is_error=bool(error))


async def _browser_shot(call: Call, a: ScreenshotArgs) -> McpCallResult:
    return png(await call.service.browser.screenshot(call.who, call.session_id, full_page=a.full_page))


async def _screen_shot(call: Call, a: NoArgs) -> McpCallResult:
    return png(await call.service.computer.screenshot(call.sandbox))


async def _click(call: Call, a: ClickMouse) -> McpCallResult:
    await call.service.computer.click_mouse(call.sandbox, a.x, a.y, a.button.value)
    return text(f"clicked {a.button.value} at {a.x},{a.y}")


async def _type(call: Call, a: InputText) -> McpCallResult:
    await call.service.computer.input_text(call.sandbox, a.text)
    return text(f"typed {len(a.text)} characters")


async def _keys(call: Call, a: PressKeys) -> McpCallResult:
    await call.service.computer.press_keys(call.sandbox, a.keys, a.hold)
    return text("pressed " + "+".join(a.keys))


BUILTINS = {b.name: b for b in (
    Builtin("shell", "Run a bash command in the session; the output, and an error when it exits non-zero.",
            ShellArgs, _shell),
    Builtin("read_file", "Read a text file of the session.", PathArgs, _read),
    Builtin("write_file", "Write (or append to) a text file of the session.", WriteArgs, _write),
    Builtin("list_directory", "List a directory of the session.", PathArgs, _list),
    Builtin("run_code", "Run Python, JavaScript, R or Java in the session's kernel (variables are kept).",
            RunCodeRequest, _code),
    Builtin("browser_screenshot", "A PNG of the session's browser page.", ScreenshotArgs, _browser_shot,
            BROWSER_IMAGES),
    Builtin("system_screenshot", "A PNG of the session's whole screen.", NoArgs, _screen_shot, COMPUTER_IMAGES),
    Builtin("click_mouse", "Click at a point of the screen.", ClickMouse, _click, COMPUTER_IMAGES),
    Builtin("input_text", "Type text into the focused window.", InputText, _type, COMPUTER_IMAGES),
    Builtin("press_keys", "Press a key combination on the computer, e.g. [\"ctrl\", \"s\"].", PressKeys, _keys,
            COMPUTER_IMAGES),
)}


def builtins_for(image_id: str) -> list[Builtin]:
    return [b for b in BUILTINS.values() if b.images is None or image_id in b.images]
