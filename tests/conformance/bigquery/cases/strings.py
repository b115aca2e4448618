"""String functions and string literals.

https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions
https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical (literals)

FORMAT and the regular-expression functions have their own families
(``string_format``, ``regexp``). Queries and values are ours; the behaviour
each one checks is the one the cited section documents.
"""

from ._model import Case, doc, one

PAGE = doc("string_functions")
LEXICAL = doc("lexical")

CASES: list[Case] = [
    # Literals: escapes are resolved by the parser (issue 11: BYTES escapes, \u).
    one("literal_unicode_escape", r"SELECT 'caf\u00e9'", "café", LEXICAL + "#string_and_bytes_literals"),
    one("literal_long_unicode_escape", r"SELECT '\U0001F600'", "\U0001f600", LEXICAL + "#string_and_bytes_literals"),
    one("literal_octal_escape", r"SELECT '\101\102'", "AB", LEXICAL + "#string_and_bytes_literals"),
    one("literal_hex_escape", r"SELECT '\x41b'", "Ab", LEXICAL + "#string_and_bytes_literals"),
    one("literal_bytes_hex_escape", r"SELECT b'\x41\x42'", b"AB", LEXICAL + "#string_and_bytes_literals"),
    one("literal_bytes_escape_length", r"SELECT BYTE_LENGTH(b'\xff\x00')", 2, LEXICAL + "#string_and_bytes_literals"),
    one("literal_triple_quoted", '''SELECT """it's"""''', "it's", LEXICAL + "#string_and_bytes_literals"),
    one("literal_raw_keeps_backslash", r"SELECT LENGTH(r'\d')", 2, LEXICAL + "#string_and_bytes_literals"),
    # Lengths count characters for STRING, bytes for BYTES.
    one("ascii_first_char", "SELECT ASCII('abc')", 97, PAGE + "#ascii"),
    one("ascii_empty", "SELECT ASCII('')", 0, PAGE + "#ascii"),
    one("byte_length_multibyte", "SELECT BYTE_LENGTH('абв')", 6, PAGE + "#byte_length"),
    one("char_length_multibyte", "SELECT CHAR_LENGTH('абв')", 3, PAGE + "#char_length"),
    one("character_length_alias", "SELECT CHARACTER_LENGTH('héllo')", 5, PAGE + "#character_length"),
    one("length_string", "SELECT LENGTH('héllo')", 5, PAGE + "#length"),
    one("length_bytes", "SELECT LENGTH(CAST('héllo' AS BYTES))", 6, PAGE + "#length"),
    one("length_null", "SELECT LENGTH(CAST(NULL AS STRING))", None, PAGE + "#length"),
    one("octet_length", "SELECT OCTET_LENGTH('é')", 2, PAGE + "#octet_length"),
    one("chr_code_point", "SELECT CHR(65)", "A", PAGE + "#chr"),
    one("chr_zero_is_empty", "SELECT CHR(0)", "", PAGE + "#chr"),
    one("chr_non_ascii", "SELECT CHR(233)", "é", PAGE + "#chr"),
    one("code_points_to_string", "SELECT CODE_POINTS_TO_STRING([72, 105, 33])", "Hi!", PAGE + "#code_points_to_string"),
    one("code_points_to_bytes", "SELECT CODE_POINTS_TO_BYTES([65, 98])", b"Ab", PAGE + "#code_points_to_bytes"),
    one("to_code_points_string", "SELECT TO_CODE_POINTS('Aé')", [65, 233], PAGE + "#to_code_points"),
    one("to_code_points_bytes", "SELECT TO_CODE_POINTS(b'AB')", [65, 66], PAGE + "#to_code_points"),
    one("unicode_first_char", "SELECT UNICODE('ñu')", 241, PAGE + "#unicode"),
    one("unicode_empty", "SELECT UNICODE('')", 0, PAGE + "#unicode"),
    # Concatenation: any NULL argument gives NULL.
    one("concat_three", "SELECT CONCAT('da', 'ta', 'set')", "dataset", PAGE + "#concat"),
    one("concat_null", "SELECT CONCAT('a', CAST(NULL AS STRING))", None, PAGE + "#concat"),
    one("concat_bytes", "SELECT CONCAT(b'ab', b'c')", b"abc", PAGE + "#concat"),
    # Searching.
    one("contains_substr_case_insensitive", "SELECT CONTAINS_SUBSTR('the blue house', 'BLUE')", True, PAGE + "#contains_substr"),
    one("contains_substr_struct_fields", "SELECT CONTAINS_SUBSTR(STRUCT('red' AS a, 'Green' AS b), 'green')", True,
        PAGE + "#contains_substr"),
    one("contains_substr_absent", "SELECT CONTAINS_SUBSTR('abc', 'z')", False, PAGE + "#contains_substr"),
    one("starts_with", "SELECT STARTS_WITH('warehouse', 'ware')", True, PAGE + "#starts_with"),
    one("ends_with", "SELECT ENDS_WITH('warehouse', 'House')", False, PAGE + "#ends_with"),
    one("strpos_found", "SELECT STRPOS('banana', 'na')", 3, PAGE + "#strpos"),
    one("strpos_absent", "SELECT STRPOS('banana', 'x')", 0, PAGE + "#strpos"),
    one("instr_first", "SELECT INSTR('banana', 'an')", 2, PAGE + "#instr"),
    one("instr_second_occurrence", "SELECT INSTR('banana', 'an', 1, 2)", 4, PAGE + "#instr"),
    one("instr_backwards", "SELECT INSTR('banana', 'an', -1, 1)", 4, PAGE + "#instr"),
    one("instr_overlapping", "SELECT INSTR('aaaa', 'aa', 1, 2)", 2, PAGE + "#instr"),
    Case("instr_position_zero", "SELECT INSTR('abc', 'b', 0)", source=PAGE + "#instr", expect_error=""),
    one("instr_absent", "SELECT INSTR('banana', 'z')", 0, PAGE + "#instr"),
    # Slicing: positions are 1-based, negative counts from the end.
    one("substr_middle", "SELECT SUBSTR('warehouse', 5, 3)", "hou", PAGE + "#substr"),
    one("substr_negative_position", "SELECT SUBSTR('warehouse', -3)", "use", PAGE + "#substr"),
    one("substr_position_zero", "SELECT SUBSTR('warehouse', 0, 2)", "wa", PAGE + "#substr"),
    one("substr_past_end", "SELECT SUBSTR('abc', 10)", "", PAGE + "#substr"),
    one("substr_before_start", "SELECT SUBSTR('abcdef', -10, 2)", "ab", PAGE + "#substr"),
    one("substr_multibyte", "SELECT SUBSTR('héllo', 2, 2)", "él", PAGE + "#substr"),
    Case("substr_negative_length", "SELECT SUBSTR('abc', 1, -1)", source=PAGE + "#substr", expect_error="negative"),
    one("substring_alias", "SELECT SUBSTRING('warehouse', 2, 3)", "are", PAGE + "#substring"),
    one("left", "SELECT LEFT('warehouse', 4)", "ware", PAGE + "#left"),
    one("right", "SELECT RIGHT('warehouse', 5)", "house", PAGE + "#right"),
    # Padding and trimming.
    one("lpad_spaces", "SELECT LPAD('abc', 5)", "  abc", PAGE + "#lpad"),
    one("lpad_pattern_cut", "SELECT LPAD('abc', 6, 'xy')", "xyxabc", PAGE + "#lpad"),
    one("lpad_truncates", "SELECT LPAD('abcdef', 2)", "ab", PAGE + "#lpad"),
    Case("lpad_negative_length", "SELECT LPAD('abc', -1)", source=PAGE + "#lpad", expect_error=""),
    Case("lpad_empty_pattern", "SELECT LPAD('abc', 5, '')", source=PAGE + "#lpad", expect_error=""),
    one("rpad_pattern", "SELECT RPAD('abc', 5, '-')", "abc--", PAGE + "#rpad"),
    one("rpad_truncates", "SELECT RPAD('abcdef', 3)", "abc", PAGE + "#rpad"),
    one("trim_spaces", "SELECT TRIM('  x y  ')", "x y", PAGE + "#trim"),
    one("trim_set", "SELECT TRIM('abcba', 'ab')", "c", PAGE + "#trim"),
    one("ltrim", "SELECT LTRIM('  x  ')", "x  ", PAGE + "#ltrim"),
    one("rtrim_set", "SELECT RTRIM('xxaxx', 'x')", "xxa", PAGE + "#rtrim"),
    # Case, repetition, replacement.
    one("upper_non_ascii", "SELECT UPPER('ärger x')", "ÄRGER X", PAGE + "#upper"),
    one("lower_non_ascii", "SELECT LOWER('ÀÉÎ')", "àéî", PAGE + "#lower"),
    one("initcap_default", "SELECT INITCAP('hello wORLD')", "Hello World", PAGE + "#initcap"),
    one("initcap_delimiters", "SELECT INITCAP('ab-cd_ef', '-')", "Ab-Cd_ef", PAGE + "#initcap"),
    one("repeat", "SELECT REPEAT('ab', 3)", "ababab", PAGE + "#repeat"),
    one("repeat_zero", "SELECT REPEAT('ab', 0)", "", PAGE + "#repeat"),
    Case("repeat_negative", "SELECT REPEAT('ab', -1)", source=PAGE + "#repeat", expect_error=""),
    one("replace_all", "SELECT REPLACE('banana', 'a', 'o')", "bonono", PAGE + "#replace"),
    one("replace_empty_pattern", "SELECT REPLACE('abc', '', 'x')", "abc", PAGE + "#replace"),
    one("reverse_multibyte", "SELECT REVERSE('añb')", "bña", PAGE + "#reverse"),
    one("translate_map_and_drop", "SELECT TRANSLATE('abcabc', 'ab', 'x')", "xcxc", PAGE + "#translate"),
    one("translate_swap", "SELECT TRANSLATE('hello', 'lo', 'LO')", "heLLO", PAGE + "#translate"),
    Case("translate_duplicate_source", "SELECT TRANSLATE('abc', 'aa', 'xy')", source=PAGE + "#translate",
         expect_error=""),
    one("soundex", "SELECT SOUNDEX('Robert') = SOUNDEX('Rupert') AND SOUNDEX('Robert') = 'R163'", True,
        PAGE + "#soundex"),
    one("edit_distance", "SELECT EDIT_DISTANCE('kitten', 'sitting')", 3, PAGE + "#edit_distance"),
    # Splitting.
    one("split_default_comma", "SELECT SPLIT('a,b,c')", ["a", "b", "c"], PAGE + "#split"),
    one("split_keeps_empty_parts", "SELECT SPLIT('a,,b', ',')", ["a", "", "b"], PAGE + "#split"),
    one("split_empty_string", "SELECT SPLIT('', ',')", [""], PAGE + "#split"),
    one("split_empty_delimiter", "SELECT SPLIT('abc', '')", ["a", "b", "c"], PAGE + "#split"),
    one("split_multichar_delimiter", "SELECT SPLIT('a::b::c', '::')", ["a", "b", "c"], PAGE + "#split"),
    # Normalization (NFC by default) and case folding.
    one("normalize_nfc_default", "SELECT NORMALIZE('e\u0301') = '\u00e9'", True, PAGE + "#normalize"),
    one("normalize_nfd_length", "SELECT CHAR_LENGTH(NORMALIZE('\u00e9', NFD))", 2, PAGE + "#normalize"),
    one("normalize_nfkc", "SELECT NORMALIZE('x²', NFKC)", "x2", PAGE + "#normalize"),
    one("normalize_and_casefold", "SELECT NORMALIZE_AND_CASEFOLD('ÅNGSTRÖM')", "ångström", PAGE + "#normalize_and_casefold"),
    one("normalize_and_casefold_equal", "SELECT NORMALIZE_AND_CASEFOLD('ÄB') = NORMALIZE_AND_CASEFOLD('äb')", True,
        PAGE + "#normalize_and_casefold"),
    # The same functions on BYTES work byte by byte.
    one("lpad_bytes", "SELECT LPAD(b'ab', 4, b'x')", b"xxab", PAGE + "#lpad"),
    one("reverse_bytes", "SELECT REVERSE(b'abc')", b"cba", PAGE + "#reverse"),
    one("substr_bytes", "SELECT SUBSTR(b'abcdef', 2, 3)", b"bcd", PAGE + "#substr"),
    one("strpos_bytes", "SELECT STRPOS(b'abc', b'c')", 3, PAGE + "#strpos"),
    one("split_bytes", "SELECT SPLIT(b'a,b', b',')", [b"a", b"b"], PAGE + "#split"),
    one("trim_bytes", "SELECT TRIM(b'xxaxx', b'x')", b"a", PAGE + "#trim"),
    one("translate_bytes", "SELECT TRANSLATE(b'abc', b'a', b'z')", b"zbc", PAGE + "#translate"),
    one("emoji_char_length", "SELECT CHAR_LENGTH('\U0001f600')", 1, PAGE + "#char_length"),
    one("emoji_byte_length", "SELECT BYTE_LENGTH('\U0001f600')", 4, PAGE + "#byte_length"),
    one("replace_case_sensitive", "SELECT REPLACE('Aa', 'a', 'x')", "Ax", PAGE + "#replace"),
    one("repeat_null_count", "SELECT REPEAT('a', NULL)", None, PAGE + "#repeat"),
    one("starts_with_null", "SELECT STARTS_WITH(CAST(NULL AS STRING), 'a')", None, PAGE + "#starts_with"),
    # Encodings.
    one("to_base64", "SELECT TO_BASE64(b'hello')", "aGVsbG8=", PAGE + "#to_base64"),
    one("from_base64", "SELECT FROM_BASE64('aGVsbG8=')", b"hello", PAGE + "#from_base64"),
    one("to_base32", "SELECT TO_BASE32(b'abcde')", "MFRGGZDF", PAGE + "#to_base32"),
    one("from_base32", "SELECT FROM_BASE32('MFRGGZDF')", b"abcde", PAGE + "#from_base32"),
    one("to_hex", "SELECT TO_HEX(b'foo')", "666f6f", PAGE + "#to_hex"),
    one("from_hex_upper", "SELECT FROM_HEX('666F6F')", b"foo", PAGE + "#from_hex"),
    one("from_hex_odd_length", "SELECT FROM_HEX('0af')", b"\x00\xaf", PAGE + "#from_hex"),
    one("safe_convert_bytes_to_string", "SELECT SAFE_CONVERT_BYTES_TO_STRING(b'abc')", "abc",
        PAGE + "#safe_convert_bytes_to_string"),
    one("safe_convert_bad_utf8", r"SELECT SAFE_CONVERT_BYTES_TO_STRING(b'a\xffb')", "a\ufffdb",
        PAGE + "#safe_convert_bytes_to_string"),
]
