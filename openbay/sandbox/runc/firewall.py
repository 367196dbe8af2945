"""nftables rules for session networks: what a session may reach, and the NAT out.

One table for the machine (`openbay`), shared by every server on it: session chains are
named by the session's network slot, which is machine-wide (see network.py), and nft
reads the whole ruleset on every call, so a table per server made each call slower as
test servers came and went. Every session's traffic meets, in order:
the egress floor (egress_floor.py: loopback, link-local and metadata, private ranges, the
host's own addresses and networks, IPv4 and IPv6), less what the admin carved out of it;
its allow rules (CIDRs, and addresses its allowed names resolved to), its deny rules,
then the defaults: nothing private (a carved-out range too, unless allowed; other
sessions), everything public through NAT. Refusals are TCP
resets or ICMP "administratively prohibited" (a refused connection fails at once, it
never hangs) and are counted per session. Towards the host itself a session reaches
only its DNS proxy and the host ports it was allowed (as host.openbay.internal).
"""
from __future__ import annotations

import asyncio
import hashlib
import json

from .. import egress_floor
from ..backend import NetworkPolicy, SandboxError
from .network import HOST_IF_PREFIX, NETNS_DIR, SUBNET, SessionNet, slot_net

PRIVATE = egress_floor.FLOOR_V4
DNS_TTL_FLOOR_S = 60


def _reject(table: str, chain: str, match: str, counter: str) -> str:
    return (f"add rule inet {table} {chain} meta l4proto tcp {match} counter name {counter} reject with tcp reset\n"
            f"add rule inet {table} {chain} {match} counter name {counter} reject with icmpx admin-prohibited\n")


TABLE = "openbay"


