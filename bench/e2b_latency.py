"""E2B's official SDK against OpenBay's E2B adapter, next to OpenBay's own SDK, in one run.

Rows:
  create to first command   Sandbox.create() then commands.run("true") (the kill is not timed)
                            vs OpenBay: bay.create(linux) then execute_command("true")
  run_code("1+1")           e2b_code_interpreter's run_code in a code-interpreter-v1 sandbox
                            vs OpenBay: session.code.run_code("1+1") in a `code` session

The pairs take turns call by call (the machine's load swings). Goal: each E2B row within 1.2x
of its OpenBay row at p50.

    .venv/bin/python bench/e2b_latency.py [-n 20] [-m 200]
"""
import argparse
import os
import time

from _common import interleaved_ms, print_table, server, summary, write_json

GOAL_RATIO = 1.2
E2B_CREATE, OB_CREATE = "E2B SDK: Sandbox.create() + run('true')", "OpenBay SDK: create + execute_command('true')"
E2B_CODE, OB_CODE = "E2B SDK: run_code('1+1')", "OpenBay SDK: run_code('1+1')"


def create_rows(bay):
    from e2b import Sandbox

    from openbay import CreateSessionParams

    def e2b() -> float:
        t = time.perf_counter()
        sbx = Sandbox.create()
        sbx.commands.run("true")
        took = (time.perf_counter() - t) * 1000
        sbx.kill()
        return took

    def openbay() -> float:
        t = time.perf_counter()
        session = bay.create(CreateSessionParams(image_id="linux")).session
        assert session.command.execute_command("true").exit_code == 0
        took = (time.perf_counter() - t) * 1000
        session.delete()
        return took

    return {E2B_CREATE: e2b, OB_CREATE: openbay}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20, help="timed creates per row")
    ap.add_argument("-m", type=int, default=200, help="timed run_code calls per row")
    args = ap.parse_args()
    from e2b_code_interpreter import Sandbox as CodeSandbox

    from openbay import CreateSessionParams
    with server() as srv, srv.client() as bay:
        os.environ.update(E2B_API_KEY=srv.admin_key, E2B_API_URL=srv.base_url, E2B_SANDBOX_URL=srv.base_url)
        rows = create_rows(bay)
        for fn in rows.values():
            fn()  # warm: images in the page cache, connections open
        creates: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(args.n):
            for name, fn in rows.items():
                creates[name].append(fn())

        code_sbx = CodeSandbox.create()
        session = bay.create(CreateSessionParams(image_id="code")).session
        try:
            def e2b_code():
                assert code_sbx.run_code("1+1").text == "2"

            def openbay_code():
                assert session.code.run_code("1+1").result == "2"

            calls = interleaved_ms({E2B_CODE: e2b_code, OB_CODE: openbay_code}, args.m, warmup=5)
        finally:
            code_sbx.kill()
            session.delete()

    samples = {**creates, **calls}
    table = []
    verdicts = {}
    for e2b, ours in ((E2B_CREATE, OB_CREATE), (E2B_CODE, OB_CODE)):
        ratio = summary(samples[e2b])["p50"] / summary(samples[ours])["p50"]
        verdicts[e2b] = {"ratio_p50": round(ratio, 3), "goal_met": ratio <= GOAL_RATIO}
        table += [{"what": e2b, **summary(samples[e2b]), "p50 vs OpenBay SDK": round(ratio, 3)},
                  {"what": ours, **summary(samples[ours]), "p50 vs OpenBay SDK": 1.0}]
    print_table("E2B SDK on OpenBay vs OpenBay's own SDK (ms)", table,
                ["what", "n", "p50", "p95", "mean", "min", "p50 vs OpenBay SDK"])
    for what, v in verdicts.items():
        print(f"{what}: {v['ratio_p50']:.2f}x OpenBay's SDK at p50; goal <= {GOAL_RATIO}x: "
              + ("met" if v["goal_met"] else "NOT met"))
    write_json("e2b_latency", {"goal_ratio": GOAL_RATIO, "verdicts": verdicts, "rows": table,
                               "samples_ms": samples})


if __name__ == "__main__":
    main()
