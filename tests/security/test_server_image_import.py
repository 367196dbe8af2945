"""Image archives are unpacked beneath the layer without following a link at any step: crafted
layers (an opaque folder, then a symlink in its place; a path through a symlink; hard links out)
answer 400 naming the entry and leave the host untouched. A host folder next to the image
store stands for "somewhere of the host's" (on the store's file system, so a hard link could land)."""
import os
import shutil
import tarfile
import uuid

import httpx
import pytest

from tests.helpers import oci_archives as oci
from tests.helpers.sessions import new_session


@pytest.fixture
def victim(server):
    """A folder of the host's, with a file in it, on the same file system as the image store."""
    store = server.services.images.store
    path = store.staging.parent / f"victim-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    (path / "secret").write_text("the host's own\n")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _import(server, archive: bytes, name: str) -> httpx.Response:
    key = server.new_owner_key(f"importer-{name}")
    return httpx.post(f"{server.base_url}/v1/templates/import", params={"name": name}, content=archive,
                      headers={"Authorization": f"Bearer {key}"}, timeout=120)


def _untouched(victim) -> None:
    assert sorted(os.listdir(victim)) == ["secret"]
    assert (victim / "secret").read_text() == "the host's own\n"
    assert os.stat(victim / "secret").st_nlink == 1
    assert "trusted.overlay.opaque" not in os.listxattr(victim)


def test_an_opaque_folder_then_a_symlink_in_its_place(server, victim):
    layer = oci.layer(oci.entry("a/b/.wh..wh..opq"), oci.entry("a", tarfile.SYMTYPE, linkname=str(victim)))
    r = _import(server, oci.oci_archive(layer), "tpl-opaque")
    assert r.status_code == 400, r.text
    assert "'a'" in r.json()["error"]["message"]
    _untouched(victim)
    assert not (victim / "b").exists()


def test_a_file_through_a_symlinked_path(server, victim):
    layer = oci.layer(oci.entry("link", tarfile.SYMTYPE, linkname=str(victim)),
                      oci.entry("link/planted", data=b"from the tenant"))
    r = _import(server, oci.oci_archive(layer), "tpl-symlinked")
    assert r.status_code == 400, r.text
    assert "link/planted" in r.json()["error"]["message"]
    _untouched(victim)


@pytest.mark.parametrize("linkname", ["{victim}/secret", "../../../../../../{victim}/secret"])
def test_a_hard_link_out_of_the_layer(server, victim, linkname):
    layer = oci.layer(oci.entry("h", tarfile.LNKTYPE, linkname=linkname.format(victim=victim)))
    r = _import(server, oci.oci_archive(layer), "tpl-hardlink")
    assert r.status_code == 400, r.text
    assert "'h'" in r.json()["error"]["message"]
    _untouched(victim)


def test_a_hard_link_to_a_symlink_that_points_out(server, victim):
    layer = oci.layer(oci.entry("s", tarfile.SYMTYPE, linkname=f"{victim}/secret"),
                      oci.entry("h", tarfile.LNKTYPE, linkname="s"))
    r = _import(server, oci.oci_archive(layer), "tpl-hardlink-sym")
    assert r.status_code == 400, r.text
    assert "'h'" in r.json()["error"]["message"]
    _untouched(victim)


def test_device_nodes_are_not_made_and_setuid_is_kept_on_files_only(server):
    dev = oci.entry("opt/dev-sda", tarfile.BLKTYPE)
    dev[0].devmajor, dev[0].devminor = 8, 0
    layer = oci.layer(dev, oci.entry("opt/tool", data=b"#!/bin/sh\n", mode=0o4755),
                      oci.entry("opt/shared", tarfile.DIRTYPE, mode=0o2775))
    key = server.new_owner_key("importer-devices")
    r = httpx.post(f"{server.base_url}/v1/templates/import", params={"name": "tpl-devices"},
                   content=oci.oci_archive(layer), headers={"Authorization": f"Bearer {key}"}, timeout=120)
    assert r.status_code == 201, r.text
    with server.client(key) as bay, new_session(bay, "tpl-devices") as s:
        out = s.command.execute_command("stat -c '%n %a' /opt/tool /opt/shared; test -e /opt/dev-sda; echo $?")
        assert out.output == "/opt/tool 4755\n/opt/shared 775\n1\n", out.output + out.stderr


def test_an_archive_is_refused_with_507_when_the_disk_is_short(tmp_path):
    from tests.helpers.server import thread_server
    with thread_server(tmp_path / "home", min_free_disk_mb=1 << 40) as short:  # more than any disk has
        r = httpx.post(f"{short.base_url}/v1/templates/import", params={"name": "tpl-short"},
                       content=oci.oci_archive(oci.layer(oci.entry("a.txt", data=b"a"))),
                       headers={"Authorization": f"Bearer {short.admin_key}"}, timeout=120)
        assert r.status_code == 507, r.text
        assert not list((tmp_path / "home" / "template-uploads").glob("*"))
