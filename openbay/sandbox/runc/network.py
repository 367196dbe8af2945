"""Session networks: a network namespace per session, a veth pair to the host, NAT out.

Each session gets a /30 of `SUBNET` (host end .1, session end .2) on a point-to-point
veth, so sessions never share a link: anything between them goes through the host's
forward path, where nftables (see firewall.py) refuses it. Addresses are allocated
machine-wide through the namespace names themselves (`ob-<n>` under /run/netns): a
name that exists is taken, so servers sharing one machine never collide, and a
restarted server finds its sessions' namespaces where it left them.

Chosen over pasta or slirp4netns (one user-space process per session, several MB each,
and every packet through it): a veth costs no process, runs at kernel speed, and
nftables gives per-session egress rules and counters for free.
"""
from __future__ import annotations

import asyncio
import ipaddress
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from ..backend import SandboxError

SUBNET = ipaddress.ip_network("10.217.0.0/16")
SLOTS = SUBNET.num_addresses // 4 - 1  # slot 0 is left out
NETNS_DIR = Path("/run/netns")
HOST_IF_PREFIX = "obh"


@dataclass
class SessionNet:
    slot: int
    netns: str  # name under /run/netns
    host_if: str
    gateway: str  # the host end: DNS and host.openbay.internal
    address: str  # the session's own address

    @property
    def netns_path(self) -> str:
        return str(NETNS_DIR / self.netns)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> SessionNet | None:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None


def slot_net(slot: int) -> SessionNet:
    base = SUBNET.network_address + 4 * slot
    return SessionNet(slot=slot, netns=f"ob-{slot}", host_if=f"{HOST_IF_PREFIX}{slot}",
                      gateway=str(base + 1), address=str(base + 2))


async def _ip(*args: str, stdin: str | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "ip", *args, stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate(stdin.encode() if stdin else None)
    return proc.returncode, out.decode(errors="replace").strip()


async def create_namespace() -> SessionNet:
    """A fresh namespace with its veth up and a default route to the host."""
    for _ in range(64):
        net = slot_net(random.randint(1, SLOTS))
        code, out = await _ip("netns", "add", net.netns)
        if code == 0:
            break
        if "File exists" not in out and "exists" not in out:
            raise SandboxError(f"could not make a network namespace: {out}")
    else:
        raise SandboxError("no free session network address left")
    host = (f"link add {net.host_if} type veth peer name eth0 netns {net.netns}\n"
            f"addr add {net.gateway}/30 dev {net.host_if}\n"
            f"link set {net.host_if} up\n")
    inside = ("link set lo up\n"
              f"addr add {net.address}/30 dev eth0\n"
              "link set eth0 up\n"
              f"route add default via {net.gateway}\n")
    for prefix, batch in (((), host), (("-n", net.netns), inside)):
        code, out = await _ip(*prefix, "-batch", "-", stdin=batch)
        if code != 0:
            await delete_namespace(net)
            raise SandboxError(f"could not set up the session network: {out}")
    # a host port asked for on purpose is reached at the gateway, forwarded to the host's loopback
    Path(f"/proc/sys/net/ipv4/conf/{net.host_if}/route_localnet").write_text("1")
    return net


async def delete_namespace(net: SessionNet) -> None:
    """Deleting the namespace takes its end of the veth, and with it the host's end."""
    await _ip("link", "del", net.host_if)
    await _ip("netns", "del", net.netns)


def interface_bytes(net: SessionNet) -> tuple[int | None, int | None]:
    """(into the session, out of the session) bytes, read on the host's end."""
    base = Path("/sys/class/net") / net.host_if / "statistics"
    try:
        return int((base / "tx_bytes").read_text()), int((base / "rx_bytes").read_text())
    except (OSError, ValueError):
        return None, None


def enable_forwarding() -> None:
    path = Path("/proc/sys/net/ipv4/ip_forward")
    if path.read_text().strip() != "1":
        path.write_text("1")
