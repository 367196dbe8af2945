"""The computer agent: a Linux computer seen as screenshots plus its window list; it
acts with the mouse and keyboard (in screenshot coordinates), the shell, files and
apps of its sandbox."""
from __future__ import annotations

from .computer import Computer, ComputerError, WindowInfo
from .events import AgentHooks
from .llm import ChatClient
from .screen_agent import Action, ScreenAgent, ScreenState, params, point
from .screen_image import ModelImage
from .screen_prompts import COMPUTER_SYSTEM, screen_system_prompt
from .step_loop import AgentOptions

MAX_COMMAND_S = 300
MAX_TEXT = 10_000
MAX_FILE_CHARS = 1_000_000
KEY = {"type": "string", "pattern": r"^([A-Za-z0-9_]{1,32}|[!-~])$"}
PATH = {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": "^/"}
MAX_SHOWN_OUTPUT = 8_000


class ComputerAgent(ScreenAgent):
    screen_name = "screen"
    errors = (ComputerError, ValueError)

    def __init__(self, llm: ChatClient, computer: Computer, hooks: AgentHooks, options: AgentOptions, *,
                 max_width: int = 1280, max_height: int = 800):
        self.computer = computer
        super().__init__(llm, hooks, options, max_width=max_width, max_height=max_height)

    def system_prompt(self) -> str:
        return screen_system_prompt(COMPUTER_SYSTEM, self.options.output_schema)

    async def capture(self) -> bytes:
        return await self.computer.screenshot()

    async def survey(self) -> list[WindowInfo]:
        return await self.computer.windows()

    def describe(self, image: ModelImage, windows: list[WindowInfo]) -> tuple[str, str, list | None]:
        if not windows:
            return "Open windows: none.", "", None
        lines, where = [], ""
        for w in windows:
            x, y = image.to_image(w.x, w.y)
            right, bottom = image.to_image(w.x + w.width, w.y + w.height)
            mark = " (active: has the keyboard focus)" if w.active else ""
            lines.append(f"- window {w.window_id}: {w.title[:200]!r} ({w.pname}) at x {x}..{right}, "
                         f"y {y}..{bottom}{mark}")
            if w.active:
                where = w.title
        return "Open windows (in screenshot pixels):\n" + "\n".join(lines), where, None

    def action_list(self) -> list[Action]:
        xy = {"x": point("x in screenshot pixels"), "y": point("y in screenshot pixels")}
        return [
            Action("click", "Click at a point of the screenshot (double: a double click).",
                   params({**xy, "button": {"type": "string", "enum": ["left", "right", "middle"]},
                           "double": {"type": "boolean"}}, ["x", "y"]), self._click),
            Action("move_mouse", "Move the mouse pointer (e.g. to show a tooltip or menu).",
                   params(xy, ["x", "y"]), self._move),
            Action("drag", "Press the left button at one point, move to another, release.",
                   params({"from_x": point("start x"), "from_y": point("start y"),
                           "to_x": point("end x"), "to_y": point("end y")},
                          ["from_x", "from_y", "to_x", "to_y"]), self._drag),
            Action("scroll", "Scroll with the mouse wheel over a point.",
                   params({**xy, "direction": {"type": "string", "enum": ["up", "down", "left", "right"]},
                           "amount": {"type": "integer", "minimum": 1, "maximum": 30}},
                          ["x", "y", "direction"]), self._scroll),
            Action("type_text", "Type text into the window that has the focus.",
                   params({"text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}}, ["text"]),
                   self._type),
            Action("press_keys", 'Press keys together, e.g. ["ctrl", "s"] or ["Return"].',
                   params({"keys": {"type": "array", "items": KEY, "minItems": 1, "maxItems": 8}}, ["keys"]),
                   self._keys),
            Action("activate_window", "Bring a window to the front and give it the keyboard focus.",
                   params({"window_id": {"type": "integer", "minimum": 1}}, ["window_id"]), self._activate),
            Action("start_app", "Start a graphical program by its command line.",
                   params({"command": {"type": "string", "minLength": 1, "maxLength": 4096}}, ["command"]),
                   self._start_app),
            Action("run_command", "Run a bash command in the machine; its exit code and output.",
                   params({"command": {"type": "string", "minLength": 1, "maxLength": 20_000},
                           "timeout_s": {"type": "number", "minimum": 1, "maximum": MAX_COMMAND_S}},
                          ["command"]), self._run_command),
            Action("read_file", "Read a text file (absolute path).", params({"path": PATH}, ["path"]),
                   self._read_file),
            Action("write_file", "Write a text file (absolute path), replacing what it held.",
                   params({"path": PATH, "content": {"type": "string", "maxLength": MAX_FILE_CHARS}},
                          ["path", "content"]), self._write_file),
        ]

    # the actions: coordinates arrive in screenshot pixels and leave in screen pixels

    async def _click(self, args: dict, state: ScreenState) -> str:
        x, y = state.image.to_screen(args["x"], args["y"])
        button = args.get("button", "left")
        if args.get("double"):
            if button != "left":
                raise ValueError("a double click is done with the left button")
            button = "double_left"
        await self.computer.mouse("click", x=x, y=y, button=button)
        return f"clicked {button} at ({args['x']}, {args['y']})"

    async def _move(self, args: dict, state: ScreenState) -> str:
        x, y = state.image.to_screen(args["x"], args["y"])
        await self.computer.mouse("move", x=x, y=y)
        return f"moved the pointer to ({args['x']}, {args['y']})"

    async def _drag(self, args: dict, state: ScreenState) -> str:
        fx, fy = state.image.to_screen(args["from_x"], args["from_y"])
        tx, ty = state.image.to_screen(args["to_x"], args["to_y"])
        await self.computer.mouse("drag", from_x=fx, from_y=fy, to_x=tx, to_y=ty, button="left")
        return f"dragged from ({args['from_x']}, {args['from_y']}) to ({args['to_x']}, {args['to_y']})"

    async def _scroll(self, args: dict, state: ScreenState) -> str:
        x, y = state.image.to_screen(args["x"], args["y"])
        amount = args.get("amount", 3)
        await self.computer.mouse("scroll", x=x, y=y, direction=args["direction"], amount=amount)
        return f"scrolled {args['direction']} {amount} at ({args['x']}, {args['y']})"

    async def _type(self, args: dict, state: ScreenState) -> str:
        await self.computer.type_text(args["text"])
        return f"typed {len(args['text'])} characters"

    async def _keys(self, args: dict, state: ScreenState) -> str:
        await self.computer.press_keys(args["keys"])
        return "pressed " + "+".join(args["keys"])

    async def _activate(self, args: dict, state: ScreenState) -> str:
        await self.computer.activate_window(args["window_id"])
        return f"activated window {args['window_id']}"

    async def _start_app(self, args: dict, state: ScreenState) -> str:
        pid = await self.computer.start_app(args["command"])
        return f"started (pid {pid}); its window shows in the next step (wait if it is slow)"

    async def _run_command(self, args: dict, state: ScreenState) -> str:
        result = await self.computer.run_command(args["command"], float(args.get("timeout_s", 60)))
        output = result.output
        if len(output) > MAX_SHOWN_OUTPUT:
            output = output[:MAX_SHOWN_OUTPUT] + f"\n…({len(result.output) - MAX_SHOWN_OUTPUT} more characters)"
        ended = "timed out" if result.timed_out else f"exit code {result.exit_code}"
        return f"{ended}; output:\n{output}"

    async def _read_file(self, args: dict, state: ScreenState) -> str:
        return await self.computer.read_file(args["path"])

    async def _write_file(self, args: dict, state: ScreenState) -> str:
        await self.computer.write_file(args["path"], args["content"])
        return f"wrote {len(args['content'])} characters to {args['path']}"
