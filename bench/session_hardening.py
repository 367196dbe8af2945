"""What the sessions' hardening costs (docs/security.md): the same SDK calls against two servers
at once, one on this checkout and one on a checkout of the code before it, taking turns call
by call so that both see the same machine load.

Rows: cold `linux` create + first command + delete (goal: within 10% of before), and a create
from a warm pool of two (goal: p50 <= 15 ms). The checkout of before is made with
`git worktree add --detach /tmp/openbay-before <commit>` (18011d3 is the last commit before
the hardening); its server runs with this checkout's virtualenv.

    .venv/bin/python bench/session_hardening.py --before /tmp/openbay-before [-n 30]
"""
import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

from _common import ROOT, interleaved_ms, print_table, summary, write_json

from openbay import CreateSessionParams
from tests.helpers.server import process_server

GOAL_COLD_RATIO = 1.10
GOAL_POOL_MS = 15.0
POOL_REFILL_S = 3.0  # the pool refills one sandbox at a time, a second after a take


@contextlib.contextmanager
def clients(before: Path, **env):
    """SDK clients of two servers: on the code before, and on this checkout."""
    with contextlib.ExitStack() as stack:
        out = {}
        for name, code in (("before", before), ("after", ROOT)):
            home = Path(tempfile.mkdtemp(prefix=f"obhard-{name}-"))
            overrides = {"PYTHONPATH": str(code), "OPENBAY_RATE_LIMIT_PER_S": "0",
                         **{f"OPENBAY_{k.upper()}": str(v) for k, v in env.items()}}
            os.chdir(code)  # `python -m` puts its working folder first on the path, before PYTHONPATH
            running, proc = stack.enter_context(process_server(home, overrides))
            out[name] = stack.enter_context(running.client())
        yield out


def cold(bay) -> None:
    s = bay.create(CreateSessionParams(image_id="linux")).session
    assert s.command.execute_command("true").exit_code == 0
    s.delete()


def pooled_ms(bays: dict, n: int) -> dict[str, list[float]]:
    """Create from the pool (timed), delete (not timed), and let the pool refill before the next."""
    samples = {name: [] for name in bays}
    for i in range(n):
        for name in (("before", "after") if i % 2 == 0 else ("after", "before")):
            time.sleep(POOL_REFILL_S)
            t = time.perf_counter()
            s = bays[name].create(CreateSessionParams(image_id="linux")).session
            samples[name].append((time.perf_counter() - t) * 1000)
            s.delete()
    return samples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, required=True, help="a checkout of the code before the hardening")
    ap.add_argument("-n", type=int, default=30, help="timed iterations per row")
    args = ap.parse_args()
    if not (args.before / "openbay" / "sandbox" / "backend.py").is_file():
        raise SystemExit(f"{args.before} is not a checkout of OpenBay")
    with clients(args.before) as bays:
        cold_ms = interleaved_ms({name: (lambda b=bay: cold(b)) for name, bay in bays.items()}, args.n, warmup=2)
    with clients(args.before, pool="linux=2") as bays:
        pool_ms = pooled_ms(bays, max(args.n // 2, 4))
    rows = [{"what": f"SDK create + first command + delete, {name}", **summary(v)} for name, v in cold_ms.items()]
    rows += [{"what": f"SDK create from the warm pool, {name}", **summary(v)} for name, v in pool_ms.items()]
    print_table("Sessions before and after the hardening (ms)", rows, ["what", "n", "p50", "p95", "mean", "min"])
    ratio = summary(cold_ms["after"])["p50"] / summary(cold_ms["before"])["p50"]
    pool = summary(pool_ms["after"])["p50"]
    print(f"cold after/before p50 {ratio:.3f} (goal <= {GOAL_COLD_RATIO}); pool after p50 {pool:.1f} ms "
          f"(goal <= {GOAL_POOL_MS}): cold {'met' if ratio <= GOAL_COLD_RATIO else 'NOT met'}, "
          f"pool {'met' if pool <= GOAL_POOL_MS else 'NOT met'}")
    write_json("session_hardening", {"cold_ms": cold_ms, "pool_ms": pool_ms, "cold_ratio": ratio,
                                     "before": str(args.before)})


if __name__ == "__main__":
    main()
