"""Where port links live (OPENBAY_LINK_URL): a host per link, never the console's."""
import pytest

from openbay.server.config import Settings
from openbay.server.link_origins import LinkOrigins, parse_label


def test_a_server_on_loopback_gives_each_link_a_localhost_name_of_its_own():
    origins = LinkOrigins.of("", "http://127.0.0.1:8730")
    assert origins.url("s-0a1b2c3d4e5f", 3000) == "http://3000-s-0a1b2c3d4e5f.localhost:8730/"
    assert origins.label_of("3000-s-0a1b2c3d4e5f.localhost:8730") == "3000-s-0a1b2c3d4e5f"
    assert parse_label("3000-s-0a1b2c3d4e5f") == ("s-0a1b2c3d4e5f", 3000)
    for console in ("127.0.0.1:8730", "localhost:8730", "[::1]:8730", ""):
        assert origins.label_of(console) is None, console  # the console's own requests stay the API's
    assert parse_label("console") is None and parse_label("3000-S-UPPER") is None


def test_a_configured_link_domain_and_what_is_refused():
    origins = LinkOrigins.of("https://*.links.example.net", "https://bay.example.com")
    assert origins.url("s-1", 80) == "https://80-s-1.links.example.net/"
    assert origins.label_of("80-s-1.Links.Example.NET") == "80-s-1"
    assert origins.label_of("bay.example.com") is None
    for bad in ("https://links.example.net", "ftp://*.links.example.net", "https://*.links.example.net/app",
                "https://*.example.com"):  # the last: the console's own host would be under it
        with pytest.raises(SystemExit):
            Settings(link_url=bad, public_url="https://bay.example.com").link_origins()


def test_elsewhere_without_a_link_domain_links_are_sandboxed_paths():
    origins = LinkOrigins.of("", "http://192.0.2.7:8730")
    assert not origins.on_own_origins
    assert origins.url("s-1", 80) == "http://192.0.2.7:8730/links/s-1/80/"
    assert origins.label_of("80-s-1.localhost:8730") is None
