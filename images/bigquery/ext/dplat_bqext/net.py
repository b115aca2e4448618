"""BigQuery's NET.* functions, as Python functions registered in bqemulator's DuckDB.

bqemulator has none of them: it took ``NET.HOST(x)`` for a user function in a
dataset called NET and answered "Function not found". ``net_calls`` turns
each call into ``dplat_net_<name>(...)``; ``register_net`` creates those on the
DuckDB connection. Rules from
https://cloud.google.com/bigquery/docs/reference/standard-sql/net_functions:

* HOST: surrounding spaces dropped, any scheme (or none), user info and port
  dropped, case kept, an IPv6 host keeps its brackets; no host is NULL.
* PUBLIC_SUFFIX / REG_DOMAIN: by the Public Suffix List (the
  ``publicsuffixlist`` package carries a copy; the list's date is its
  version's), ICANN and private sections as publicsuffix.org publishes it; a host
  with no known suffix, or an IP address, gives NULL; the host's case is kept.
* IP_FROM_STRING / SAFE_: IPv4 or IPv6 text to 4 or 16 network-order bytes;
  invalid text is an error (SAFE_: NULL). IP_TO_STRING the reverse.
* IP_NET_MASK(n, p): n bytes (4 or 16) with the first p bits set.
  IP_TRUNC(ip, p): ip with the bits after the first p cleared.
* IPV4_FROM_INT64: an integer in [-2^31, 2^32) (negative: two's complement)
  to 4 bytes; IPV4_TO_INT64 the reverse (4 bytes only).

Cases: the net family, issue11.net_host, issue11.net_ip_from_string.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from sqlglot import exp

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^//")


def net_calls(node: exp.Expression) -> exp.Expression | None:
    """``NET.<NAME>(args)`` becomes ``dplat_net_<name>(args)``."""
    if not isinstance(node, exp.NetFunc):
        return None
    call = node.this
    if isinstance(call, exp.Anonymous):
        name, args = call.name, call.expressions
    else:  # SQLGlot's own node for HOST and REG_DOMAIN
        name, args = call.sql_name(), [call.this]
    return exp.Anonymous(this=f"dplat_net_{name.lower()}", expressions=[a.copy() for a in args])


def host(url: str) -> str | None:
    text = SCHEME.sub("", url.strip(), count=1)
    authority = re.split(r"[/?#]", text, maxsplit=1)[0]
    authority = authority.rsplit("@", 1)[-1]
    if authority.startswith("["):
        end = authority.find("]")
        name = authority[: end + 1] if end >= 0 else authority
    else:
        name = authority.split(":", 1)[0]
    return name or None


@functools.cache
def _suffix_list() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def _suffix_labels(url: str) -> tuple[list[str], int] | None:
    """The host's labels and how many of them the public suffix has; None if it has none."""
    name = host(url)
    if name is None or name.startswith("["):
        return None
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    suffix = _suffix_list().publicsuffix(name.lower(), accept_unknown=False)
    if suffix is None:
        return None
    return name.split("."), suffix.count(".") + 1


def public_suffix(url: str) -> str | None:
    found = _suffix_labels(url)
    return None if found is None else ".".join(found[0][-found[1]:])


def reg_domain(url: str) -> str | None:
    found = _suffix_labels(url)
    if found is None or len(found[0]) <= found[1]:
        return None
    return ".".join(found[0][-(found[1] + 1):])


def ip_from_string(text: str) -> bytes:
    try:
        return ipaddress.ip_address(text).packed
    except ValueError:
        raise ValueError(f"NET.IP_FROM_STRING: {text!r} is not an IPv4 or IPv6 address") from None


def safe_ip_from_string(text: str) -> bytes | None:
    try:
        return ipaddress.ip_address(text).packed
    except ValueError:
        return None


def _address(value: bytes, function: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if len(value) not in (4, 16):
        raise ValueError(f"{function}: an IP address is 4 or 16 bytes, got {len(value)}")
    return ipaddress.ip_address(value)


def ip_to_string(value: bytes) -> str:
    return str(_address(value, "NET.IP_TO_STRING"))


def ip_net_mask(size: int, prefix: int) -> bytes:
    if size not in (4, 16) or not 0 <= prefix <= size * 8:
        raise ValueError(f"NET.IP_NET_MASK: needs 4 or 16 bytes and a prefix in [0, bytes*8], got {size}, {prefix}")
    bits = size * 8
    return (((1 << prefix) - 1) << (bits - prefix)).to_bytes(size, "big")


def ip_trunc(value: bytes, prefix: int) -> bytes:
    _address(value, "NET.IP_TRUNC")
    if not 0 <= prefix <= len(value) * 8:
        raise ValueError(f"NET.IP_TRUNC: prefix {prefix} is outside [0, {len(value) * 8}]")
    mask = int.from_bytes(ip_net_mask(len(value), prefix), "big")
    return (int.from_bytes(value, "big") & mask).to_bytes(len(value), "big")


def ipv4_from_int64(number: int) -> bytes:
    if not -(2**31) <= number < 2**32:
        raise ValueError(f"NET.IPV4_FROM_INT64: {number} is outside [-0x80000000, 0xFFFFFFFF]")
    return (number & 0xFFFFFFFF).to_bytes(4, "big")


def ipv4_to_int64(value: bytes) -> int:
    if len(value) != 4:
        raise ValueError(f"NET.IPV4_TO_INT64: an IPv4 address is 4 bytes, got {len(value)}")
    return int.from_bytes(value, "big")


# name: (function, parameter types, return type), in DuckDB's type names.
FUNCTIONS: dict[str, tuple[Callable[..., Any], list[str], str]] = {
    "host": (host, ["VARCHAR"], "VARCHAR"),
    "public_suffix": (public_suffix, ["VARCHAR"], "VARCHAR"),
    "reg_domain": (reg_domain, ["VARCHAR"], "VARCHAR"),
    "ip_from_string": (ip_from_string, ["VARCHAR"], "BLOB"),
    "safe_ip_from_string": (safe_ip_from_string, ["VARCHAR"], "BLOB"),
    "ip_to_string": (ip_to_string, ["BLOB"], "VARCHAR"),
    "ip_net_mask": (ip_net_mask, ["BIGINT", "BIGINT"], "BLOB"),
    "ip_trunc": (ip_trunc, ["BLOB", "BIGINT"], "BLOB"),
    "ipv4_from_int64": (ipv4_from_int64, ["BIGINT"], "BLOB"),
    "ipv4_to_int64": (ipv4_to_int64, ["BLOB"], "BIGINT"),
}


def _null_in_null_out(function: Callable[..., Any]) -> Callable[..., Any]:
    """NULL for a NULL argument; otherwise the function, which may itself answer NULL."""

    @functools.wraps(function)  # DuckDB counts the parameters of the signature
    def call(*args: Any) -> Any:
        return None if any(a is None for a in args) else function(*args)

    return call


def register_net(connection: Any) -> None:
    """Create ``dplat_net_<name>`` for each NET function on a duckdb connection.

    ``null_handling="special"``: DuckDB's default refuses a Python function
    that returns NULL for a non-NULL argument (NET.HOST('') is NULL).
    """
    for name, (function, parameters, returns) in FUNCTIONS.items():
        connection.create_function(
            f"dplat_net_{name}", _null_in_null_out(function), parameters, returns,
            null_handling="special", side_effects=False,
        )
