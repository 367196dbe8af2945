"""Unpacking one image layer (a tar stream) beneath a fixed root, never following a link.

The host's root does the writing, so every step is taken from a directory descriptor
with O_NOFOLLOW (what openat2's RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS does in one call):
a path is walked one name at a time from the layer's root, each folder opened with
O_DIRECTORY|O_NOFOLLOW, and each entry made with *at() calls relative to its folder's
descriptor. A symbolic link anywhere on the way — one the layer made a moment before
included — ends the import with the entry's name, as do absolute-looking or `..` names
after normalizing, hard links whose source is not a file already in this layer, and an
entry that would turn a folder into something else.

What each kind of entry becomes (the documented rule):
- files, folders, symlinks, hard links, FIFOs: made as given; owners shifted into the
  sandbox id range (ids outside 0..65535 become root inside); symlink targets are
  stored as text and only ever resolved inside a session;
- setuid/setgid bits: kept on regular files only (their owners are ids of the session's
  range, and the session's root is mounted nosuid), dropped on everything else;
- device nodes: never made (the runtime gives each session its /dev), except the 0/0
  character device that is overlayfs' whiteout;
- OCI whiteouts: `.wh.<name>` becomes an overlayfs whiteout of <name>; `.wh..wh..opq`
  marks its own folder (opened as above, never a link) opaque.
"""
from __future__ import annotations

import errno
import os
import stat
import tarfile
from pathlib import PurePosixPath

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_CHUNK = 1 << 20


class BadLayer(Exception):
    """An entry the importer refuses; the message names it."""


class LayerTooLarge(Exception):
    """The layer would pass the import's size cap, or the disk ran out."""


def safe_parts(name: str) -> tuple[str, ...]:
    """The components of an entry's name beneath the layer's root; BadLayer for `..`."""
    parts = tuple(p for p in PurePosixPath(name.lstrip("/")).parts if p not in ("", "."))
    if ".." in parts:
        raise BadLayer(f"entry {name!r} leaves the layer (..)")
    return parts