def rules_digest(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()[:16]


def session_chains(net: SessionNet) -> list[str]:
    """The chains a session's rules live in (its egress filter, its NAT): what gc lists."""
    return [f"s{net.slot}", f"n{net.slot}"]


class Firewall:
    def __init__(self):
        self.table = TABLE

    async def _nft(self, script: str, check: bool = True) -> bool:
        proc = await asyncio.create_subprocess_exec(
            "nft", "-f", "-", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate(script.encode())
        if check and proc.returncode != 0:
            raise SandboxError(f"nftables refused the session's rules: {out.decode(errors='replace').strip()[:500]}")
        return proc.returncode == 0

    async def setup(self) -> None:
        """The table with the rules common to all sessions, as this OpenBay writes them (a table
        an older one left is brought up to date in one transaction; sessions keep theirs)."""
        if await self._nft(f"list table inet {self.table}\n", check=False):
            await self._sweep()
        await self._nft(self._common_rules())
        await self._set_floor()

    async def _set_floor(self) -> None:
        """The floor as this machine has it now (its addresses and networks change): every
        session's chain looks it up, so a refill reaches them all at once."""
        v4, v6 = await asyncio.to_thread(egress_floor.floor)
        t = self.table
        await self._nft(f"add set inet {t} floor {{ type ipv4_addr; flags interval; }}\n"
                        f"add set inet {t} floor6 {{ type ipv6_addr; flags interval; }}\n"
                        f"flush set inet {t} floor\nflush set inet {t} floor6\n"
                        f"add element inet {t} floor {{ {', '.join(v4)} }}\n"
                        f"add element inet {t} floor6 {{ {', '.join(v6)} }}\n")

    def _common_rules(self) -> str:
        """Idempotent: `add` keeps what exists, each chain is flushed and written again."""
        t = self.table
        chains = {
            "forward": ("type filter hook forward priority filter - 1; policy accept;",
                        f'iifname "{HOST_IF_PREFIX}*" oifname "{HOST_IF_PREFIX}*" reject with icmpx admin-prohibited',
                        "iifname vmap @session_fwd"),
            "input": ("type filter hook input priority filter - 1; policy accept;",
                      f'iifname != "{HOST_IF_PREFIX}*" accept', "ct state established,related accept",
                      "ct status dnat accept", "meta l4proto tcp reject with tcp reset",
                      "reject with icmpx admin-prohibited"),
            "prerouting": ("type nat hook prerouting priority dstnat; policy accept;", "iifname vmap @session_nat"),
            "postrouting": ("type nat hook postrouting priority srcnat; policy accept;",
                            f'ip saddr {SUBNET} oifname != "{HOST_IF_PREFIX}*" masquerade'),
        }
        script = (f"add table inet {t}\n"
                  f"add set inet {t} private {{ type ipv4_addr; flags interval; }}\n"
                  f"flush set inet {t} private\n"
                  f"add element inet {t} private {{ {', '.join(PRIVATE)} }}\n"
                  f"add map inet {t} session_fwd {{ type ifname : verdict; }}\n"
                  f"add map inet {t} session_nat {{ type ifname : verdict; }}\n")
        for name, (hook, *rules) in chains.items():
            script += f"add chain inet {t} {name} {{ {hook} }}\nflush chain inet {t} {name}\n"
            script += "".join(f"add rule inet {t} {name} {rule}\n" for rule in rules)
        return script

    async def _sweep(self) -> None:
        """Chains of sessions whose network namespace is gone (a server that died with them)."""
        proc = await asyncio.create_subprocess_exec(
            "nft", "-j", "list", "chains", "inet", self.table, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL)
        out, _ = await proc.communicate()
        try:
            names = [c["chain"]["name"] for c in json.loads(out)["nftables"] if "chain" in c]
        except (ValueError, KeyError):
            return
        for name in names:
            if name[:1] == "s" and name[1:].isdigit() and not (NETNS_DIR / f"ob-{name[1:]}").exists():
                await self.remove_session(slot_net(int(name[1:])))

    async def apply(self, session_rules: str) -> None:
        """A session's rules (session_rules), in one transaction over whatever rules it had: a
        session an older OpenBay started gets today's without a moment unfiltered."""
        await self._nft(session_rules)

    def session_rules(self, net: SessionNet, policy: NetworkPolicy, dns_port: int) -> str:
        t, n = self.table, net.slot
        nets = {kind: [e for e in entries if egress_floor.is_cidr(e)]
                for kind, entries in (("allow", policy.allow_out), ("deny", policy.deny_out))}
        nets["carve"] = [c for c in policy.private_allowed if c != egress_floor.ANY and ":" not in c]
        script = ""
        for name, elements in (("carve", nets["carve"]), ("allow_net", nets["allow"]), ("deny_net", nets["deny"])):
            script += (f"add set inet {t} s{n}_{name} {{ type ipv4_addr; flags interval; }}\n"
                       f"flush set inet {t} s{n}_{name}\n")
            if elements:
                script += f"add element inet {t} s{n}_{name} {{ {', '.join(elements)} }}\n"
        for kind in ("allow", "deny"):  # what names resolved to: kept, they time out on their own
            script += f"add set inet {t} s{n}_{kind}_dns {{ type ipv4_addr; flags timeout; }}\n"
        script += (f"add counter inet {t} s{n}_denied\n"
                   f"add chain inet {t} s{n}\nflush chain inet {t} s{n}\n"
                   f"add rule inet {t} s{n} ct state established,related accept\n")
        if egress_floor.ANY not in policy.private_allowed:  # the floor, before any allow rule
            script += _reject(t, f"s{n}", f"ip daddr @floor ip daddr != @s{n}_carve", f"s{n}_denied")
            script += _reject(t, f"s{n}", "ip6 daddr @floor6", f"s{n}_denied")
        script += (f"add rule inet {t} s{n} ip daddr @s{n}_allow_net accept\n"
                   f"add rule inet {t} s{n} ip daddr @s{n}_allow_dns accept\n")
        for match in (f"ip daddr @s{n}_deny_net", f"ip daddr @s{n}_deny_dns", "ip daddr @private"):
            script += _reject(t, f"s{n}", match, f"s{n}_denied")
        ports = ", ".join(str(p) for p in policy.allow_host_ports)
        script += (f"add chain inet {t} n{n}\nflush chain inet {t} n{n}\n"
                   f"add rule inet {t} n{n} ip daddr {net.gateway} udp dport 53 redirect to :{dns_port}\n"
                   f"add rule inet {t} n{n} ip daddr {net.gateway} tcp dport 53 redirect to :{dns_port}\n")
        if ports:
            script += f"add rule inet {t} n{n} ip daddr {net.gateway} tcp dport {{ {ports} }} dnat ip to 127.0.0.1\n"
        script += (f'add element inet {t} session_fwd {{ "{net.host_if}" : jump s{n} }}\n'
                   f'add element inet {t} session_nat {{ "{net.host_if}" : jump n{n} }}\n')
        return script

    async def remove_session(self, net: SessionNet) -> None:
        t, n = self.table, net.slot
        script = (f'delete element inet {t} session_fwd {{ "{net.host_if}" }}\n'
                  f'delete element inet {t} session_nat {{ "{net.host_if}" }}\n'
                  f"flush chain inet {t} s{n}\nflush chain inet {t} n{n}\n"
                  f"delete chain inet {t} s{n}\ndelete chain inet {t} n{n}\n")
        for kind in ("allow", "deny"):
            script += f"delete set inet {t} s{n}_{kind}_net\ndelete set inet {t} s{n}_{kind}_dns\n"
        script += f"delete set inet {t} s{n}_carve\ndelete counter inet {t} s{n}_denied\n"
        if await self._nft(script, check=False):  # one transaction: all of it went
            return
        # something was missing (what a failed start left): one statement at a time, so the rest goes
        for line in script.splitlines():
            await self._nft(line + "\n", check=False)

    async def learn(self, net: SessionNet, kind: str, addresses: list[str], ttl_s: int) -> None:
        """Addresses a name resolved to, allowed or denied for as long as the answer lives."""
        if not addresses:
            return
        ttl = max(ttl_s, DNS_TTL_FLOOR_S)
        elements = ", ".join(f"{a} timeout {ttl}s" for a in addresses)
        await self._nft(f"add element inet {self.table} s{net.slot}_{kind}_dns {{ {elements} }}\n", check=False)

    async def denied(self, net: SessionNet) -> int | None:
        proc = await asyncio.create_subprocess_exec(
            "nft", "-j", "list", "counter", "inet", self.table, f"s{net.slot}_denied",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        out, _ = await proc.communicate()
        try:
            for item in json.loads(out)["nftables"]:
                if "counter" in item:
                    return int(item["counter"]["packets"])
        except (ValueError, KeyError):
            pass
        return None
