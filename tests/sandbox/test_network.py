"""Session networks: a namespace of its own, nothing of the host or other sessions, egress policy.

Everything here stays on this machine: "the internet" is the tests' web host, a network
namespace of their own (two addresses in 198.51.100.0/24, see tests/helpers/webhost.py), names come from
a test resolver on loopback that the server forwards to, and host ports are real listeners
on the host's loopback.
"""
import http.server
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from openbay.sandbox.runc import dns_proxy
from tests.helpers import webhost
from tests.helpers.server import thread_server

INET = webhost.NET


def sh(s, cmd: str, timeout_ms: int = 150_000) -> str:
    out = s.command.execute_command(cmd, timeout_ms=timeout_ms)
    return out.output + out.stderr


def connect(s, host: str, port: int) -> str:
    """What a TCP connect from inside the session gives: 'open', 'refused' or 'timeout' (no answer
    in 30 s: a refusal is immediate, a loaded machine only slows the shell that asks)."""
    return sh(s, f"timeout 30 bash -c 'exec 3<>/dev/tcp/{host}/{port}' 2>&1 && echo open || "
                 "{ [ $? = 124 ] && echo timeout || echo refused; }").strip().splitlines()[-1]


class LoopbackNameServer:
    """A DNS server on loopback that knows a few test names."""

    def __init__(self, names: dict[str, str]):
        self.names = names
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(512)
            except OSError:
                return
            q = dns_proxy.parse_question(data)
            if q is None:
                continue
            address = self.names.get(q[1].rstrip(".").lower())
            reply = dns_proxy.answer(data, q[3], address=address) if address else \
                dns_proxy.answer(data, q[3], dns_proxy.NXDOMAIN)
            self.sock.sendto(reply, addr)


@pytest.fixture(scope="module")
def net_server():
    """A server whose sessions resolve names through the test resolver, and may reach two host ports."""
    resolver = LoopbackNameServer({"allowed.test": webhost.ADDRESS, "denied.test": webhost.OTHER_ADDRESS,
                             "other.test": webhost.OTHER_ADDRESS})
    listeners = []
    for _ in range(2):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        listeners.append(srv)
    old = os.environ.get("OPENBAY_DNS_UPSTREAM")
    os.environ["OPENBAY_DNS_UPSTREAM"] = f"127.0.0.1:{resolver.port}"
    allowed_port = listeners[0].server_address[1]
    try:
        import tempfile
        with thread_server(Path(tempfile.mkdtemp(prefix="obnet-")),
                           allow_host_ports=str(allowed_port)) as server, \
                webhost.http_server(http.server.SimpleHTTPRequestHandler) as web:
            server.host_ports = [srv.server_address[1] for srv in listeners]
            server.web_port = web.server_port
            yield server
    finally:
        if old is None:
            os.environ.pop("OPENBAY_DNS_UPSTREAM", None)
        else:
            os.environ["OPENBAY_DNS_UPSTREAM"] = old
        for srv in listeners:
            srv.shutdown()


def _host_listening_ports() -> list[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A":
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


def _host_addresses() -> list[str]:
    out = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    return [line.split()[3].split("/")[0] for line in out.splitlines() if " lo " not in line]


def test_nothing_of_the_host_is_reachable(net_server, make_session):
    s = make_session(source=net_server)
    gateway = sh(s, "ip -4 route show default").split()[2]
    ports = _host_listening_ports()[:40]
    assert ports  # the test server itself listens on the host's loopback
    script = " ".join(f"{p}" for p in ports)
    # the session's own loopback is its own: none of the host's ports are there...
    found = sh(s, f"for p in {script}; do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && echo $p; done")
    assert found.strip() == ""
    # ...and through the host's addresses (its end of the session's link, its other interfaces)
    for address in [gateway, *_host_addresses()[:3]]:
        found = sh(s, f"for p in {script}; do timeout 2 bash -c \"exec 3<>/dev/tcp/{address}/$p\" "
                      "2>/dev/null && echo $p; done")
        assert found.strip() == "", (address, found)
    # nor the metadata range; refusals are immediate, never a hang
    assert connect(s, "169.254.169.254", 80) == "refused"
    assert connect(s, "127.0.0.1", int(net_server.base_url.rsplit(":", 1)[1])) == "refused"


def test_sessions_cannot_reach_each_other(net_server, make_session):
    a, b = make_session(source=net_server), make_session(source=net_server)
    sh(a, "nohup python3 -m http.server 9911 >/dev/null 2>&1 &")
    a_address = sh(a, "ip -4 -o addr show eth0").split()[3].split("/")[0]
    assert sh(a, "curl -s -o /dev/null -w '%{http_code}' --retry-connrefused --retry 120 --retry-delay 1 "
                 "http://127.0.0.1:9911/") == "200"  # once it listens
    assert connect(b, a_address, 9911) == "refused"
    assert connect(b, "127.0.0.1", 9911) == "refused"  # b's loopback is b's


def test_egress_by_cidr_and_by_name(net_server, make_session):
    open_ = make_session(source=net_server)
    strict = make_session(source=net_server, network_policy={
        "allow_out": ["allowed.test"], "deny_out": [f"{INET}.0/24", "denied.test", "*.blocked.test"]})
    # the default policy: public addresses are reachable, names resolve through the server
    port = net_server.web_port
    assert connect(open_, webhost.OTHER_ADDRESS, port) == "open"
    assert sh(open_, "getent hosts other.test").split()[0] == webhost.OTHER_ADDRESS
    # a CIDR denied: refused at once; an allowed name's address gets through it
    assert connect(strict, webhost.OTHER_ADDRESS, port) == "refused"
    assert sh(strict, f"curl -s -o /dev/null -w '%{{http_code}}' http://allowed.test:{port}/") == "200"
    # a denied name does not resolve at all
    assert "denied.test" not in sh(strict, "getent hosts denied.test || echo no")
    assert sh(strict, "getent hosts x.blocked.test || echo no").strip() == "no"
    # and each refusal is counted for the session
    backend = net_server.services.backend
    slot = backend._running[strict.session_id].net.slot
    counter = subprocess.run(["nft", "list", "counter", "inet", backend.firewall.table, f"s{slot}_denied"],
                             capture_output=True, text=True).stdout
    assert int(counter.split("packets")[1].split()[0]) > 0


def test_host_ports_only_when_both_sides_ask(net_server, make_session):
    allowed, other = net_server.host_ports
    asking = make_session(source=net_server, network_policy={"allow_host_ports": [allowed]})
    plain = make_session(source=net_server)
    url = f"http://host.openbay.internal:{allowed}/"
    assert sh(asking, f"curl -s -o /dev/null -w '%{{http_code}}' {url}") == "200"
    assert connect(asking, "host.openbay.internal", other) == "refused"
    assert connect(plain, "host.openbay.internal", allowed) == "refused"
