"""Server replicas on one PostgreSQL: what sharing the store costs and how fast they cover
for each other. Three `openbay serve` replicas share one PostgreSQL and one sandbox root,
next to one plain server (SQLite, no replicas) as the baseline, all in the same run.

  command latency   execute_command("true") through the SDK: the plain server; a replica
                    whose own session it is; a replica using a session another one made
  event latency     a task's events, from their timestamp to their arrival on an SSE
                    stream: on the replica running the task (the in-process bus, baseline)
                    and on another replica (PostgreSQL NOTIFY)
  takeover          kill -9 the replica running a task (or stop it: SIGTERM): until another
                    replica's resumed status event reaches a stream (the lease lasts 3 s)

    .venv/bin/python bench/replicas.py [-n 300] [--steps 40] [--rounds 4]
"""
import argparse
import json
import signal
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
from _common import interleaved_ms, print_table, server, summary, write_json

from openbay import CreateSessionParams
from tests.helpers.replicas import replica_set
from tests.helpers.scripted_llm import ScriptedLLM, Turn, call, done

GOALS = {"command_p50_over_one_ms": 1.0, "event_p50_ms": 50.0, "takeover_s": 5.0}
BLOCK = 25


def follow(server, task_id: str, seen: list, stop_at: str = "") -> threading.Thread:
    """An SSE reader of the task on `server`, noting (event, arrival time) until the end."""
    def run():
        with httpx.stream("GET", f"{server.base_url}/v1/tasks/{task_id}/events/stream", timeout=120,
                          headers={"Authorization": f"Bearer {server.admin_key}"}) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    seen.append((json.loads(line[6:]), time.time()))
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def lag_ms(seen: list) -> list[float]:
    return [(arrived - datetime.fromisoformat(e["timestamp"]).timestamp()) * 1000 for e, arrived in seen]


