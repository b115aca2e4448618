"""NET.* functions: URL parts and IP address conversions.

https://cloud.google.com/bigquery/docs/reference/standard-sql/net_functions

Host names follow the page's rules (surrounding spaces dropped, case kept, no
scheme needed; no public suffix gives NULL suffix and domain). IP values are
network-order BYTES.
"""

from ._model import Case, doc, one

PAGE = doc("net_functions")

CASES: list[Case] = [
    one("host_standard", "SELECT NET.HOST('https://data.example.org/path?q=1')", "data.example.org",
        PAGE + "#nethost"),
    one("host_userinfo_port", "SELECT NET.HOST('ftp://user:pw@files.example.com:21/a')", "files.example.com",
        PAGE + "#nethost"),
    one("host_no_scheme_spaces", "SELECT NET.HOST('  shop.Example.Co.UK  ')", "shop.Example.Co.UK", PAGE + "#nethost"),
    one("host_ipv6", "SELECT NET.HOST('https://[::1]:8080/x')", "[::1]", PAGE + "#nethost"),
    one("host_empty", "SELECT NET.HOST('')", None, PAGE + "#nethost"),
    one("public_suffix", "SELECT NET.PUBLIC_SUFFIX('https://data.example.org/x')", "org", PAGE + "#netpublic_suffix"),
    one("public_suffix_two_labels", "SELECT NET.PUBLIC_SUFFIX('  shop.Example.Co.UK  ')", "Co.UK",
        PAGE + "#netpublic_suffix"),
    one("public_suffix_none", "SELECT NET.PUBLIC_SUFFIX('//ann:pw@c.d:81/x')", None, PAGE + "#netpublic_suffix"),
    one("reg_domain", "SELECT NET.REG_DOMAIN('https://data.example.org/x')", "example.org", PAGE + "#netreg_domain"),
    one("reg_domain_two_label_suffix", "SELECT NET.REG_DOMAIN('  shop.Example.Co.UK  ')", "Example.Co.UK",
        PAGE + "#netreg_domain"),
    one("reg_domain_ipv6", "SELECT NET.REG_DOMAIN('https://[2001:db8::7]/x')", None, PAGE + "#netreg_domain"),
    one("ip_from_string_v4", "SELECT NET.IP_FROM_STRING('192.168.1.1')", b"\xc0\xa8\x01\x01",
        PAGE + "#netip_from_string"),
    one("ip_from_string_v6", "SELECT TO_HEX(NET.IP_FROM_STRING('::1'))", "00000000000000000000000000000001",
        PAGE + "#netip_from_string"),
    Case("ip_from_string_invalid", "SELECT NET.IP_FROM_STRING('300.1.1.1')", source=PAGE + "#netip_from_string",
         expect_error=""),
    one("safe_ip_from_string_invalid", "SELECT NET.SAFE_IP_FROM_STRING('300.1.1.1')", None,
        PAGE + "#netsafe_ip_from_string"),
    one("ip_to_string_v4", "SELECT NET.IP_TO_STRING(FROM_HEX('0a000001'))", "10.0.0.1", PAGE + "#netip_to_string"),
    one("ip_to_string_v6_canonical", "SELECT NET.IP_TO_STRING(NET.IP_FROM_STRING('2001:DB8:0:0:0:0:0:1'))",
        "2001:db8::1", PAGE + "#netip_to_string"),
    one("ip_net_mask", "SELECT NET.IP_NET_MASK(4, 12)", b"\xff\xf0\x00\x00", PAGE + "#netip_net_mask"),
    one("ip_trunc", "SELECT NET.IP_TO_STRING(NET.IP_TRUNC(NET.IP_FROM_STRING('192.168.1.255'), 24))", "192.168.1.0",
        PAGE + "#netip_trunc"),
    one("ipv4_from_int64", "SELECT NET.IPV4_FROM_INT64(167772161)", b"\x0a\x00\x00\x01", PAGE + "#netipv4_from_int64"),
    one("ipv4_from_int64_negative", "SELECT NET.IP_TO_STRING(NET.IPV4_FROM_INT64(-2))", "255.255.255.254",
        PAGE + "#netipv4_from_int64"),
    one("ipv4_to_int64", "SELECT NET.IPV4_TO_INT64(NET.IP_FROM_STRING('10.0.0.1'))", 167772161,
        PAGE + "#netipv4_to_int64"),
]
