"""Computer sessions: cold create until the computer is ready for a screenshot, and
screenshot -> PNG bytes latency for 1280x800, through the SDK against a real server.

Baselines in the same run: a linux session create (the sandbox without a screen),
a bare Xvfb on the host started until it accepts connections, a command round trip
(the floor of any call into the sandbox), and the usual way to take a PNG of an X
screen (`xwd | convert`) run in the same sandbox. The in-sandbox row times envd's own
capture (X GetImage + PNG) without the server, to split transport from capture.

    .venv/bin/python bench/computer.py [-n 30] [--creates 8]
"""
import argparse
import json
import os
import subprocess

from _common import interleaved_ms, print_table, server, summary, write_json

from openbay import CreateSessionParams

GOAL_SCREENSHOT_P50_MS = 80.0
SHOT = "SDK computer.screenshot() -> PNG"
CREATE = "SDK create computer + first screenshot + delete"
IN_SANDBOX = r"""
import sys, time, json
sys.path.insert(0, "/opt/envd")
import xcapture
screen = xcapture.XScreen(1)
out = []
for _ in range(N):
    t = time.perf_counter(); screen.png(); out.append((time.perf_counter() - t) * 1000)
print(json.dumps(out))
"""


def bare_xvfb() -> None:
    """Start Xvfb on the host until it says it listens (-displayfd), then stop it."""
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp", "-nolisten", "local"], pass_fds=(w,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        assert f.readline().strip(), "Xvfb did not start"
    proc.kill()
    proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=30, help="timed screenshots per row")
    ap.add_argument("--creates", type=int, default=8, help="timed cold creates per row")
    args = ap.parse_args()
    with server() as srv, srv.client() as bay:
        def create_computer():
            r = bay.create(CreateSessionParams(image_id="computer"))
            assert r.session.computer.screenshot()[:4] == b"\x89PNG"
            r.session.delete()

        def create_linux():
            r = bay.create()
            r.session.delete()

        creates = interleaved_ms({"bare Xvfb start (host, no sandbox)": bare_xvfb,
                                  "SDK create linux + delete": create_linux,
                                  CREATE: create_computer}, args.creates, warmup=1)

        session = bay.create(CreateSessionParams(image_id="computer")).session
        try:
            # something on the screen, as an agent would see it
            session.application.start_app("xterm -geometry 100x30+40+40 -e 'ls -la /usr/bin | head -80; sleep 600'")
            session.application.start_app("mousepad")
            session.command.execute_command("sleep 2")
            size = len(session.computer.screenshot())
            shots = interleaved_ms({
                "SDK execute_command('true') (round-trip floor)":
                    lambda: session.command.execute_command("true"),
                SHOT: session.computer.screenshot,
                "SDK execute_command('xwd -root | convert xwd:- png:-')":
                    lambda: session.command.execute_command("xwd -root -silent | convert xwd:- png:- | wc -c"),
            }, args.n, warmup=3)
            inside = session.command.execute_command(
                "python3 -c '" + IN_SANDBOX.replace("N", str(args.n)) + "'", timeout_ms=120_000)
            shots["envd capture+PNG in the sandbox (no server)"] = json.loads(inside.output)
        finally:
            session.delete()

    create_table = [{"what": k, **summary(v)} for k, v in creates.items()]
    shot_table = [{"what": k, **summary(v)} for k, v in shots.items()]
    print_table("Cold create until the computer is ready for a screenshot (ms)", create_table,
                ["what", "n", "p50", "p95", "mean", "min"])
    print_table(f"Screenshot of a 1280x800 screen, PNG {size} bytes (ms)", shot_table,
                ["what", "n", "p50", "p95", "mean", "min"])
    p50 = summary(shots[SHOT])["p50"]
    met = p50 <= GOAL_SCREENSHOT_P50_MS
    print(f"{SHOT} p50 {p50:.1f} ms; goal <= {GOAL_SCREENSHOT_P50_MS:.0f} ms: " + ("met" if met else "NOT met"))
    write_json("computer", {"goal_screenshot_p50_ms": GOAL_SCREENSHOT_P50_MS, "goal_met": met,
                            "png_bytes": size, "create_rows": create_table, "screenshot_rows": shot_table,
                            "samples_ms": {**creates, **shots}})


if __name__ == "__main__":
    main()
