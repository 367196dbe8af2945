"""ClientOptions and load_config("mate.yaml"), validated as WyseOS Mate's SDK validates them.
Against OpenBay the key is an OpenBay API key (ob_...); a jwt_token is sent the same way."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openbay.sdk.config import find_base_url

from .errors import ConfigError

DEFAULT_CONFIG_FILE = "mate.yaml"
DEFAULT_TIMEOUT = 30


class ClientOptions(BaseModel):
    """api_key or jwt_token (either is sent as the bearer credential), base_url (http:// or
    https://, a trailing slash dropped; default: the local OpenBay server), timeout 1..300 s."""
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    api_key: str | None = Field(default=None, min_length=1)
    jwt_token: str | None = Field(default=None, min_length=1)
    base_url: str = Field(default_factory=lambda: find_base_url(None), min_length=1)
    timeout: int = Field(default=DEFAULT_TIMEOUT, ge=1, le=300)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("Base URL must start with http:// or https://")
        return v.rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _api_key(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("API key cannot be empty")
        return v


def load_config(config_path: str | Path | None = None) -> ClientOptions:
    """ClientOptions from a YAML file (default ./mate.yaml); its keys may sit under `mate:`."""
    path = Path(config_path) if config_path is not None else Path.cwd() / DEFAULT_CONFIG_FILE
    if not path.exists():
        raise ConfigError(f"Configuration file not found: {path}")
    if not path.is_file():
        raise ConfigError(f"Configuration path is not a file: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"Invalid YAML in configuration file: {e}", cause=e) from e
    except OSError as e:
        raise ConfigError(f"Unable to read configuration file: {e}", cause=e) from e
    if not isinstance(data, dict):
        raise ConfigError("Configuration file must contain a YAML dictionary")
    if isinstance(data.get("mate"), dict):
        data = data["mate"]
    try:
        return ClientOptions(**data)
    except ValidationError as e:
        raise ConfigError(f"Invalid configuration in {path}: {e}", cause=e) from e
