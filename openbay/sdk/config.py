"""Where the SDK finds its server and key when they are not passed in."""
import json
import os
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:8730"


def state_dir() -> Path:
    return Path(os.environ.get("OPENBAY_HOME") or Path.home() / ".openbay")


def find_api_key(given: str | None) -> str:
    """The key passed in, else OPENBAY_API_KEY, else the local server's admin key file."""
    if given:
        return given
    if os.environ.get("OPENBAY_API_KEY"):
        return os.environ["OPENBAY_API_KEY"]
    try:
        return (state_dir() / "admin_key").read_text().strip()
    except OSError:
        return ""


def find_base_url(given: str | None) -> str:
    """The URL passed in, else OPENBAY_BASE_URL, else where the local server said it listens."""
    if given:
        return given.rstrip("/")
    if os.environ.get("OPENBAY_BASE_URL"):
        return os.environ["OPENBAY_BASE_URL"].rstrip("/")
    try:
        return json.loads((state_dir() / "server.json").read_text())["base_url"].rstrip("/")
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_BASE_URL
