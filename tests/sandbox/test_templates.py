"""Templates: an owner's own images, built from ours or imported from an OCI archive."""
import io
import json
import tarfile

import httpx
import pytest

from tests.helpers import oci_archives as oci


def _h(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def _build(server, key: str, body: dict) -> list[dict]:
    with httpx.stream("POST", server.base_url + "/v1/templates", json=body, headers=_h(key), timeout=600) as r:
        if r.status_code != 200:
            r.read()
            return [{"type": "http", "status": r.status_code, "body": r.json()}]
        return [json.loads(line) for line in r.iter_lines() if line]


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_build_use_and_delete_a_template(server, make_session):
    key = server.admin_key
    up = httpx.post(server.base_url + "/v1/templates/uploads", content=_tar({"run.sh": b"#!/bin/sh\necho app-ok\n"}),
                    headers=_h(key))
    assert up.status_code == 201, up.text
    events = _build(server, key, {"name": "tpl-figlet", "from": "linux", "apt": ["figlet"],
                                  "copy": [{"upload_id": up.json()["upload_id"], "dest": "/app"}],
                                  "run": ["echo built > /etc/built-by-template"], "env": {"TPL_ENV": "yes"}})
    assert events[-1]["type"] == "done", events[-5:]
    assert any("apt-get install" in e.get("line", "") for e in events)  # the log streamed
    assert events[-1]["template"]["kind"] == "linux"
    log = httpx.get(server.base_url + "/v1/templates/tpl-figlet/log", headers=_h(key))
    assert "figlet" in log.text  # and was kept

    s = make_session("tpl-figlet")
    out = s.command.execute_command("figlet -v | head -1; /app/run.sh; cat /etc/built-by-template; echo $TPL_ENV")
    assert out.exit_code == 0 and "app-ok\nbuilt\nyes\n" in out.output, out.output + out.stderr
    # in use: not deletable
    r = httpx.delete(server.base_url + "/v1/templates/tpl-figlet", headers=_h(key))
    assert r.status_code == 409
    # another owner neither sees nor uses it
    other = server.new_owner_key("tpl-other")
    assert httpx.get(server.base_url + "/v1/templates/tpl-figlet", headers=_h(other)).status_code == 404
    r = httpx.post(server.base_url + "/v1/sessions", json={"image_id": "tpl-figlet"}, headers=_h(other))
    assert r.status_code == 404
    names = [t["name"] for t in httpx.get(server.base_url + "/v1/templates", headers=_h(key)).json()["templates"]]
    assert "tpl-figlet" in names and "linux" in names
    s.delete()
    assert httpx.delete(server.base_url + "/v1/templates/tpl-figlet", headers=_h(key)).status_code == 204
    assert httpx.get(server.base_url + "/v1/templates/tpl-figlet", headers=_h(key)).status_code == 404


def test_a_failed_build_says_why_and_registers_nothing(server):
    events = _build(server, server.admin_key, {"name": "tpl-broken", "apt": ["openbay-no-such-package"]})
    assert events[-1]["type"] == "error"
    assert "exit code" in events[-1]["message"]
    assert "openbay-no-such-package" in events[-1]["log_tail"]
    r = httpx.get(server.base_url + "/v1/templates/tpl-broken", headers=_h(server.admin_key))
    assert r.status_code == 404


@pytest.mark.parametrize("body,status", [
    ({"name": "linux", "apt": ["figlet"]}, 422),
    ({"name": "Bad Name", "apt": ["figlet"]}, 422),
    ({"name": "tpl-x", "apt": ["figlet; rm -rf /"]}, 422),
    ({"name": "tpl-x"}, 422),
    ({"name": "tpl-x", "from": "nope", "apt": ["figlet"]}, 404),
])
def test_bad_template_requests(server, body, status):
    assert _build(server, server.admin_key, body)[0]["status"] == status


def _oci_archive(files: dict[str, bytes], whiteouts: list[str], env: list[str]) -> bytes:
    """An OCI image layout, as `skopeo copy ... oci-archive:` writes it."""
    whiteout_entries = []
    for name in whiteouts:
        dirname, _, base = name.rpartition("/")
        whiteout_entries.append(oci.entry(f"{dirname}/.wh.{base}"))
    return oci.oci_archive(oci.layer(*(oci.entry(n, data=d) for n, d in files.items()), *whiteout_entries), env=env)


def test_import_an_oci_archive(server, make_session):
    archive = _oci_archive({"opt/team/hello.txt": b"from our registry\n"}, whiteouts=["etc/debian_version"],
                           env=["TEAM=platform", "PATH=/should/not/win"])
    r = httpx.post(server.base_url + "/v1/templates/import", params={"name": "tpl-oci"}, content=archive,
                   headers=_h(server.admin_key), timeout=120)
    assert r.status_code == 201, r.text
    s = make_session("tpl-oci")
    try:
        out = s.command.execute_command("cat /opt/team/hello.txt; echo $TEAM; test -e /etc/debian_version; echo $?")
        assert out.output == "from our registry\nplatform\n1\n", out.output + out.stderr
    finally:
        s.delete()
        httpx.delete(server.base_url + "/v1/templates/tpl-oci", headers=_h(server.admin_key))


@pytest.mark.parametrize("content,needle", [
    (b"this is not a tar archive at all", "cannot read the archive"),
    (_tar({"hello.txt": b"hi"}), "neither index.json"),
])
def test_a_corrupt_archive_is_400_saying_why(server, content, needle):
    r = httpx.post(server.base_url + "/v1/templates/import", params={"name": "tpl-bad"}, content=content,
                   headers=_h(server.admin_key))
    assert r.status_code == 400 and needle in r.json()["error"]["message"]


def test_sdk_and_cli_build_with_copy_and_log(server, bay, tmp_path, make_session):
    app = tmp_path / "app"
    app.mkdir()
    (app / "Makefile").write_text("all:\n\techo made > /app/made.txt\n")
    lines = []
    info = bay.template.build("tpl-sdk", copy=[(app, "/app")], run=["cd /app && sh -c \"$(sed -n 2p Makefile)\""],
                              on_log=lines.append)
    assert info.name == "tpl-sdk" and info.parent == "linux" and any("copy to /app" in line for line in lines)
    s = make_session("tpl-sdk")
    assert s.command.execute_command("cat /app/made.txt").output == "made\n"
    s.delete()
    import os
    import subprocess
    import sys
    env = {**os.environ, "OPENBAY_BASE_URL": server.base_url, "OPENBAY_API_KEY": server.admin_key}
    listed = subprocess.run([sys.executable, "-m", "openbay.cli.main", "template", "list"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "tpl-sdk" in listed.stdout and "linux" in listed.stdout
    bay.template.delete("tpl-sdk")
    from openbay.sdk.errors import NotFoundError
    with pytest.raises(NotFoundError):
        bay.template.get("tpl-sdk")
