"""AgentBay's logging entry points (get_logger, log, AgentBayLogger.setup) on Python's own
logging: the "agentbay" logger, to the console and, when asked, to a file. AgentBay's
package logs through loguru; the calls programs make (info, debug, warning, error,
exception) are the same on both."""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

ROOT = "agentbay"
FORMAT = "%(asctime)s | AgentBay | %(levelname)s | %(name)s | %(message)s"
SIZES = {"KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def _bytes(size: str | None) -> int:
    """"10 MB" -> 10485760; 0 (no rotation) when unset or unreadable."""
    if not size:
        return 0
    number, _, unit = size.strip().partition(" ")
    try:
        return int(float(number) * SIZES.get(unit.strip().upper() or "MB", 1))
    except ValueError:
        return 0


class AgentBayLogger:
    """AgentBayLogger.setup(level=..., log_file=..., enable_console=..., enable_file=...)."""

    _initialized = False

    @classmethod
    def setup(cls, level: str = "INFO", log_file: str | Path | None = None, enable_console: bool = True,
              enable_file: bool = True, rotation: str | None = None, retention: str = "30 days",
              max_file_size: str | None = None, colorize: bool | None = None, force_reinit: bool = True) -> None:
        """Configure the "agentbay" logger. Unlike AgentBay's package, a file is written only when
        `log_file` (or AGENTBAY_LOG_FILE) names one: nothing lands in the working directory unasked."""
        if cls._initialized and not force_reinit:
            return
        logger = logging.getLogger(ROOT)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(level.upper())
        logger.propagate = False
        if enable_console:
            console = logging.StreamHandler(sys.stderr)
            console.setFormatter(logging.Formatter(FORMAT))
            logger.addHandler(console)
        path = log_file or os.environ.get("AGENTBAY_LOG_FILE")
        if enable_file and path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            size = _bytes(max_file_size or rotation or "10 MB")
            file = logging.handlers.RotatingFileHandler(path, maxBytes=size, backupCount=5 if size else 0)
            file.setFormatter(logging.Formatter(FORMAT))
            logger.addHandler(file)
        cls._initialized = True

    @classmethod
    def get_logger(cls, name: str | None = None) -> logging.Logger:
        if not cls._initialized:
            cls.setup(enable_file=False)
        return logging.getLogger(f"{ROOT}.{name}" if name and name != ROOT else ROOT)

    @classmethod
    def set_level(cls, level: str) -> None:
        cls.get_logger().setLevel(level.upper())


def get_logger(name: str = "agentbay") -> logging.Logger:
    return AgentBayLogger.get_logger(name)


log = logging.getLogger(ROOT)
