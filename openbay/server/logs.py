"""Logging: plain lines, or one JSON object per line with OPENBAY_LOG_JSON=1.

Secrets never reach a log: `redact` masks API keys wherever they appear.
"""
import json
import logging
import re
import sys
import time

_KEY = re.compile(r"ob_[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    return _KEY.sub(lambda m: m.group(0)[:7] + "…", text)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": round(time.time(), 3), "level": record.levelname.lower(),
               "logger": record.name, "msg": redact(record.getMessage())}
        out.update(getattr(record, "fields", {}))
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
