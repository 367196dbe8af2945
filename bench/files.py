"""File throughput through the SDK (upload_file + download_file) against a plain
local copy of the same file in the same run, and the peak memory of both sides.

For each size: write = local file -> session, read = session -> local file;
the baseline copies the same file twice on this machine (shutil.copyfile, as
`cp` does). Peak RSS (VmHWM) of the server and of this process (the SDK) is
read after each size, smallest first: flat numbers mean memory does not grow
with the file.

    .venv/bin/python bench/files.py [--sizes 1,100,1024] [--repeat 3]
"""
import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from _common import print_table, server, write_json

GOAL_RATIO_100MB = 0.40
MB = 1024 * 1024


def peak_rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def make_file(path: Path, size: int) -> None:
    block = os.urandom(MB)
    with open(path, "wb") as f:
        for _ in range(size // MB):
            f.write(block)
        f.write(block[:size % MB])


def best_seconds(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def measure(fs, work: Path, size_mb: int, repeat: int) -> dict:
    src, local_a, local_b, back = (work / n for n in ("src.bin", "a.bin", "b.bin", "back.bin"))
    make_file(src, size_mb * MB)
    remote = f"/home/user/bench-{size_mb}.bin"

    def sdk_write():
        fs.upload_file(src, remote)

    def sdk_read():
        fs.download_file(remote, back)

    # the four rows take turns, round by round: the load of this shared machine swings by the
    # second, and taking turns puts the SDK and its baseline under the same load
    rows = {"local_write": lambda: shutil.copyfile(src, local_a), "write": sdk_write,
            "local_read": lambda: shutil.copyfile(local_a, local_b), "read": sdk_read}
    best = dict.fromkeys(rows, float("inf"))
    for _ in range(repeat):
        for name, fn in rows.items():
            best[name] = min(best[name], best_seconds(fn, 1))
    local_write, write, local_read, read = (best[n] for n in rows)
    assert back.stat().st_size == size_mb * MB
    fs.delete_file(remote)
    for p in (src, local_a, local_b, back):
        p.unlink()
    local_rate = 2 * size_mb / (local_write + local_read)
    sdk_rate = 2 * size_mb / (write + read)
    return {"size_mb": size_mb, "sdk_write_mb_s": round(size_mb / write, 1),
            "sdk_read_mb_s": round(size_mb / read, 1), "sdk_mb_s": round(sdk_rate, 1),
            "local_copy_mb_s": round(local_rate, 1), "ratio": round(sdk_rate / local_rate, 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,100,1024", help="file sizes in MiB, comma separated")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs per size")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rows = []
    with server() as srv, srv.client() as bay, tempfile.TemporaryDirectory(dir="/var/tmp") as work:
        session = bay.create().session
        try:
            for size in sizes:
                row = measure(session.file_system, Path(work), size, args.repeat if size < 1024 else 1)
                row.update(server_peak_rss_mb=peak_rss_mb(srv.pid), sdk_peak_rss_mb=peak_rss_mb())
                rows.append(row)
                print(row, flush=True)
        finally:
            session.delete()
    print_table("File write+read through the SDK vs a local copy (MiB/s, peak RSS MiB)", rows,
                ["size_mb", "sdk_write_mb_s", "sdk_read_mb_s", "sdk_mb_s", "local_copy_mb_s", "ratio",
                 "server_peak_rss_mb", "sdk_peak_rss_mb"])
    at_100 = next((r for r in rows if r["size_mb"] == 100), None)
    met = at_100 is not None and at_100["ratio"] >= GOAL_RATIO_100MB
    if at_100:
        print(f"100 MiB: {at_100['ratio']:.0%} of the local copy's rate; goal >= "
              f"{GOAL_RATIO_100MB:.0%}: " + ("met" if met else "NOT met"))
    write_json("files", {"goal_ratio_100mb": GOAL_RATIO_100MB, "goal_met": met, "rows": rows})


if __name__ == "__main__":
    main()
