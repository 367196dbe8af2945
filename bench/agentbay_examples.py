"""AgentBay's own example programs against a real OpenBay server, with only the import changed.

    .venv/bin/python bench/agentbay_examples.py [MIRROR] [--variant sync|async|both] [--only TEXT]

MIRROR is a bare git directory of AgentBay's SDK repository (a public fork of
`wuying-agentbay-sdk`; default below). Its example programs (`python/docs/examples/_sync` and
`_async`, the groups in GROUPS) are exported to a temporary folder, never into this checkout,
and their imports are rewritten so `agentbay` means `openbay.agentbay` (`from agentbay...` and
`import agentbay`, nothing else). Each program then runs as a separate process against one
`openbay serve` on loopback, configured as AgentBay users do (AGENTBAY_API_KEY, AGENTBAY_ENDPOINT),
each with an API key of its own so programs that list sessions or contexts see only theirs.

A program is clean when it exits 0 within the timeout and prints no failure line (❌, ✗, a
Python traceback, "Failed to ...", "Error: ..."). Lines a program prints whatever OpenBay answers
(the headings of failures it provokes on purpose, a step that needs the internet) are declared
in ALLOWED with the reason; the table shows the count both ways. Programs that cannot run here
are left out in LEFT_OUT, each with why: the internet (this machine reaches only package
registries), Windows, or a service only Alibaba's cloud has. The OSS example gets an
S3-compatible store: moto's S3 server on loopback (OSS_ENDPOINT and the bucket and presigned URLs
its environment variables name). No example of these groups that needs no internet asks a model.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import ROOT, print_table, server, write_json

DEFAULT_MIRROR = "/work/.mirror/yuebing-yb+wuying-agentbay-sdk/repo"
EXAMPLES = "python/docs/examples"
GROUPS = ("common-features/basics", "common-features/advanced", "codespace", "computer-use",
          "browser-use/browser")
# a failure line: AgentBay's marks (❌, ✗), a traceback, or a sentence that says something failed
FAILURE = re.compile(r"❌|✗|^Traceback \(most recent call last\)|^\s*(Failed to|Error: )|\bERROR - |Task failed")

_INTERNET = "visits sites on the internet"
_WINDOWS = "needs a Windows session (windows_latest)"
# paths relative to _sync/ or _async/; every other program of GROUPS is run
LEFT_OUT = {
    "common-features/advanced/network_testing/main.py": "pings and resolves hosts on the internet",
    "common-features/advanced/agent_module/computer_use_agent.py": _WINDOWS,
    "computer-use/computer/keyboard_mouse_operations.py": _WINDOWS,
    "computer-use/computer/screen_operations.py": _WINDOWS,
    "computer-use/computer/windows_app_management_example.py": _WINDOWS,
    **{f"browser-use/browser/{name}.py": _INTERNET for name in (
        "admin_add_product", "alimeeting_availability", "authentication_flow", "browser_automation",
        "browser_context_cookie_persistence", "browser_fingerprint_basic_usage",
        "browser_fingerprint_construct", "browser_fingerprint_local_sync",
        "browser_fingerprint_persistence", "browser_hybrid_usage", "browser_replay",
        "browser_screenshot", "browser_type_example", "browser_viewport", "cookies_management",
        "expense_upload_invoices", "file_upload_download", "form_automation", "game_2048",
        "game_sudoku", "gv_quick_buy_seat", "iframe_handling", "javascript_execution",
        "local_storage_management", "multi_tab_management", "navigation_and_interaction",
        "network_monitoring", "news_click", "news_pagination_extract", "orange_hrm",
        "page_analysis", "popup_handling", "responsive_testing", "sauce_demo",
        "screenshot_comparison", "search_agentbay_doc", "search_agentbay_doc_by_agent",
        "search_agentbay_doc_mixed", "shop_inspector", "smart_farm", "visit_aliyun", "web_scraping",
        "weibo_extract")},
    "browser-use/browser/browser-proxies.py": "a proxy and httpbin.org on the internet",
    "browser-use/browser/browser_auto_login.py": "Alibaba's cloud only: login skills, on ly.com",
    "browser-use/browser/browser_captcha_solving.py": "Alibaba's cloud only: captcha solving, on jd.com",
    "browser-use/browser/browser_captcha_takeover.py": "Alibaba's cloud only: captcha takeover, on jd.com",
    "browser-use/browser/browser_login_takeover.py": "Alibaba's cloud only: login takeover, on jd.com",
    "browser-use/browser/call_for_user_jd.py": "visits jd.com with a model's agent",
    "browser-use/browser/captcha_tongcheng.py": "Alibaba's cloud only: captcha solving, on ly.com",
    "browser-use/browser/ws_push_callback_captcha_tongcheng.py": "Alibaba's cloud only: captcha solving, on ly.com",
}
_MOBILE = "needs a cloud phone (mobile_latest); OpenBay's mobile sessions drive a device attached to the server"
LEFT_OUT["common-features/advanced/screenshot_download/screenshot_download.py"] = _MOBILE
# helper modules next to the programs, not programs (no `agentbay` import, no main)
HELPERS = ("browser-use/browser/mini_max.py", "browser-use/browser/sudoku_solver.py")
# failure lines a program prints whatever OpenBay answers: on purpose (the headings of the failures
# it provokes), or for a step that needs what this machine has not (the internet, a cloud phone)
ALLOWED = {
    "common-features/advanced/error_handling/main.py":
        (r"❌ Command failed: .*nonexistent_command", "runs a command that does not exist, to show the failure"),
    "common-features/advanced/retry_mechanism/main.py":
        (r"❌ (Call failed: (Simulated failure|Circuit breaker is open)|Attempt \d+ failed: Simulated)",
         "a function that fails on purpose, to show the circuit breaker"),
    "common-features/basics/session_creation/main.py":
        (r"Failed to create mobile session: no Android device", "one of its sessions is a cloud phone (mobile_latest)"),
    "codespace/python_development.py":
        (r"Error: HTTPSConnectionPool\(host='httpbin.org'", "one step fetches httpbin.org from the session"),
    "common-features/basics/data_persistence/recycle_policy_example.py":
        (r"❌ Test \d: (Using wildcard|Using invalid lifecycle)", "headings of checks that must fail"),
    "common-features/basics/data_persistence/context_file_operations_example.py":
        (r"❌ Test \d: (Invalid context ID|Non-existent file download)", "headings of checks that must fail"),
    "common-features/basics/data_persistence/context_list_and_update_example.py":
        (r"❌ Test \d: (Invalid pagination token|Large max_results|Update non-existent)",
         "headings of checks that must fail"),
}


@dataclass
class Run:
    path: str
    variant: str
    rc: int | str = ""
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.rc == 0 and not self.failures and not self.allowed

    @property
    def clean_but_allowed(self) -> bool:
        return self.rc == 0 and not self.failures


def export(mirror: str, variant: str, into: Path) -> Path:
    """The variant's example folders from the mirror, imports pointed at openbay.agentbay."""
    paths = [f"{EXAMPLES}/_{variant}/{g}" for g in GROUPS]
    archive = subprocess.run(["git", f"--git-dir={mirror}", "archive", "HEAD", *paths],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    base = into / EXAMPLES / f"_{variant}"
    for py in base.rglob("*.py"):
        py.write_text(rewrite_imports(py.read_text()))
    return base


def rewrite_imports(source: str) -> str:
    source = re.sub(r"^(\s*)from agentbay\b", r"\1from openbay.agentbay", source, flags=re.M)
    return re.sub(r"^(\s*)import agentbay\b(?!\s+as)", r"\1import openbay.agentbay as agentbay",
                  source, flags=re.M)


def programs(base: Path) -> list[str]:
    found = []
    for group in GROUPS:
        for py in sorted((base / group).rglob("*.py")):
            rel = str(py.relative_to(base))
            if py.name.startswith("test_") or py.name == "__init__.py" or rel in HELPERS:
                continue  # pytest modules and helpers are not programs
            found.append(rel)
    return found


def oss_store() -> tuple[object, dict[str, str]]:
    """moto's S3 server on loopback with the bucket and presigned URLs oss_management/main.py reads."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs each request
    store = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    store.start()
    host, port = store.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="key", aws_secret_access_key="secret",
                      region_name="us-east-1")
    s3.create_bucket(Bucket="agentbay-examples")
    s3.put_object(Bucket="agentbay-examples", Key="anon.txt", Body=b"for download_anonymous")
    urls = {f"OSS_TEST_{kind}_URL": s3.generate_presigned_url(op, Params={"Bucket": "agentbay-examples",
                                                                           "Key": "anon.txt"})
            for kind, op in (("UPLOAD", "put_object"), ("DOWNLOAD", "get_object"))}
    return store, {"OSS_ACCESS_KEY_ID": "key", "OSS_ACCESS_KEY_SECRET": "secret", "OSS_SECURITY_TOKEN": "",
                   "OSS_ENDPOINT": endpoint, "OSS_REGION": "us-east-1", "OSS_TEST_BUCKET": "agentbay-examples",
                   **urls}


def owner_name(variant: str, rel: str) -> str:
    """An owner of its own per program and variant (a name of at most 64 characters)."""
    return f"{variant}-" + re.sub(r"[^a-z0-9]+", "-", rel.removesuffix(".py").lower())[-50:].strip("-")


def run_one(base: Path, rel: str, variant: str, running, timeout_s: float, logs: Path,
            extra_env: dict[str, str]) -> Run:
    program = base / rel
    env = {**os.environ, "AGENTBAY_API_KEY": running.new_owner_key(owner_name(variant, rel)),
           "AGENTBAY_ENDPOINT": running.base_url, "PYTHONPATH": str(ROOT), **extra_env}
    for name in ("OPENBAY_API_KEY", "OPENBAY_BASE_URL"):
        env.pop(name, None)
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, program.name], cwd=program.parent, env=env,
                              capture_output=True, text=True, timeout=timeout_s)
        rc, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as e:
        rc = "timeout"
        out, err = (x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
                    for x in (e.stdout, e.stderr))
    run = Run(rel, variant, rc, round(time.monotonic() - started, 1))
    on_purpose = re.compile(ALLOWED[rel][0]) if rel in ALLOWED else None
    for line in (out + "\n" + err).splitlines():
        if FAILURE.search(line):
            (run.allowed if on_purpose and on_purpose.search(line) else run.failures).append(line.strip())
    (logs / f"{variant}__{rel.replace('/', '__')}.log").write_text(f"rc={rc}\n{out}\n--- stderr\n{err}")
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mirror", nargs="?", default=DEFAULT_MIRROR)
    parser.add_argument("--variant", choices=("sync", "async", "both"), default="both")
    parser.add_argument("--only", default="", help="run only programs whose path contains this")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a program may take")
    parser.add_argument("--jobs", type=int, default=2, help="programs run at once")
    args = parser.parse_args()
    variants = ("sync", "async") if args.variant == "both" else (args.variant,)
    work = Path(tempfile.mkdtemp(prefix="obexamples-", dir="/tmp"))
    logs = work / "logs"
    logs.mkdir()
    runs: list[Run] = []
    left_out: dict[str, list[str]] = {}
    store, oss_env = oss_store()
    with server() as running:
        for variant in variants:
            base = export(args.mirror, variant, work)
            todo = [p for p in programs(base) if args.only in p]
            for rel in todo:
                if rel in LEFT_OUT:
                    left_out.setdefault(rel, []).append(variant)
            todo = [p for p in todo if p not in LEFT_OUT]
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                futures = [pool.submit(run_one, base, rel, variant, running, args.timeout, logs,
                                       oss_env if "oss_management" in rel else {}) for rel in todo]
                for f in futures:
                    r = f.result()
                    runs.append(r)
                    verdict = "clean" if r.clean else "clean*" if r.clean_but_allowed else "FAIL"
                    print(f"{verdict:6} {variant:5} {r.path} rc={r.rc} {r.seconds}s "
                          + " / ".join(r.failures[:2])[:220], flush=True)
    store.stop()
    shutil.rmtree(work / "python", ignore_errors=True)  # the exported programs; the logs stay
    rows = []
    for variant in variants:
        mine = [r for r in runs if r.variant == variant]
        for group in (*GROUPS, "all"):
            of = [r for r in mine if group == "all" or r.path.startswith(group + "/")]
            out = sum(1 for p, v in left_out.items() if variant in v and (group == "all" or p.startswith(group + "/")))
            if of or out:
                rows.append({"variant": variant, "group": group, "run": len(of),
                             "clean": sum(r.clean for r in of),
                             "clean, declared lines allowed": sum(r.clean_but_allowed for r in of),
                             "left out": out})
    print_table("AgentBay's example programs on OpenBay (import changed only)", rows,
                ["variant", "group", "run", "clean", "clean, declared lines allowed", "left out"])
    print("Left out:")
    for rel in sorted(left_out):
        print(f"- {rel}: {LEFT_OUT[rel]}")
    print("Failure lines allowed in the second count:")
    for rel, (_, why) in ALLOWED.items():
        print(f"- {rel}: {why}")
    print(f"logs: {logs}")
    write_json("agentbay_examples", {
        "mirror_head": subprocess.run(["git", f"--git-dir={args.mirror}", "rev-parse", "HEAD"],
                                      capture_output=True, text=True).stdout.strip(),
        "rows": rows, "left_out": {p: LEFT_OUT[p] for p in sorted(left_out)},
        "runs": [{"path": r.path, "variant": r.variant, "rc": r.rc, "seconds": r.seconds, "clean": r.clean,
                  "clean_but_allowed": r.clean_but_allowed, "failures": r.failures[:5]} for r in runs]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
