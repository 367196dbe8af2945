"""Logging: plain lines, or one JSON object per line with OPENBAY_LOG_JSON=1.

Secrets never reach a log: `redact` masks, wherever they appear in a message or a field,
OpenBay API keys, signed link tokens, bearer credentials, credentials in query strings, and
the values the server was told to hide (its model key).
"""
import json
import logging
import re
import sys
import time

_KEY = re.compile(r"ob_[A-Za-z0-9_-]{8,}")
_LINK_TOKEN = re.compile(r"\b\d{9,11}\.[0-9a-f]{32}\b")  # links.py: <expires>.<mac>
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',;]+")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:[a-z_]*token|api_?key|key|secret|password)=)[^&\s\"']+")
_hidden: set[str] = set()


def hide(value: str) -> None:
    """Mask this value in every log line from now on (e.g. the server's model key)."""
    if value and len(value) >= 6:
        _hidden.add(value)


def redact(text: str) -> str:
    for value in _hidden:
        text = text.replace(value, "[hidden]")
    text = _KEY.sub(lambda m: m.group(0)[:7] + "…", text)
    text = _BEARER.sub(lambda m: m.group(1) + " …", text)
    text = _QUERY_SECRET.sub(lambda m: m.group(1) + "…", text)
    return _LINK_TOKEN.sub("[link token]", text)


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": round(time.time(), 3), "level": record.levelname.lower(),
               "logger": record.name, "msg": redact(record.getMessage())}
        out.update({k: _redacted(v) for k, v in getattr(record, "fields", {}).items()})
        if record.exc_info:
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, default=str)


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        line = super().format(record)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return redact(line)


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if json_lines else
                         _PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("openbay")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # the access log is noisy at INFO on a busy server; keep it for JSON (shipped logs)
    logging.getLogger("openbay.access").setLevel(level if json_lines else logging.WARNING)
