"""Signed, expiring tokens that let a URL stand in for an API key (session pages)."""
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

SECRET_FILE = "link_secret"


def load_secret(home: Path) -> bytes:
    """OPENBAY_LINK_SECRET (hex; the same for every replica of one deployment), else the
    secret kept in the state directory (made on first use)."""
    given = os.environ.get("OPENBAY_LINK_SECRET", "").strip()
    if given:
        try:
            return bytes.fromhex(given)
        except ValueError:
            raise SystemExit("OPENBAY_LINK_SECRET must be hex (e.g. from: openssl rand -hex 32)") from None
    path = home / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        secret = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret.hex())
        return secret


class LinkSigner:
    def __init__(self, secret: bytes):
        self._secret = secret

    def _mac(self, subject: str, purpose: str, expires: int) -> str:
        msg = f"{purpose}|{subject}|{expires}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def sign(self, subject: str, purpose: str, ttl_s: int) -> str:
        expires = int(time.time()) + ttl_s
        return f"{expires}.{self._mac(subject, purpose, expires)}"

    def verify(self, token: str, subject: str, purpose: str) -> bool:
        expires, _, mac = token.partition(".")
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(mac, self._mac(subject, purpose, int(expires)))
