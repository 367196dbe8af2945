"""A session's egress policy as the API takes it: destinations by CIDR, host name or `*.` wildcard.

How it is enforced (the sandbox backend): a connection to a destination on `allow_out`
passes; else one on `deny_out` is refused at once; else the defaults hold (public
addresses pass, the host's and private networks do not). `allow_host_ports` are ports of
the OpenBay machine reached as host.openbay.internal, among those the admin setting
OPENBAY_ALLOW_HOST_PORTS permits. An owner's default policy (set by an admin) is joined
with each session's; a session cannot allow what its owner's default denies.
"""
import ipaddress
import re

from pydantic import BaseModel, Field, field_validator

MAX_ENTRIES = 256
MAX_HOST_PORTS = 64
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")


def normalize_destination(entry: str) -> str:
    """The canonical form of one entry ("10.0.0.0/8", "pypi.org", "*.debian.org"), or ValueError."""
    if not isinstance(entry, str):
        raise ValueError(f"entry {entry!r} must be a string")
    text = entry.strip().lower()
    text = text[:-1] if text.endswith(".") and text != "*." else text  # "pypi.org." is pypi.org
    if text == "*":
        return text
    if "/" in text or ":" in text or _is_address(text):
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(f"entry {entry!r} is not a valid CIDR (like 10.0.0.0/8 or 1.2.3.4)") from None
        if network.version != 4:
            raise ValueError(f"entry {entry!r}: sessions have IPv4 networks only; give an IPv4 CIDR")
        return str(network)
    name = text[2:] if text.startswith("*.") else text
    if len(name) > 253 or not _HOST_NAME.match(name) or name.replace(".", "").isdigit():
        raise ValueError(f"entry {entry!r} is not a CIDR, a host name or a *.wildcard name")
    return text


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _destinations(field: str):
    def check(entries: list[str]) -> list[str]:
        if len(entries) > MAX_ENTRIES:
            raise ValueError(f"at most {MAX_ENTRIES} {field} entries")
        out: list[str] = []
        for entry in entries:
            try:
                value = normalize_destination(entry)
            except ValueError as e:
                raise ValueError(f"{field}: {e}") from None
            if value not in out:
                out.append(value)
        return out
    return check


def _host_ports(ports: list[int]) -> list[int]:
    if len(ports) > MAX_HOST_PORTS:
        raise ValueError(f"at most {MAX_HOST_PORTS} allow_host_ports")
    for port in ports:
        if not 1 <= port <= 65535:
            raise ValueError(f"allow_host_ports: port {port} is out of range (1 to 65535)")
    return sorted(set(ports))


class NetworkPolicyParams(BaseModel):
    allow_out: list[str] = Field(default_factory=list, description="CIDRs, host names or *.wildcard names")
    deny_out: list[str] = Field(default_factory=list, description="CIDRs, host names or *.wildcard names")
    allow_host_ports: list[int] = Field(default_factory=list,
                                        description="ports of the OpenBay machine, as host.openbay.internal")

    _check_allow = field_validator("allow_out", mode="before")(
        lambda v: _destinations("allow_out")(_list(v, "allow_out")))
    _check_deny = field_validator("deny_out", mode="before")(
        lambda v: _destinations("deny_out")(_list(v, "deny_out")))
    _check_ports = field_validator("allow_host_ports")(_host_ports)

    def is_empty(self) -> bool:
        return not (self.allow_out or self.deny_out or self.allow_host_ports)


def _list(value, field: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{field} must be a list")
    return value


class OwnerNetworkPolicy(BaseModel):
    owner_id: str
    policy: NetworkPolicyParams