def command_rows(one, replicas, n: int) -> dict:
    bay_one, bay1, bay2 = one.client(), replicas.servers[0].client(), replicas.servers[1].client()
    plain = bay_one.create().session
    own = bay1.create().session
    other = bay2.get(own.session_id).session  # made on replica 1, used through replica 2

    def run(session):
        def execute():
            r = session.command.execute_command("true")
            assert r.exit_code == 0, r.error_message
        return execute
    rows = interleaved_ms({"one server (SQLite), its own session": run(plain),
                           "replica, a session it made": run(own),
                           "replica, a session another replica made": run(other)},
                          n, warmup=max(10, n // 20), block=BLOCK)
    plain.delete()
    own.delete()
    return rows


def event_rows(replicas, model, steps: int) -> dict:
    r1, r2 = replicas.servers[0], replicas.servers[1]
    model.set_script([call("wait", seconds=0)] * steps + [done("all steps done")])
    s = r1.client().create(CreateSessionParams(image_id="browser")).session
    ex = s.agent.browser.execute_task("many quick steps", max_steps=steps + 5)
    local, remote = [], []
    readers = [follow(r1, ex.task_id, local), follow(r2, ex.task_id, remote)]
    for t in readers:
        t.join(180)
    assert ex.wait(60).task_status == "finished"
    s.delete()
    seqs = {e["seq"] for e, _ in local}
    # a reader that connected after the first events got them from the store: count live ones only
    first_live = min(seq for seq in seqs if seq > 3)
    pick = lambda seen: [x for x in seen if x[0]["seq"] >= first_live]  # noqa: E731
    return {"same replica (in-process bus)": lag_ms(pick(local)),
            "another replica (PostgreSQL NOTIFY)": lag_ms(pick(remote))}


def takeover_rounds(replicas, model, rounds: int) -> dict:
    """Each round: a task on a fresh replica, which is then killed (or stopped)."""
    out = {"kill -9": [], "SIGTERM (lease released)": []}
    watcher = replicas.servers[0]
    session = watcher.client().create(CreateSessionParams(image_id="browser")).session
    for i in range(rounds):
        how = "kill -9" if i % 2 == 0 else "SIGTERM (lease released)"
        held = threading.Event()
        model.set_script([lambda body: (held.set(), Turn(hold_s=120, tool_calls=[("wait", {})]))[1],
                          done("taken over")])
        runner = replicas.start()
        proc = replicas.procs[-1]
        ex = runner.client().get(session.session_id).session.agent.browser.execute_task("one held step")
        seen: list = []
        reader = follow(watcher, ex.task_id, seen)
        assert held.wait(60)
        t0 = time.time()
        proc.send_signal(signal.SIGKILL if how == "kill -9" else signal.SIGTERM)
        reader.join(60)
        proc.wait()
        resumed = [at for e, at in seen if e["type"] == "status" and "resumed_from_step" in e["payload"]]
        assert resumed and seen[-1][0]["payload"]["status"] == "finished", seen[-3:]
        out[how].append((resumed[0] - t0) * 1000)
    session.delete()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300, help="timed commands per row")
    ap.add_argument("--steps", type=int, default=40, help="steps of the streamed task")
    ap.add_argument("--rounds", type=int, default=4, help="takeovers (kill -9 and SIGTERM in turn)")
    args = ap.parse_args()
    with ScriptedLLM([]) as model, tempfile.TemporaryDirectory(prefix="obbench-rep-") as base:
        env = {"OPENBAY_LLM_BASE_URL": model.base_url, "OPENBAY_LLM_MODEL": "scripted",
               "OPENBAY_RATE_LIMIT_PER_S": "0"}
        with server() as one, replica_set(Path(base), 3, env) as replicas:
            commands = command_rows(one, replicas, args.n)
            events = event_rows(replicas, model, args.steps)
            takeovers = takeover_rounds(replicas, model, args.rounds)

    base_cmd = summary(commands["one server (SQLite), its own session"])["p50"]
    cmd_table = [{"what": k, **summary(v), "p50 over one server": round(summary(v)["p50"] - base_cmd, 3)}
                 for k, v in commands.items()]
    print_table("Command round trip through replicas (ms)", cmd_table,
                ["what", "n", "p50", "p95", "mean", "min", "p50 over one server"])
    ev_table = [{"stream on": k, **summary(v)} for k, v in events.items()]
    print_table("A task's event: its timestamp to its arrival on an SSE stream (ms)", ev_table,
                ["stream on", "n", "p50", "p95", "mean", "min"])
    to_table = [{"the task's replica": k, **summary(v)} for k, v in takeovers.items() if v]
    print_table("Takeover: the replica stops, until another one's resumed event is streamed (ms)", to_table,
                ["the task's replica", "n", "p50", "p95", "mean", "min"])
    worst_cmd = max(r["p50 over one server"] for r in cmd_table)
    event_p50 = ev_table[1]["p50"]
    takeover_s = max(takeovers["kill -9"]) / 1000
    met = {"command": worst_cmd <= GOALS["command_p50_over_one_ms"], "event": event_p50 <= GOALS["event_p50_ms"],
           "takeover": takeover_s <= GOALS["takeover_s"]}
    print(f"command p50 over one server: {worst_cmd:.2f} ms (goal <= 1 ms: {'met' if met['command'] else 'NOT met'}); "
          f"event on another replica p50 {event_p50:.1f} ms (goal <= 50 ms: {'met' if met['event'] else 'NOT met'}); "
          f"takeover after kill -9, worst {takeover_s:.2f} s (goal <= 5 s: {'met' if met['takeover'] else 'NOT met'})")
    write_json("replicas", {"goals": GOALS, "goals_met": met, "commands": cmd_table, "events": ev_table,
                            "takeovers": to_table, "samples_ms": {"commands": commands, "events": events,
                                                                  "takeovers": takeovers}})


if __name__ == "__main__":
    main()
