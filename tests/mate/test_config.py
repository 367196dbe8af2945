"""ClientOptions and load_config as WyseOS Mate documents them (no server needed)."""
import pytest
from pydantic import ValidationError

from openbay.mate import Client, ClientOptions, ConfigError, load_config


def test_client_options_are_validated_as_mate_does():
    o = ClientOptions(api_key="ob_key", base_url="https://bay.example/", timeout=30)
    assert o.base_url == "https://bay.example" and o.timeout == 30  # the trailing slash goes
    for bad in ({"base_url": "bay.example"}, {"timeout": 0}, {"timeout": 301}, {"api_key": ""},
                {"api_key": "   "}, {"jwt_token": ""}, {"region": "cn"}):
        with pytest.raises(ValidationError):
            ClientOptions(**bad)
    with pytest.raises(ValidationError):  # assignments are validated too
        o.timeout = 1000
    client = Client(ClientOptions(jwt_token="ob_token", base_url="http://127.0.0.1:1"))
    assert client.jwt_token == "ob_token" and client.api_key is None and client.timeout == 30
    assert client.auth_headers == {"Authorization": "Bearer ob_token"}
    client.close()


def test_load_config_reads_mate_yaml(tmp_path, monkeypatch):
    (tmp_path / "mate.yaml").write_text("api_key: ob_abc\nbase_url: http://127.0.0.1:8730\ntimeout: 12\n")
    monkeypatch.chdir(tmp_path)
    assert load_config() == ClientOptions(api_key="ob_abc", base_url="http://127.0.0.1:8730", timeout=12)
    nested = tmp_path / "nested.yaml"
    nested.write_text("mate:\n  api_key: ob_def\n  base_url: https://bay.example/\n")
    assert load_config(nested).base_url == "https://bay.example"
    cases = {"missing.yaml": None, "list.yaml": "- a\n- b\n", "broken.yaml": "api_key: [unclosed\n",
             "wrong.yaml": "base_url: ftp://x\n"}
    for name, text in cases.items():
        if text is not None:
            (tmp_path / name).write_text(text)
        with pytest.raises(ConfigError):
            load_config(tmp_path / name)
    with pytest.raises(ConfigError, match="not a file"):
        load_config(tmp_path)
