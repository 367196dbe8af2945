"""A tour of OpenBay: sessions, commands, labels and lists, against a running server.

Run it with the server up (scripts/run.sh does both). The key and URL come from
OPENBAY_API_KEY / OPENBAY_BASE_URL, or from the local server's state directory.
"""
import time

from openbay import CreateSessionParams, OpenBay


def step(title: str) -> None:
    print(f"\n== {title}")


def main() -> None:
    with OpenBay() as bay:
        step("create a linux session")
        t = time.perf_counter()
        r = bay.create(CreateSessionParams(image_id="linux", labels={"project": "demo"}))
        assert r.success, r.error_message
        s = r.session
        print(f"{s.session_id} ready in {(time.perf_counter() - t) * 1000:.0f} ms (request {r.request_id})")

        step("run commands in it")
        out = s.command.execute_command("echo hi && uname -srm && id", timeout_ms=5000)
        print(out.output, end="")
        out = s.command.execute_command("for i in 1 2 3; do echo tick $i; sleep 0.2; done",
                                        on_stdout=lambda text: print("  streamed:", text, end=""))
        print(f"exit code {out.exit_code}")
        out = s.command.execute_command("sleep 10", timeout_ms=300)
        print(f"a 10 s sleep with a 300 ms timeout: {out.error_message}")

        step("labels, info, lists, link")
        s.set_labels({"project": "demo", "env": "test"})
        print("labels:", s.get_labels())
        info = s.info()
        print(f"status {info.status.value}, idle timeout {info.timeout_s} s, expires {info.expires_at:%H:%M:%S}")
        page = bay.list(labels={"project": "demo"}, limit=10)
        print(f"{page.total_count} session(s) labelled project=demo: {page.session_ids}")
        print("session page:", s.get_link())

        step("isolation: the sandbox sees only itself")
        print(s.command.execute_command("ls /; ps -e | wc -l").output, end="")

        step("delete")
        print("deleted:", s.delete().success, "->", bay.get(s.session_id).session.info().status.value)


if __name__ == "__main__":
    main()
