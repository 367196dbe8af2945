"""The DNS server sessions use: answers by their egress policy, forwards the rest.

Every session's resolver is its gateway; nftables redirects port 53 there to this
proxy. A name the session's policy denies gets NXDOMAIN at once; the addresses an
allowed or denied name resolves to go into the session's nftables sets for as long as
the answer lives, so a policy written with names holds for connections by address.
`host.openbay.internal` answers with the session's gateway; the cloud metadata service's
names get NXDOMAIN whatever the policy says (they are part of the egress floor, see
egress_floor.py), without asking upstream. Standard library only.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch

from ..egress_floor import is_metadata_name

log = logging.getLogger("openbay.dns")
HOST_NAME = "host.openbay.internal"
UPSTREAM_TIMEOUT_S = 5.0
NXDOMAIN, SERVFAIL = 3, 2


@dataclass
class NamePolicy:
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)

    def verdict(self, name: str) -> str | None:
        """'allow', 'deny' or None (the defaults decide) for a name; allow wins."""
        name = name.rstrip(".").lower()
        if any(_matches(name, p) for p in self.allow):
            return "allow"
        if any(_matches(name, p) for p in self.deny):
            return "deny"
        return None


def _matches(name: str, pattern: str) -> bool:
    pattern = pattern.lower()
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return name.endswith(pattern[1:]) or fnmatch(name, pattern)
    return name == pattern


def parse_question(packet: bytes) -> tuple[int, str, int, int] | None:
    """(id, name, qtype, end of question) of a query, or None."""
    if len(packet) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", packet[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, pos = [], 12
    while pos < len(packet):
        length = packet[pos]
        if length == 0:
            pos += 1
            break
        if length > 63 or pos + 1 + length > len(packet):
            return None
        labels.append(packet[pos + 1:pos + 1 + length].decode("ascii", "replace"))
        pos += 1 + length
    if pos + 4 > len(packet):
        return None
    qtype = struct.unpack("!H", packet[pos:pos + 2])[0]
    return qid, ".".join(labels), qtype, pos + 4


def answer(query: bytes, question_end: int, rcode: int = 0, address: str | None = None, ttl: int = 60) -> bytes:
    flags = 0x8180 | rcode  # a response, recursion desired and available
    ancount = 1 if address else 0
    out = query[:2] + struct.pack("!HHHHH", flags, 1, ancount, 0, 0) + query[12:question_end]
    if address:
        out += struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + socket.inet_aton(address)
    return out


def answer_addresses(packet: bytes) -> tuple[list[str], int]:
    """The A records of a response and their smallest TTL."""
    try:
        qdcount, ancount = struct.unpack("!HH", packet[4:8])
        pos = 12
        for _ in range(qdcount):
            pos = _skip_name(packet, pos) + 4
        found, ttl = [], 3600
        for _ in range(ancount):
            pos = _skip_name(packet, pos)
            rtype, _, rttl, rdlen = struct.unpack("!HHIH", packet[pos:pos + 10])
            pos += 10
            if rtype == 1 and rdlen == 4:
                found.append(socket.inet_ntoa(packet[pos:pos + 4]))
                ttl = min(ttl, rttl)
            pos += rdlen
        return found, ttl
    except (struct.error, IndexError, OSError):
        return [], 0


def _skip_name(packet: bytes, pos: int) -> int:
    while True:
        length = packet[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        if length == 0:
            return pos + 1
        pos += 1 + length


def upstream_from_resolv_conf(path: str = "/etc/resolv.conf") -> tuple[str, int]:
    try:
        for line in open(path):
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver" and ":" not in parts[1]:
                return parts[1], 53
    except OSError:
        pass
    return "127.0.0.53", 53


# who is asking (by source address): their gateway and name policy, and where learnt addresses go
Lookup = Callable[[str], "tuple[str, NamePolicy, Callable[[str, list[str], int], Awaitable[None]]] | None"]


class DnsProxy(asyncio.DatagramProtocol):
    def __init__(self, lookup: Lookup, upstream: tuple[str, int]):
        self.lookup = lookup
        self.upstream = upstream
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    async def start(self, host: str = "0.0.0.0", port: int = 0) -> int:
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self.port = self.transport.get_extra_info("sockname")[1]
        return self.port

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def datagram_received(self, data: bytes, addr) -> None:
        asyncio.ensure_future(self._handle(data, addr))

    async def _handle(self, data: bytes, addr) -> None:
        q = parse_question(data)
        who = self.lookup(addr[0])
        if q is None or who is None or self.transport is None:
            return
        _, name, qtype, end = q
        gateway, policy, learn = who
        if name.rstrip(".").lower() == HOST_NAME:
            self.transport.sendto(answer(data, end, address=gateway if qtype == 1 else None), addr)
            return
        verdict = policy.verdict(name)
        if verdict == "deny" or is_metadata_name(name):
            self.transport.sendto(answer(data, end, NXDOMAIN), addr)
            return
        reply = await self._forward(data)
        if reply is None:
            self.transport.sendto(answer(data, end, SERVFAIL), addr)
            return
        if verdict == "allow":
            addresses, ttl = answer_addresses(reply)
            await learn("allow", addresses, ttl)
        self.transport.sendto(reply, addr)

    async def _forward(self, data: bytes) -> bytes | None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()

        class _Once(asyncio.DatagramProtocol):
            def datagram_received(self, reply, _addr):
                if not done.done():
                    done.set_result(reply)

        transport, _ = await loop.create_datagram_endpoint(_Once, remote_addr=self.upstream)
        try:
            transport.sendto(data)
            return await asyncio.wait_for(done, UPSTREAM_TIMEOUT_S)
        except asyncio.TimeoutError:
            log.warning("DNS upstream %s:%d did not answer", *self.upstream)
            return None
        finally:
            transport.close()
