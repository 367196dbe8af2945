"""The egress floor: destinations no session reaches unless the admin carves them out.

Loopback, link-local (the cloud metadata address among them), RFC 1918, CGNAT, benchmark,
multicast and reserved IPv4 ranges; loopback, link-local, unique-local (fc00::/7, where
AWS's IPv6 metadata lives), mapped and multicast IPv6; and the host's own addresses and
the networks of its uplinks (the interfaces that carry a default route: its LAN). The
firewall rejects these before any owner's or session's allow rule; an owner's or a session's
policy cannot lift them. Only the admin can: for every session with
OPENBAY_EGRESS_ALLOW_PRIVATE (`*`, or CIDRs), or for one owner by putting CIDRs on that
owner's default policy (an admin-only call). A carved-out range is then reachable by
sessions that allow it; the default (nothing private) still holds for the others.
"""
from __future__ import annotations

import ipaddress
import json
import subprocess

FLOOR_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3")
FLOOR_V6 = ("::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "100::/64", "fc00::/7", "fe80::/10", "ff00::/8")
METADATA_NAMES = ("metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                  "instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com")
ANY = "*"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_cidr(entry: str) -> bool:
    """A policy entry that is an address range ("10.0.0.0/8", "1.2.3.4"), not a name."""
    try:
        ipaddress.ip_network(entry, strict=False)
        return True
    except ValueError:
        return False

def _ip_json(*args: str) -> list[dict]:
    try:
        out = subprocess.run(["ip", "-j", *args], capture_output=True, text=True, timeout=10).stdout
        return json.loads(out or "[]")
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return []


def host_networks() -> list[str]:
    """The host's own addresses (each alone) and the networks of its uplinks, IPv4 and IPv6."""
    found: list[str] = []
    for link in _ip_json("addr", "show"):
        for info in link.get("addr_info", []):
            if info.get("local"):
                found.append(str(ipaddress.ip_network(info["local"].split("%")[0])))
    uplinks = {r.get("dev") for family in ("-4", "-6") for r in _ip_json(family, "route", "show", "default")}
    for family in ("-4", "-6"):
        for route in _ip_json(family, "route", "show"):
            dst = route.get("dst", "")
            if route.get("dev") in uplinks and dst not in ("", "default"):
                try:
                    found.append(str(ipaddress.ip_network(dst, strict=False)))
                except ValueError:
                    pass
    return sorted(set(found))


def floor(extra: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(IPv4, IPv6) CIDRs of the floor: the fixed ranges and the host's own (or `extra`)."""
    nets = [ipaddress.ip_network(n) for n in (*FLOOR_V4, *FLOOR_V6, *(host_networks() if extra is None else extra))]
    return ([str(n) for n in ipaddress.collapse_addresses(n for n in nets if n.version == 4)],
            [str(n) for n in ipaddress.collapse_addresses(n for n in nets if n.version == 6)])


def in_floor(cidr: str, host: list[str] | None = None) -> bool:
    """Whether a CIDR reaches into the floor (the fixed ranges or the host's own networks)."""
    net = ipaddress.ip_network(cidr, strict=False)
    return any(net.overlaps(ipaddress.ip_network(f)) for f in (*FLOOR_V4, *FLOOR_V6, *(host or []))
               if ipaddress.ip_network(f).version == net.version)


def carved(cidr: str, exceptions: list[str]) -> bool:
    """Whether a CIDR lies wholly inside the admin's exceptions (`*`: all of the floor)."""
    if ANY in exceptions:
        return True
    net = ipaddress.ip_network(cidr, strict=False)
    for e in exceptions:
        other = ipaddress.ip_network(e, strict=False)
        if other.version == net.version and net.subnet_of(other):
            return True
    return False


def parse_exceptions(text: str) -> list[str]:
    """OPENBAY_EGRESS_ALLOW_PRIVATE: empty (none), `*` (the whole floor) or IPv4/IPv6 CIDRs."""
    out = []
    for part in text.replace(",", " ").split():
        if part == ANY:
            out.append(ANY)
            continue
        try:
            out.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SystemExit(f"OPENBAY_EGRESS_ALLOW_PRIVATE: {part!r} is not `*` or a CIDR") from None
    return out


def is_metadata_name(name: str) -> bool:
    return name.rstrip(".").lower() in METADATA_NAMES
