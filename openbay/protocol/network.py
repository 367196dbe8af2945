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

from .wire import RequestBody

MAX_ENTRIES = 256
MAX_HOST_PORTS = 64
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
# What the API takes as an entry, stated in the spec and checked first: "*", an IPv4 address or
# CIDR, or a host name (optionally "*."-prefixed) whose last label starts with a letter.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_SPEC_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SPEC_TLD = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ENTRY_PATTERN = (rf"^(?:\*|{_OCTET}(?:\.{_OCTET}){{3}}(?:/(?:3[0-2]|[12]?[0-9]))?"
                 rf"|(?:\*\.)?(?:{_SPEC_LABEL}\.)*{_SPEC_TLD}\.?)$")
_ENTRY = re.compile(ENTRY_PATTERN)
MAX_ENTRY = 253


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
                if not isinstance(entry, str) or len(entry) > MAX_ENTRY or not _ENTRY.fullmatch(entry):
                    raise ValueError(f"entry {entry!r} is not a CIDR, a host name or a *.wildcard name")
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


_HOST_PORTS = {"maxItems": MAX_HOST_PORTS, "items": {"type": "integer", "minimum": 1, "maximum": 65535}}
_ENTRIES = {"maxItems": MAX_ENTRIES, "items": {"type": "string", "maxLength": MAX_ENTRY, "pattern": ENTRY_PATTERN}}


class NetworkPolicyParams(RequestBody):
    allow_out: list[str] = Field(default_factory=list, description="CIDRs, host names or *.wildcard names",
                                 json_schema_extra=_ENTRIES)
    deny_out: list[str] = Field(default_factory=list, description="CIDRs, host names or *.wildcard names",
                                json_schema_extra=_ENTRIES)
    allow_host_ports: list[int] = Field(default_factory=list,
                                        description="ports of the OpenBay machine, as host.openbay.internal",
                                        json_schema_extra=_HOST_PORTS)

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
