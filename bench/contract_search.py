"""The unseeded search for what the OpenAPI spec and the server disagree on.

tests/api/test_openapi_contract.py runs schemathesis derandomised with a fixed number of
cases, so CI's verdict never depends on the machine; this runs it with fresh randomness for
a time budget (goal: no failure), prints the failure counts and writes them as JSON. What it
finds becomes a fix and, where it is a rule of its own, a case in the contract test.

    .venv/bin/python bench/contract_search.py [--minutes 4]
"""
import argparse
import subprocess

from _common import print_table, server, write_json

from tests.helpers import contract


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=4)
    args = ap.parse_args()
    budget_s = int(args.minutes * 60)
    with server(**contract.SERVER_SETTINGS) as running:
        key = contract.contract_key(running.base_url, running.admin_key)
        run = subprocess.run(contract.command(running.base_url, key, "--max-time", str(budget_s)),
                             capture_output=True, text=True, timeout=budget_s + 900)
    counts = contract.failure_counts(run.stdout)
    print(contract.failures(run.stdout)[:20000])
    print_table(f"schemathesis, {args.minutes:g} min unseeded", [
        {"check": name, "failures": n} for name, n in counts.items()] or [{"check": "(none)", "failures": 0}],
        ["check", "failures"])
    write_json("contract_search", {"minutes": args.minutes, "failures": counts, "exit_code": run.returncode})


if __name__ == "__main__":
    main()
