"""Each session runs in a host id block of its own; nothing it makes is setuid on the host."""
import os
import subprocess
from pathlib import Path

from tests.security.conftest import host_uid_of, run

SANDBOX_IDS_FROM = 1_000_000


def test_a_setuid_file_made_inside_gives_nothing_on_the_host(server, session):
    run(session, "cp /bin/bash /tmp/sb-suid && chmod 4755 /tmp/sb-suid && ls -l /tmp/sb-suid")
    directory = server.services.backend.root / session.session_id
    copy = directory / "rootfs" / "tmp" / "sb-suid"
    assert copy.exists()
    # the attack: run it on the host as nobody
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        str(copy), "-p", "-c", "id -u"], capture_output=True, text=True)
    assert not any(w.isdigit() and int(w) >= SANDBOX_IDS_FROM for w in r.stdout.split()), r.stdout
    # even for a host user who can reach it, the session's root is never setuid nor a device
    options = next(line.split()[5] for line in Path("/proc/self/mountinfo").read_text().splitlines()
                   if line.split()[4] == str(directory / "rootfs"))
    assert {"nosuid", "nodev"} <= set(options.split(","))


def test_two_sessions_never_share_a_host_uid(server, two_owners):
    a, b = two_owners
    ua, ub = host_uid_of(server, a, "4101"), host_uid_of(server, b, "4102")
    assert ua >= SANDBOX_IDS_FROM and ub >= SANDBOX_IDS_FROM
    assert abs(ua - ub) >= 65_536  # blocks, not single ids: no id inside one is inside the other
    # files a session makes are its block's on the host; the image stays shared
    run(a, "touch /tmp/mine")
    assert os.stat(server.services.backend.root / a.session_id / "rootfs/tmp/mine").st_uid == ua
    assert os.stat(server.services.backend.root / a.session_id / "rootfs/usr/bin/ls").st_uid == ua
    assert run(a, "stat -c %U /usr/bin/ls /tmp/mine; apt-get --version | head -1").startswith("root\nroot\napt ")