class LayerWriter:
    def __init__(self, root_fd: int, host_id_base: int, host_id_count: int, max_bytes: int):
        self.root_fd = root_fd
        self.id_base, self.id_count = host_id_base, host_id_count
        self.left = max_bytes

    def _id(self, n: int) -> int:
        return self.id_base + (n if 0 <= n < self.id_count else 0)

    def _folder(self, parts: tuple[str, ...], entry: str) -> int:
        """A descriptor of the folder `parts` beneath the root, made (root-owned inside) where
        missing; never through a symbolic link. The caller closes it."""
        fd = os.dup(self.root_fd)
        try:
            for part in parts:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                    os.chown(part, self.id_base, self.id_base, dir_fd=fd, follow_symlinks=False)
                except FileExistsError:
                    pass
                try:
                    nxt = os.open(part, _DIR, dir_fd=fd)
                except OSError as e:
                    if e.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise BadLayer(f"entry {entry!r} goes through {part!r}, which is not a folder "
                                       "(a symbolic link or a file)") from None
                    raise
                os.close(fd)
                fd = nxt
            return fd
        except BaseException:
            os.close(fd)
            raise

    def _clear(self, dir_fd: int, name: str, member: tarfile.TarInfo) -> None:
        """Make room for an entry: a non-folder of that name goes; a folder stays only for a folder."""
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            if not member.isdir():
                raise BadLayer(f"entry {member.name!r} would replace a folder with a non-folder")
            return
        os.unlink(name, dir_fd=dir_fd)

    def write(self, layer: tarfile.TarFile, member: tarfile.TarInfo) -> str | None:
        """Unpack one entry; the folder (relative path) an opaque marker names, else None."""
        parts = safe_parts(member.name)
        if not parts:
            return None
        name = parts[-1]
        fd = self._folder(parts[:-1], member.name)
        try:
            if name == OPAQUE:
                os.setxattr(f"/proc/self/fd/{fd}", "trusted.overlay.opaque", b"y")
                return "/".join(parts[:-1])
            if name.startswith(WHITEOUT):
                gone = name[len(WHITEOUT):]
                if not gone or gone in (".", ".."):
                    raise BadLayer(f"entry {member.name!r} is not a whiteout of a name")
                self._clear(fd, gone, tarfile.TarInfo(member.name))
                os.mknod(gone, stat.S_IFCHR | 0o000, os.makedev(0, 0), dir_fd=fd)
                os.chown(gone, self.id_base, self.id_base, dir_fd=fd, follow_symlinks=False)
                return None
            self._clear(fd, name, member)
            self._make(layer, member, fd, name)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise LayerTooLarge("the disk is full") from None
            raise BadLayer(f"entry {member.name!r}: {e.strerror}") from None
        finally:
            os.close(fd)
        return None

    def _make(self, layer: tarfile.TarFile, member: tarfile.TarInfo, fd: int, name: str) -> None:
        uid, gid = self._id(member.uid), self._id(member.gid)
        mode = member.mode & 0o1777  # setuid/setgid only on regular files, below
        if member.isdir():
            try:
                os.mkdir(name, 0o700, dir_fd=fd)
            except FileExistsError:
                pass
            os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
            os.chmod(name, mode, dir_fd=fd, follow_symlinks=False)
        elif member.isreg():
            self._file(layer, member, fd, name, uid, gid)
        elif member.issym():
            os.symlink(member.linkname, name, dir_fd=fd)
            os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
        elif member.islnk():
            try:
                source = safe_parts(member.linkname)
            except BadLayer:
                source = ()
            if not source:
                raise BadLayer(f"entry {member.name!r} is a hard link to {member.linkname!r}, out of the layer")
            src_fd = self._folder(source[:-1], member.name)
            try:
                if not stat.S_ISREG(os.stat(source[-1], dir_fd=src_fd, follow_symlinks=False).st_mode):
                    raise BadLayer(f"entry {member.name!r} is a hard link to {member.linkname!r}, "
                                   "not a file of this layer")
                os.link(source[-1], name, src_dir_fd=src_fd, dst_dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                raise BadLayer(f"entry {member.name!r} is a hard link to {member.linkname!r}, "
                               "which this layer does not have") from None
            finally:
                os.close(src_fd)
        elif member.isfifo():
            os.mkfifo(name, mode, dir_fd=fd)
            os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
        elif member.ischr() and member.devmajor == 0 and member.devminor == 0:
            os.mknod(name, stat.S_IFCHR | 0o000, os.makedev(0, 0), dir_fd=fd)  # a whiteout already
            os.chown(name, self.id_base, self.id_base, dir_fd=fd, follow_symlinks=False)
        # other device nodes are never made: the runtime gives each session its own /dev

    def _file(self, layer: tarfile.TarFile, member: tarfile.TarInfo, fd: int, name: str, uid: int, gid: int) -> None:
        self.left -= member.size
        if self.left < 0:
            raise LayerTooLarge(f"entry {member.name!r} takes the image past the import's size cap")
        src = layer.extractfile(member)
        out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=fd)
        try:
            while chunk := src.read(_CHUNK):
                os.write(out, chunk)
            os.fchown(out, uid, gid)
            os.fchmod(out, member.mode & 0o7777)  # after the chown, which would clear setuid
            os.utime(out, (member.mtime, member.mtime))
        finally:
            os.close(out)


def unpack(fileobj, root_fd: int, host_id_base: int, host_id_count: int, max_bytes: int) -> int:
    """Unpack a layer stream beneath the folder `root_fd`; the bytes of file data it held."""
    try:
        layer = tarfile.open(fileobj=fileobj, mode="r|*")
    except tarfile.TarError as e:
        raise BadLayer(f"a layer is not a tar archive ({e}); zstd layers are not supported") from None
    writer = LayerWriter(root_fd, host_id_base, host_id_count, max_bytes)
    try:
        with layer:
            for member in layer:
                writer.write(layer, member)
    except tarfile.TarError as e:
        raise BadLayer(f"a layer is damaged ({e})") from None
    return max_bytes - writer.left
