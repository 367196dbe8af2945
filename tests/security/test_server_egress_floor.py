"""The egress floor: an owner cannot open the cloud metadata address, private networks or the
host's own networks for its sessions; only the admin can carve a range out.

The private network here is a network namespace the test makes itself (a /30 of 10.250.0.0/16
routed to it while it lives), with a listener that counts every connection it gets: nothing
outside this machine is ever addressed."""
import ctypes
import os
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import httpx
import pytest

from openbay.sandbox.runc import dns_proxy
from tests.helpers.server import thread_server
from tests.helpers.sessions import new_session

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class PrivateHost:
    """A namespace on 10.250.x.0/30 (host end .1, namespace .2) with a counting TCP listener."""

    def __init__(self):
        tag = os.getpid() % 60000
        self.net = f"10.250.{tag >> 8}.{tag & 0xfc}"
        base = [int(p) for p in self.net.split(".")]
        self.cidr = f"{self.net}/30"
        self.address = ".".join(map(str, base[:3] + [base[3] + 2]))
        gateway = ".".join(map(str, base[:3] + [base[3] + 1]))
        self.ns, self.veth = f"obt-priv-{os.getpid()}", f"obtp{os.getpid()}"
        for argv in (["netns", "add", self.ns],
                     ["link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.ns],
                     ["addr", "add", f"{gateway}/30", "dev", self.veth], ["link", "set", self.veth, "up"],
                     ["-n", self.ns, "link", "set", "lo", "up"],
                     ["-n", self.ns, "addr", "add", f"{self.address}/30", "dev", "eth0"],
                     ["-n", self.ns, "link", "set", "eth0", "up"],
                     ["-n", self.ns, "route", "add", "default", "via", gateway]):
            subprocess.run(["ip", *argv], check=True, capture_output=True)
        self.accepted = 0
        self.sock = self._listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _listen(self) -> socket.socket:
        made = {}

        def inside():
            own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
            target = os.open(f"/run/netns/{self.ns}", os.O_RDONLY)
            try:
                assert _libc.setns(target, CLONE_NEWNET) == 0
                sock = socket.socket()
                sock.bind(("0.0.0.0", 0))
                sock.listen(16)
                made["sock"] = sock
                _libc.setns(own, CLONE_NEWNET)
            finally:
                os.close(own)
                os.close(target)
        t = threading.Thread(target=inside)
        t.start()
        t.join()
        return made["sock"]

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self):
        self.sock.close()
        subprocess.run(["ip", "link", "del", self.veth], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)


def connect(s, host: str, port: int) -> str:
    # 30 s: a refusal is immediate, a loaded machine only slows the shell that asks
    out = s.command.execute_command(f"timeout 30 bash -c 'exec 3<>/dev/tcp/{host}/{port}' 2>&1 && echo open || "
                                    "{ [ $? = 124 ] && echo timeout || echo refused; }", timeout_ms=60_000)
    return (out.output + out.stderr).strip().splitlines()[-1]


class RecordingResolver:
    """A DNS server on loopback that answers every A question with 198.51.100.250 and keeps the names."""

    def __init__(self):
        self.names: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(512)
            except OSError:
                return
            q = dns_proxy.parse_question(data)
            if q is not None:
                self.names.append(q[1].rstrip(".").lower())
                self.sock.sendto(dns_proxy.answer(data, q[3], address="198.51.100.250" if q[2] == 1 else None), addr)


@pytest.fixture(scope="module")
def resolver():
    r = RecordingResolver()
    yield r
    r.sock.close()


@pytest.fixture(scope="module")
def server(resolver):
    old = os.environ.get("OPENBAY_DNS_UPSTREAM")
    os.environ["OPENBAY_DNS_UPSTREAM"] = f"127.0.0.1:{resolver.sock.getsockname()[1]}"
    try:
        with thread_server(Path(tempfile.mkdtemp(prefix="obsec-net-"))) as s:
            yield s
    finally:
        if old is None:
            os.environ.pop("OPENBAY_DNS_UPSTREAM", None)
        else:
            os.environ["OPENBAY_DNS_UPSTREAM"] = old


