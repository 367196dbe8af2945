"""A session is a small machine of its own: root, packages, image names users already type."""
import httpx


def sh(s, cmd: str, timeout_ms: int = 240_000):
    return s.command.execute_command(cmd, timeout_ms=timeout_ms)


def test_apt_pip_and_npm_installs_work_and_stay_in_their_session(make_session):
    a = make_session()
    b = make_session()
    out = sh(a, "apt-get update -q >/dev/null && apt-get install -y -q figlet >/dev/null && figlet -v | head -1")
    assert out.exit_code == 0, out.output + out.stderr
    out = sh(a, "pip install -q six && python3 -c 'import six; print(six.__name__)'")
    assert out.exit_code == 0 and out.output.strip().endswith("six"), out.output + out.stderr
    out = sh(a, "npm i -g --silent is-number && ls \"$(npm root -g)\"")
    assert out.exit_code == 0 and "is-number" in out.output, out.output + out.stderr
    # none of it reached the other session (nor the image)
    out = sh(b, "which figlet; python3 -c 'import six' 2>&1; ls \"$(npm root -g)\"")
    assert "/usr/bin/figlet" not in out.output and "No module named" in out.output
    assert "is-number" not in out.output


def _post(server, path: str, **kw):
    return httpx.post(server.base_url + path, headers={"Authorization": f"Bearer {server.admin_key}"},
                      timeout=60, **kw)


def test_agentbay_image_names_resolve(server, make_session):
    s = make_session("linux_latest")
    assert s.info().image_id == "linux"
    assert sh(s, "whoami").output == "root\n"
    r = _post(server, "/v1/sessions", json={"image_id": "windows_latest"})
    assert r.status_code == 400 and "not available on this host" in r.json()["error"]["message"]


def test_unknown_image_is_404_listing_what_exists(server):
    r = _post(server, "/v1/sessions", json={"image_id": "no-such-image"})
    assert r.status_code == 404
    message = r.json()["error"]["message"]
    for name in ("linux", "code", "browser", "computer", "mobile"):
        assert name in message


def test_snapshot_and_fork(bay, make_session):
    s = make_session()
    s.command.execute_command("echo v1 > /home/user/state.txt; rm /etc/debian_version; "
                              "mkdir -p /srv/app && echo x > /srv/app/f")
    snap = s.snapshot("before the change")
    assert snap.session_id == s.session_id and snap.name == "before the change" and snap.image_id == "linux"
    s.command.execute_command("echo v2 > /home/user/state.txt")
    forks = [make_session(snapshot_id=snap.snapshot_id) for _ in range(2)]
    for f in forks:
        out = f.command.execute_command("cat /home/user/state.txt /srv/app/f; "
                                        "test -e /etc/debian_version; echo $?")
        assert out.output == "v1\nx\n1\n", out.output + out.stderr
    # forks are independent of each other and of the original
    forks[0].command.execute_command("echo fork0 > /home/user/state.txt")
    assert forks[1].command.execute_command("cat /home/user/state.txt").output == "v1\n"
    assert s.command.execute_command("cat /home/user/state.txt").output == "v2\n"
    for each in (*forks, s):
        each.delete()
    # the snapshot outlives its session
    assert snap.snapshot_id in [x.snapshot_id for x in bay.snapshot.list()]
    assert bay.snapshot.get(snap.snapshot_id).size_bytes > 0
    bay.snapshot.delete(snap.snapshot_id)
    assert snap.snapshot_id not in [x.snapshot_id for x in bay.snapshot.list()]
