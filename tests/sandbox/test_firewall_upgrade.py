"""Sessions that outlive an OpenBay upgrade get the upgraded egress rules: a restarted server
writes today's common rules over the machine's table and today's rules over each reattached
session's chain, in one transaction each, whatever an older OpenBay left there."""
import asyncio
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from openbay.sandbox import SandboxSpec
from openbay.sandbox.runc.firewall import TABLE, Firewall
from openbay.sandbox.runc.local import VAR_ROOT, LocalBackend
from openbay.sandbox.runc.network import SessionNet

LISTEN = ("nohup python3 -m http.server 8000 >/dev/null 2>&1 & "
          "for i in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && exit 0; sleep 0.1; done; exit 1")


async def _connects(sandbox, address: str) -> str:
    out = await sandbox.envd.exec({"command": f"timeout 5 bash -c 'exec 3<>/dev/tcp/{address}/8000' "
                                              "2>/dev/null && echo open || echo closed", "timeout_ms": 30_000})
    return out["output"].strip()


def _as_an_older_openbay_left_them(backend: LocalBackend, root: Path, session_id: str) -> None:
    """Rules with no floor and no wall between sessions, and a meta that does not know them."""
    net = SessionNet.load(root / session_id / "net.json")
    script = (f"flush chain inet {TABLE} forward\n"
              f"flush chain inet {TABLE} s{net.slot}\nadd rule inet {TABLE} s{net.slot} accept\n")
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True)
    meta_file = root / session_id / "bundle" / "meta.json"
    meta = json.loads(meta_file.read_text())
    meta.pop("rules", None)
    meta["dns_port"] = backend.dns.port  # what an older OpenBay wrote there
    meta_file.write_text(json.dumps(meta))


def test_a_reattached_session_gets_todays_egress_rules():
    async def run():
        root = Path(tempfile.mkdtemp(prefix="obtest-fw-", dir=VAR_ROOT))
        first = LocalBackend(root)
        second = None
        try:
            a = await first.start(SandboxSpec(session_id="s-fwupgrade-a", image_id="linux"))
            b = await first.start(SandboxSpec(session_id="s-fwupgrade-b", image_id="linux"))
            assert (await b.envd.exec({"command": LISTEN, "timeout_ms": 60_000}))["exit_code"] == 0
            b_address = SessionNet.load(root / "s-fwupgrade-b" / "net.json").address
            assert await _connects(a, b_address) == "closed"
            _as_an_older_openbay_left_them(first, root, "s-fwupgrade-a")
            assert await _connects(a, b_address) == "open"  # what the older rules let through
            await first.detach()  # a server stop that leaves its sandboxes running

            second = LocalBackend(root)  # the upgraded server
            a, b = await second.reattach("s-fwupgrade-a"), await second.reattach("s-fwupgrade-b")
            assert a is not None and b is not None
            assert await _connects(a, b_address) == "closed"
        finally:
            await (second or first).close()
            await Firewall().setup()  # the machine's table as this OpenBay writes it, whatever happened
            shutil.rmtree(root, ignore_errors=True)
    asyncio.run(run())
