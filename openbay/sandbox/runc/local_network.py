"""The local backend's networking: a namespace per session with its egress rules, the DNS
proxy the sessions ask, their /etc/hosts and resolv.conf. A part of LocalBackend (a base);
the attributes are LocalBackend's."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

from ..backend import NetworkPolicy, SandboxSpec
from ..egress_floor import is_cidr
from . import network
from .dns_proxy import HOST_NAME, NamePolicy


class LocalNetwork:
    async def _make_network(self, spec: SandboxSpec, directory: Path) -> network.SessionNet:
        """The session's own namespace, its egress rules, and its DNS through the proxy."""
        if self._network_ready is None:
            self._network_ready = asyncio.ensure_future(self._setup_network())
        await asyncio.shield(self._network_ready)
        net = await network.create_namespace()
        net.save(directory / "net.json")
        return net

    async def _setup_network(self) -> None:
        network.enable_forwarding()
        await self.firewall.setup()
        # the same port as the last server's, when free: the sessions' rules point at it
        port_file = self.root / "dns-port"
        try:
            await self.dns.start(port=int(port_file.read_text()))
        except (OSError, ValueError):
            await self.dns.start()
        port_file.write_text(str(self.dns.port))

    def _dns_client(self, address: str):
        running = self._by_address.get(address)
        if running is None or running.net is None:
            return None
        net = running.net

        async def learn(kind: str, addresses: list[str], ttl: int) -> None:
            await self.firewall.learn(net, kind, addresses, ttl)
        return net.gateway, running.names or NamePolicy(), learn

    def _write_etc(self, bundle: Path, net: network.SessionNet | None) -> Path:
        etc = bundle / "etc"
        etc.mkdir()
        hosts = "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        if net is not None:
            hosts += f"{net.gateway}\t{HOST_NAME}\n"
        (etc / "hosts").write_text(hosts)
        (etc / "resolv.conf").write_text(f"nameserver {net.gateway}\noptions timeout:2 attempts:2\n" if net else "")
        for f in etc.iterdir():
            os.chmod(f, 0o644)
        return etc


def names_of(spec: SandboxSpec) -> NamePolicy:
    return name_policy(spec.network_policy)


def name_policy(policy: NetworkPolicy) -> NamePolicy:
    return NamePolicy(allow=[e for e in policy.allow_out if not is_cidr(e)],
                      deny=[e for e in policy.deny_out if not is_cidr(e)])


def host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host, int(port)) if host else (text, 53)
