"""Replace a file whole or not at all: write a hidden temporary file beside it, then
rename it over the target. Readers see the old content or the new, never half of it,
and a failed or abandoned write leaves nothing behind."""
import os
import secrets
import stat


class ReplacingFile:
    """An fd to write the new content to; `commit()` puts it in place, `discard()` drops it."""

    def __init__(self, path: str):
        self.path = path
        self.temp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{secrets.token_hex(4)}.part")
        self.fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:  # keep the mode of the file we replace
            os.fchmod(self.fd, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass

    def commit(self) -> None:
        os.close(self.fd)
        self.fd = -1
        os.replace(self.temp, self.path)
        self.temp = None

    def discard(self) -> None:
        """Drop what was written (nothing after a commit)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.temp:
            os.unlink(self.temp)
            self.temp = None
