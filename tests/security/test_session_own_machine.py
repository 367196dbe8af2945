"""/sys and /proc show the session its own machine: nothing of other sessions or the host's hardware."""
from pathlib import Path

from tests.security.conftest import run


def _host_macs() -> set[str]:
    macs = set()
    for dev in Path("/sys/class/net").iterdir():
        try:
            mac = (dev / "address").read_text().strip()
        except OSError:
            continue
        if mac and mac != "00:00:00:00:00:00":
            macs.add(mac)
    return macs


def test_sysfs_tells_nothing_of_other_sessions_or_the_host(server, two_owners):
    a, b = two_owners
    seen = run(a, "cat /sys/block/*/loop/backing_file /sys/devices/virtual/block/*/loop/backing_file "
                  "/proc/diskstats /proc/partitions 2>/dev/null; ls /sys/block /sys/class/block 2>/dev/null; "
                  "find /sys/devices -name address -path '*/net/*' 2>/dev/null | xargs cat 2>/dev/null; "
                  "cat /sys/devices/virtual/dmi/id/* /sys/class/dmi/id/* 2>/dev/null | head -50")
    assert b.session_id not in seen and a.session_id not in seen
    assert "disk.img" not in seen and "loop" not in seen
    own_mac = run(a, "cat /sys/class/net/eth0/address").strip()
    assert len(own_mac) == 17  # its own network device is there
    assert not (_host_macs() - {own_mac}) & set(seen.split())
    # the network devices it sees are its own namespace's
    assert sorted(run(a, "ls /sys/class/net").split()) == ["eth0", "lo"]
