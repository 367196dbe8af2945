"""What recording a browser session (rrweb over CDP) adds to an agent step (goal <= 10%).

One run, one server, two browser sessions taking turns task by task: one records, one
does not (the baseline). Each task is the same script from the scripted model: open a
page, then click its button again and again, half the steps navigating to a page of 1,000
elements and back, so the recorder takes full snapshots as well as small changes. A step's
time is the gap between the step's record and the one before it.

    .venv/bin/python bench/recording_step.py [--tasks 6] [--steps 10]
"""
import argparse
import statistics
from datetime import datetime

from _common import print_table, server, summary, write_json

from openbay import CreateSessionParams
from tests.helpers.pages import serve_pages
from tests.helpers.scripted_llm import ScriptedLLM, call, done, on_text

GOAL = 0.10
BIG = "<!doctype html><title>Big</title>" + "".join(
    f"<div><button>Item {i}</button> text {i}</div>" for i in range(1000))


def script(site: str, steps: int):
    turns = [call("go_to_url", url=site + "/counter")]
    for i in range(steps - 2):
        if i % 4 == 3:
            turns.append(call("go_to_url", url=site + ("/big" if i % 8 == 3 else "/counter")))
        else:
            turns.append(on_text("click_element", "Add one") if i % 8 < 4 else on_text("click_element", "Item 5"))
    return turns + [done("clicked")]


def step_gaps_ms(logs: list[dict]) -> list[float]:
    times = [datetime.fromisoformat(str(log["created_at"])) for log in logs if log.get("created_at")]
    return [(b - a).total_seconds() * 1000 for a, b in zip(times, times[1:])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=6)
    ap.add_argument("--steps", type=int, default=10)
    args = ap.parse_args()
    with ScriptedLLM() as llm, serve_pages({"/big": BIG}) as site, \
            server(llm_base_url=llm.base_url, llm_model="scripted", llm_api_key="sk-bench") as srv:
        bay = srv.client()
        plain = bay.create(CreateSessionParams(image_id="browser")).session
        recorded = bay.create(CreateSessionParams(image_id="browser", record=True)).session
        samples = {"without recording (baseline)": [], "recording (rrweb)": []}
        for t in range(args.tasks + 1):  # the first round warms both up and is not counted
            for name, s in (("without recording (baseline)", plain), ("recording (rrweb)", recorded)):
                llm.set_script(script(site, args.steps))
                r = s.agent.browser.execute_task_and_wait("Click the button", timeout=300,
                                                          max_steps=args.steps + 2)
                assert r.finished, r.error_message
                if t:
                    samples[name] += step_gaps_ms(r.execution_logs)
        events = recorded.recording.list()[0].events
        plain.delete()
        recorded.delete()
        bay.close()
    base, rec = summary(samples["without recording (baseline)"]), summary(samples["recording (rrweb)"])
    overhead = rec["p50"] / base["p50"] - 1
    mean_overhead = statistics.fmean(samples["recording (rrweb)"]) / statistics.fmean(
        samples["without recording (baseline)"]) - 1
    rows = [{"row": "without recording (baseline)", **base},
            {"row": "recording (rrweb)", **rec, "overhead p50": f"{overhead:+.1%}",
             "overhead mean": f"{mean_overhead:+.1%}", "goal": f"<= {GOAL:.0%}"}]
    print_table(f"Agent step with and without recording ({args.tasks} tasks x {args.steps} steps each, ms)", rows,
                ["row", "n", "p50", "p95", "mean", "overhead p50", "overhead mean", "goal"])
    print(f"rrweb events recorded: {events}")
    write_json("recording_step", {"goal": GOAL, "baseline_ms": base, "recording_ms": rec,
                                  "overhead_p50": overhead, "overhead_mean": mean_overhead, "events": events})


if __name__ == "__main__":
    main()
