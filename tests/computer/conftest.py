"""Computer tests: a real server, real sandboxes with a real Xvfb, openbox, xdotool."""
import struct

import pytest

from tests.helpers.sandbox_procs import sandbox_pids
from tests.helpers.sessions import new_session


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def window_titled(session, text: str):
    windows = session.window.list_root_windows()
    return next((w for w in windows.data if text in w.title), None)


def pids_of(session_id: str, name: str) -> list[int]:
    """Host pids of the sandbox's processes called `name`."""
    return sandbox_pids(session_id, name)


@pytest.fixture(scope="module")
def computer_session(server):
    """One computer session shared by a module's tests (a computer takes a while to start)."""
    with new_session(server, "computer") as s:
        yield s


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, RGB rows) of an 8-bit RGB PNG without filters (what envd writes)."""
    import zlib
    width, height = png_size(data)
    assert data[24:26] == b"\x08\x02", "not 8-bit RGB"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    assert len(raw) == stride * height
    assert all(raw[i * stride] == 0 for i in range(height))
    return width, height, b"".join(raw[i * stride + 1:(i + 1) * stride] for i in range(height))


def pixel(decoded, x: int, y: int) -> tuple[int, int, int]:
    width, _, rgb = decoded
    i = (y * width + x) * 3
    return tuple(rgb[i:i + 3])
