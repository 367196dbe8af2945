"""Written the way AgentBay's example common-features/basics/computer_take_screenshot/main.py is
(its calls one by one: computer.beta_take_screenshot, the bytes saved to a file), with the
mouse, keyboard and screen calls of computer-use examples; only the import names OpenBay.
Every check that fails prints a ❌ line."""
import os
import tempfile

from openbay.agentbay import AgentBay, CreateSessionParams, ScreenshotResult


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def main():
    agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    result = agent_bay.create(CreateSessionParams(image_id="computer_latest"))
    if not result.success:
        print(f"❌ Failed to create session: {result.error_message}")
        return
    session = result.session
    try:
        shot = session.computer.beta_take_screenshot()
        check(isinstance(shot, ScreenshotResult) and shot.success and shot.type == "png"
              and shot.data[:8] == b"\x89PNG\r\n\x1a\n", f"beta_take_screenshot: {shot.error_message}")
        size = session.computer.get_screen_size()
        check(size.success and shot.width and shot.width == size.data.get("width"),
              f"{shot.width}x{shot.height} is the screen {size.data}")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "screenshot.png")
            with open(path, "wb") as f:
                f.write(shot.data)
            check(os.path.getsize(path) == len(shot.data), f"saved {len(shot.data)} bytes")
        jpeg = session.computer.beta_take_screenshot("jpg")
        check(jpeg.success and jpeg.type == "jpeg" and jpeg.data[:2] == b"\xff\xd8" and jpeg.width == shot.width,
              f"a JPEG screenshot: {jpeg.error_message}")
        check(session.computer.move_mouse(100, 120).success, "move_mouse")
        pos = session.computer.get_cursor_position()
        check(pos.success and pos.data.get("x") == 100 and pos.data.get("y") == 120, f"cursor at {pos.data}")
        old = session.computer.screenshot()
        check(old.success and old.data.startswith("data:image/png;base64,"), "screenshot() as a data URL")
        focus = session.computer.focus_mode(True)
        check(not focus.success and focus.error_message, f"focus_mode refused with a sentence: {focus.error_message}")
    finally:
        agent_bay.delete(session)
    print("✅ Computer screenshot example completed")


if __name__ == "__main__":
    main()