@pytest.fixture(scope="module")
def private_host():
    host = PrivateHost()
    yield host
    host.close()


@pytest.fixture(scope="module")
def tenant(server):
    key = server.new_owner_key("egress-tenant")
    owner_id = httpx.get(f"{server.base_url}/v1/whoami", headers={"Authorization": f"Bearer {key}"}).json()["owner_id"]
    with server.client(key) as bay:
        yield key, owner_id, bay


def _create(server, key, allow_out):
    return httpx.post(f"{server.base_url}/v1/sessions", json={"network_policy": {"allow_out": allow_out}},
                      headers={"Authorization": f"Bearer {key}"}, timeout=120)


def _chain(s) -> list[str]:
    """The session's nftables chain, one rule a line, in order."""
    address = s.command.execute_command("ip -4 -o addr show eth0").output.split("inet ")[1].split("/")[0]
    offset = int.from_bytes(socket.inet_aton(address), "big") - int.from_bytes(socket.inet_aton("10.217.0.0"), "big")
    out = subprocess.run(["nft", "list", "chain", "inet", "openbay", f"s{offset // 4}"],
                         capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines() if "daddr" in line]


@pytest.mark.parametrize("allow_out", [["169.254.169.254/32"], ["10.0.0.0/8"], ["172.16.0.0/12", "192.168.0.0/16"],
                                       ["metadata.google.internal"]])
def test_a_tenant_cannot_allow_metadata_or_private_networks(server, tenant, allow_out):
    key, _, _ = tenant
    r = _create(server, key, allow_out)
    assert r.status_code == 403, r.text
    assert "only the admin" in r.json()["error"]["message"] or "never reach" in r.json()["error"]["message"]


def test_the_floor_comes_before_any_allow_rule_and_is_never_reached(server, tenant, private_host):
    _, _, bay = tenant
    with new_session(bay, network_policy={"allow_out": ["1.2.3.0/24"]}) as s:
        rules = _chain(s)
        floor = next(i for i, r in enumerate(rules) if "@floor " in r)
        allow = next(i for i, r in enumerate(rules) if "_allow_net" in r)
        assert floor < allow and "reject" in rules[floor]
        assert any("@floor6" in r for r in rules[:allow])  # IPv6 too
        def denied():
            return server.call(server.services.backend.metrics(s.session_id)).denied_connections or 0
        before = denied()
        assert connect(s, private_host.address, private_host.port) == "refused"
        assert connect(s, "169.254.169.254", 80) == "refused"
        assert private_host.accepted == 0
        assert denied() > before  # counted per session, as before


def test_only_the_admin_carves_a_range_out(server, tenant, private_host):
    key, owner_id, bay = tenant
    assert _create(server, key, [private_host.cidr]).status_code == 403
    admin = server.client()
    try:
        admin.network_policy.set(owner_id, {"allow_out": [private_host.cidr]})  # the admin-only call
        with new_session(bay) as s:
            assert connect(s, private_host.address, private_host.port) == "open"
            assert connect(s, "169.254.169.254", 80) == "refused"  # the rest of the floor holds
        admin.network_policy.clear(owner_id)
        with new_session(admin, network_policy={"allow_out": [private_host.cidr]}) as own:
            # an admin key's own session may open it too
            assert connect(own, private_host.address, private_host.port) == "open"
    finally:
        admin.close()
    assert private_host.accepted == 2


def test_metadata_names_are_never_resolved(server, tenant, resolver):
    _, _, bay = tenant
    with new_session(bay) as s:
        for name in ("metadata.google.internal", "metadata", "instance-data.ec2.internal"):
            out = s.command.execute_command(f"getent hosts {name} || echo none").output.strip()
            assert out == "none", (name, out)
        assert s.command.execute_command("getent hosts pages.example.test").output.split()[0] == "198.51.100.250"
        assert "pages.example.test" in resolver.names  # the proxy does forward...
        assert not any("metadata" in n or "instance-data" in n for n in resolver.names)  # ...but never these
