"""String functions not yet covered by ``strings``/``regexp``: INITCAP's default
and custom delimiters, SOUNDEX padding, LEFT/RIGHT on BYTES and multi-byte
text, OCTET_LENGTH, ASCII/UNICODE edges, REGEXP_REPLACE escapes and
non-overlapping matches, SPLIT edges, NORMALIZE/NORMALIZE_AND_CASEFOLD modes,
padding with multi-byte patterns.

https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

from ._model import Case, doc, one

S = doc("string_functions")

CASES: list[Case] = [
    # INITCAP: default delimiters are whitespace and listed punctuation (not digits, not the apostrophe).
    one("initcap_apostrophe_not_delimiter", "SELECT INITCAP(\"it's a-b\")", "It's A-B", S + "#initcap"),
    one("initcap_digit_not_delimiter", "SELECT INITCAP('abc1def ghi')", "Abc1def Ghi", S + "#initcap"),
    one("initcap_default_punctuation", "SELECT INITCAP('x.y/z(w)')", "X.Y/Z(W)", S + "#initcap"),
    one("initcap_custom_replaces_default", "SELECT INITCAP('one two-three', '-')", "One two-Three",
        S + "#initcap"),
    one("initcap_digit_custom_delimiter", "SELECT INITCAP('a1b2c', '12')", "A1B2C", S + "#initcap"),
    one("initcap_null_delimiters", "SELECT INITCAP('abc', NULL)", None, S + "#initcap"),
    # SOUNDEX: a letter and three digits; nothing Latin left gives ''.
    one("soundex_pads_with_zeros", "SELECT SOUNDEX('Lee')", "L000", S + "#soundex"),
    one("soundex_empty", "SELECT SOUNDEX('')", "", S + "#soundex"),
    one("soundex_same_sound", "SELECT SOUNDEX('Smith') = SOUNDEX('Smyth')", True, S + "#soundex"),
    # LEFT / RIGHT: bytes count bytes, strings count characters.
    one("left_bytes", r"SELECT LEFT(b'\x01\x02\x03', 2)", b"\x01\x02", S + "#left", types=["BYTES"]),
    one("right_bytes_splits_utf8", r"SELECT RIGHT(b'\xc3\xa9', 1)", b"\xa9", S + "#right"),
    one("right_string_multibyte", "SELECT RIGHT('añb', 2)", "ñb", S + "#right"),
    one("left_zero_is_empty", "SELECT LEFT('abc', 0)", "", S + "#left"),
    one("left_longer_than_value", "SELECT LEFT('ab', 10)", "ab", S + "#left"),
    Case("left_negative_errors", "SELECT LEFT('abc', -1)", source=S + "#left", expect_error=""),
    Case("right_negative_errors", "SELECT RIGHT('abc', -1)", source=S + "#right", expect_error=""),
    one("right_zero_bytes_is_empty", "SELECT RIGHT(b'abc', 0)", b"", S + "#right"),
    # Lengths and first code points.
    one("octet_length_bytes", r"SELECT OCTET_LENGTH(b'\x00\x01\x02')", 3, S + "#octet_length", types=["INT64"]),
    one("octet_length_emoji", "SELECT OCTET_LENGTH('a\U0001f600')", 5, S + "#octet_length"),
    one("ascii_bytes", "SELECT ASCII(b'Zz')", 90, S + "#ascii"),
    one("ascii_null", "SELECT ASCII(CAST(NULL AS STRING))", None, S + "#ascii"),
    one("unicode_supplementary", "SELECT UNICODE('\U0001f600x')", 128512, S + "#unicode"),
    one("unicode_null", "SELECT UNICODE(CAST(NULL AS STRING))", None, S + "#unicode"),
    # REGEXP_REPLACE: \1..\9 and \0 in the replacement; matches don't overlap.
    one("regexp_replace_reorder_groups", r"SELECT REGEXP_REPLACE('2024-06-10', r'(\d+)-(\d+)-(\d+)', r'\3.\2.\1')",
        "10.06.2024", S + "#regexp_replace"),
    one("regexp_replace_escaped_backslash_group", r"SELECT REGEXP_REPLACE('xyz', 'y(.)', 'Q\\1')", "xQz",
        S + "#regexp_replace"),
    one("regexp_replace_non_overlapping", "SELECT REGEXP_REPLACE('xoxox', 'xox', '#')", "#ox", S + "#regexp_replace"),
    one("regexp_replace_bytes", r"SELECT REGEXP_REPLACE(b'a1b22', b'[0-9]+', b'-')", b"a-b-", S + "#regexp_replace",
        types=["BYTES"]),
    Case("regexp_replace_bad_pattern", "SELECT REGEXP_REPLACE('a', '[', 'b')", source=S + "#regexp_replace",
         expect_error=""),
    # SPLIT.
    one("split_trailing_delimiter", "SELECT SPLIT('a,b,', ',')", ["a", "b", ""], S + "#split"),
    one("split_leading_delimiter", "SELECT SPLIT('|x', '|')", ["", "x"], S + "#split"),
    one("split_bytes_empty_delimiter", "SELECT SPLIT(b'ab', b'')", [b"a", b"b"], S + "#split",
        types=["ARRAY<BYTES>"]),
    one("split_empty_delimiter_multibyte", "SELECT SPLIT('añ', '')", ["a", "ñ"], S + "#split"),
    one("split_no_delimiter_found", "SELECT SPLIT('abc', ';')", ["abc"], S + "#split"),
    # NORMALIZE / NORMALIZE_AND_CASEFOLD modes.
    one("normalize_nfkd_ligature", "SELECT NORMALIZE('\ufb01', NFKD)", "fi", S + "#normalize"),
    one("normalize_nfc_keeps_ligature", "SELECT NORMALIZE('\ufb01')", "\ufb01", S + "#normalize"),
    one("casefold_nfkc_roman_numeral",
        "SELECT NORMALIZE_AND_CASEFOLD('\u2163', NFKC) = NORMALIZE_AND_CASEFOLD('iv', NFKC)", True,
        S + "#normalize_and_casefold"),
    one("casefold_nfc_roman_numeral_differs",
        "SELECT NORMALIZE_AND_CASEFOLD('\u2163', NFC) = NORMALIZE_AND_CASEFOLD('iv', NFC)", False,
        S + "#normalize_and_casefold"),
    one("casefold_composed_and_decomposed",
        "SELECT NORMALIZE_AND_CASEFOLD('e\u0301') = NORMALIZE_AND_CASEFOLD('\u00c9')", True,
        S + "#normalize_and_casefold"),
    # Padding counts characters for STRING, bytes for BYTES.
    one("lpad_multibyte_pattern", "SELECT LPAD('a', 3, 'é')", "ééa", S + "#lpad"),
    one("rpad_bytes_zero_byte", r"SELECT RPAD(b'a', 3, b'\x00')", b"a\x00\x00", S + "#rpad"),
    one("lpad_null_pattern", "SELECT LPAD('a', 3, NULL)", None, S + "#lpad"),
    one("instr_backwards_second", "SELECT INSTR('abcabcabc', 'abc', -1, 2)", 4, S + "#instr"),
]
