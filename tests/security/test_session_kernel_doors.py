"""Seccomp is an allow list: the kernel doors recent escapes went through are shut from inside."""
import json
import platform

import pytest

from tests.security.conftest import run

# (x86_64, aarch64) numbers of the calls tried below
NUMBERS = {"clone": (56, 220), "clone3": (435, 435), "io_uring_setup": (425, 425), "bpf": (321, 280),
           "perf_event_open": (298, 241), "userfaultfd": (323, 282), "keyctl": (250, 219),
           "add_key": (248, 217), "unshare": (272, 97), "init_module": (175, 105), "kexec_load": (246, 104)}
CLONE_NEWUSER, CLONE_NEWNET, SIGCHLD = 0x10000000, 0x40000000, 17

PROBE = r'''
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
nr = json.loads(sys.argv[1])
def call(name, *args):
    ctypes.set_errno(0)
    r = libc.syscall(nr[name], *[ctypes.c_long(a) for a in args])
    if r == 0 and name == "clone":
        os._exit(0)  # the child of a clone that worked: gone at once
    return [r, ctypes.get_errno()]
buf = ctypes.create_string_buffer(256)
out = {
    "clone": call("clone", 0x10000000 | 0x40000000 | 17, 0, 0, 0, 0),
    "clone3": call("clone3", ctypes.addressof(buf), 88),
    "io_uring_setup": call("io_uring_setup", 1, ctypes.addressof(buf)),
    "bpf": call("bpf", 0, ctypes.addressof(buf), 72),
    "perf_event_open": call("perf_event_open", ctypes.addressof(buf), 0, -1, -1, 0),
    "userfaultfd": call("userfaultfd", 0),
    "keyctl": call("keyctl", 0, -3, 0),
    "add_key": call("add_key", 0, 0, 0, 0, -3),
    "unshare": call("unshare", 0x10000000),
    "init_module": call("init_module", 0, 0, 0),
    "kexec_load": call("kexec_load", 0, 0, 0, 0),
}
if out["clone"][0] > 0:  # it worked: reap the child if it is ours to reap
    try:
        os.waitpid(out["clone"][0], 0)
    except ChildProcessError:
        pass
print(json.dumps(out))
'''


def test_kernel_doors_are_shut_from_inside(session):
    arch = {"x86_64": 0, "aarch64": 1}.get(platform.machine())
    if arch is None:
        pytest.skip("system call numbers known for x86_64 and aarch64 only")
    session.file_system.write_file("/tmp/probe.py", PROBE)
    numbers = json.dumps({k: v[arch] for k, v in NUMBERS.items()})
    got = json.loads(run(session, f"python3 /tmp/probe.py '{numbers}'").strip().splitlines()[-1])
    eperm, enosys = 1, 38
    assert got["clone"] == [-1, eperm]  # namespace flags refused; plain fork/clone work (below)
    assert got["clone3"] == [-1, enosys]  # so glibc falls back to clone
    for name in ("io_uring_setup", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "unshare",
                 "init_module", "kexec_load"):
        assert got[name] == [-1, eperm], (name, got[name])
    assert "NoNewPrivs:\t1" in run(session, "cat /proc/self/status")
    # what programs do every day still works: threads, fork, exec, pipes, sockets
    assert run(session, "python3 -c 'import threading,subprocess; t=threading.Thread(target=print); t.start(); "
                        "t.join(); print(subprocess.run([\"echo\",\"ok\"],capture_output=True).stdout)'") \
        == "\nb'ok\\n'\n"
    assert "Operation not permitted" in run(session, "unshare -Ur true 2>&1")
