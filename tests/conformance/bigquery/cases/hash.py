"""Hash functions: FARM_FINGERPRINT, MD5, SHA1, SHA256, SHA512.

https://cloud.google.com/bigquery/docs/reference/standard-sql/hash_functions

FARM_FINGERPRINT values are the ones the page documents for its three
concatenated rows (we build the same input strings our own way); the digests
are the standard algorithms' (MD5 RFC 1321, SHA per FIPS 180-4) of our inputs.
"""

from ._model import Case, doc, one

PAGE = doc("hash_functions")

CASES: list[Case] = [
    one("farm_fingerprint_row1", "SELECT FARM_FINGERPRINT(CONCAT(CAST(1 AS STRING), 'foo', CAST(TRUE AS STRING)))",
        -1541654101129638711, PAGE + "#farm_fingerprint"),
    one("farm_fingerprint_row2", "SELECT FARM_FINGERPRINT('2' || 'apple' || 'false')", 2794438866806483259,
        PAGE + "#farm_fingerprint"),
    one("farm_fingerprint_row3", "SELECT FARM_FINGERPRINT('3true')", -4880158226897771312, PAGE + "#farm_fingerprint"),
    one("farm_fingerprint_null", "SELECT FARM_FINGERPRINT(CAST(NULL AS STRING))", None, PAGE + "#farm_fingerprint"),
    one("farm_fingerprint_bytes_same", "SELECT FARM_FINGERPRINT(b'3true') = FARM_FINGERPRINT('3true')", True,
        PAGE + "#farm_fingerprint"),
    one("md5_hex", "SELECT TO_HEX(MD5('abc'))", "900150983cd24fb0d6963f7d28e17f72", PAGE + "#md5"),
    one("md5_empty", "SELECT TO_HEX(MD5(''))", "d41d8cd98f00b204e9800998ecf8427e", PAGE + "#md5"),
    one("md5_base64", "SELECT TO_BASE64(MD5('Hello World'))", "sQqNsWTgdUEFt6mb5y4/5Q==", PAGE + "#md5"),
    one("md5_returns_bytes", "SELECT MD5('abc')", bytes.fromhex("900150983cd24fb0d6963f7d28e17f72"), PAGE + "#md5",
        types=["BYTES"]),
    one("sha1_hex", "SELECT TO_HEX(SHA1('abc'))", "a9993e364706816aba3e25717850c26c9cd0d89d", PAGE + "#sha1"),
    one("sha256_hex", "SELECT TO_HEX(SHA256('abc'))",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", PAGE + "#sha256"),
    one("sha256_length", "SELECT BYTE_LENGTH(SHA256('anything'))", 32, PAGE + "#sha256"),
    one("sha512_hex", "SELECT TO_HEX(SHA512('abc'))",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", PAGE + "#sha512"),
    one("sha1_empty", "SELECT TO_HEX(SHA1(''))", "da39a3ee5e6b4b0d3255bfef95601890afd80709", PAGE + "#sha1"),
    one("sha256_empty", "SELECT TO_HEX(SHA256(''))",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", PAGE + "#sha256"),
    one("sha1_bytes_input", "SELECT SHA1(b'abc') = SHA1('abc')", True, PAGE + "#sha1"),
    one("md5_null", "SELECT MD5(CAST(NULL AS STRING))", None, PAGE + "#md5"),
]
