"""A test "web host": a network namespace of the test's own with two public-looking addresses.

Sessions have networks of their own and reach nothing on the host's loopback, so pages the
tests serve to a session's browser live on this host instead: two addresses in 198.51.100.0/24 (a
documentation range, routed only to this namespace while it exists), reachable from the
sessions (public addresses pass the default egress policy) and from the host; each test
process takes a /28 of that range of its own, so runs side by side do not meet. Listening
sockets are made inside the namespace by a thread that enters it for the bind; the server
threads that use them run in the test process as usual.
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import socket
import subprocess
import threading
from http.server import ThreadingHTTPServer

NET = "198.51.100"  # the whole documentation range; each test process takes a /28 of it
LOCKS = "/run/openbay-webhost"


def _claim_block() -> int:
    """A /28 of NET for this process, held by a lock that dies with it: test runs side by
    side on one machine get web hosts of their own instead of one another's routes."""
    os.makedirs(LOCKS, exist_ok=True)
    for block in range(16):
        f = open(f"{LOCKS}/{block}.lock", "w")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            continue
        _held.append(f)  # kept open (and locked) for the life of the process
        return block
    raise RuntimeError("sixteen test processes already hold a web host on this machine")


_held: list = []
_BASE = 16 * _claim_block()
GATEWAY, ADDRESS, OTHER_ADDRESS = (f"{NET}.{_BASE + i}" for i in (1, 2, 3))
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_lock = threading.Lock()
_host: dict = {}


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def _sweep_stale() -> None:
    """Web hosts of test processes that died without cleaning up."""
    for name in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
        owner = name[8:]
        if name.startswith("obt-web-") and not (owner.isdigit() and os.path.exists(f"/proc/{owner}")):
            subprocess.run(["ip", "link", "del", f"obtw{owner}"], capture_output=True)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _create() -> str:
    _sweep_stale()
    tag = os.getpid()  # one web host per test process; a dead process's is swept by the next
    ns, veth = f"obt-web-{tag}", f"obtw{tag}"
    _run("ip", "netns", "add", ns)
    _run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
    _run("ip", "addr", "add", f"{GATEWAY}/28", "dev", veth)
    _run("ip", "link", "set", veth, "up")
    for cmd in (["link", "set", "lo", "up"], ["addr", "add", f"{ADDRESS}/28", "dev", "eth0"],
                ["addr", "add", f"{OTHER_ADDRESS}/28", "dev", "eth0"], ["link", "set", "eth0", "up"],
                ["route", "add", "default", "via", GATEWAY]):
        _run("ip", "-n", ns, *cmd)
    import atexit
    atexit.register(lambda: (subprocess.run(["ip", "link", "del", veth], capture_output=True),
                             subprocess.run(["ip", "netns", "del", ns], capture_output=True)))
    return ns


def namespace() -> str:
    """The web host's namespace, made on first use and kept for the test run."""
    with _lock:
        if "ns" not in _host:
            _host["ns"] = _create()
        return _host["ns"]


def listen(port: int = 0, address: str = "0.0.0.0") -> socket.socket:
    """A TCP socket listening inside the web host."""
    ns = namespace()
    made: dict = {}

    def inside() -> None:
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if _libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the web host failed")
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, port))
                sock.listen(128)
                made["sock"] = sock
            finally:
                _libc.setns(own, CLONE_NEWNET)
        except BaseException as e:
            made["error"] = e
        finally:
            os.close(own)
            os.close(target)

    thread = threading.Thread(target=inside)
    thread.start()
    thread.join()
    if "error" in made:
        raise made["error"]
    return made["sock"]


@contextlib.contextmanager
def http_server(handler) -> ThreadingHTTPServer:
    """An HTTP server on the web host (both addresses); yields the server (port in server_port)."""
    httpd = ThreadingHTTPServer(("0.0.0.0", 0), handler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = listen()
    httpd.server_address = httpd.socket.getsockname()
    httpd.server_port = httpd.server_address[1]
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
