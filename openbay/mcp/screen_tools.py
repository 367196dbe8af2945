"""MCP tools for what a session shows: its browser (browser and computer images) and
its screen (computer image). Pictures come back as MCP image content."""
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from .bay import BayFor, SessionId, tool

Pixel = Annotated[int, Field(ge=0, le=16384)]


def register(server: MCPServer, bay_for: BayFor) -> None:
    @tool(server, "browser_navigate",
          "Open a URL in the session's browser (sessions of image browser or computer) and wait "
          "for the page to load; returns the final URL and the page title.")
    async def browser_navigate(ctx: Context, session_id: SessionId,
                               url: Annotated[str, Field(min_length=1, max_length=8192,
                                                         description="http(s) URL to open")]) -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        return (await session.browser.agent.navigate(url)).model_dump(mode="json")

    @tool(server, "browser_screenshot", "A PNG of the session's current browser page.")
    async def browser_screenshot(ctx: Context, session_id: SessionId,
                                 full_page: Annotated[bool, Field(description="the whole page, not "
                                                                              "only the viewport")] = False
                                 ) -> Image:
        session = await (await bay_for(ctx)).session(session_id)
        return Image(data=await session.browser.screenshot(full_page=full_page), format="png")

    @tool(server, "computer_screenshot", "A PNG of the whole screen of a computer session.")
    async def computer_screenshot(ctx: Context, session_id: SessionId) -> Image:
        session = await (await bay_for(ctx)).session(session_id)
        return Image(data=await session.computer.screenshot(), format="png")

    @tool(server, "computer_click", "Click the mouse at a point of a computer session's screen "
                                    "(pixels of computer_screenshot).")
    async def computer_click(ctx: Context, session_id: SessionId, x: Pixel, y: Pixel,
                             button: Literal["left", "right", "middle", "double_left"] = "left") -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        await session.computer.click_mouse(x, y, button=button)
        return {"clicked": [x, y], "button": button}

    @tool(server, "computer_type", "Type text on a computer session's keyboard into the focused window; "
                                   "with keys instead, press a key combination such as [\"ctrl\", \"s\"].")
    async def computer_type(ctx: Context, session_id: SessionId, text: str = "",
                            keys: Annotated[list[str] | None, Field(description="keys pressed together")] = None
                            ) -> dict:
        if not text and not keys:
            raise ToolError("give text to type, keys to press, or both")
        session = await (await bay_for(ctx)).session(session_id)
        if keys:
            await session.computer.press_keys(keys)
        if text:
            await session.computer.input_text(text)
        return {"typed": text, "keys": keys or []}
