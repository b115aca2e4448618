"""Regular-expression functions (RE2 syntax): REGEXP_CONTAINS, _EXTRACT, _EXTRACT_ALL, _INSTR, _REPLACE, _SUBSTR.

https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions

Patterns are BigQuery raw strings (r'...') so backslashes reach RE2 as written.
"""

from ._model import Case, doc, one

PAGE = doc("string_functions")

CASES: list[Case] = [
    one("contains_partial_match", "SELECT REGEXP_CONTAINS('warehouse', r'reh')", True, PAGE + "#regexp_contains"),
    one("contains_anchored", r"SELECT REGEXP_CONTAINS('ann@example.com', r'^[a-z]+@[a-z]+\.com$')", True,
        PAGE + "#regexp_contains"),
    one("contains_no_match", "SELECT REGEXP_CONTAINS('abc', r'^b')", False, PAGE + "#regexp_contains"),
    one("contains_case_flag", "SELECT REGEXP_CONTAINS('ABC', r'(?i)abc')", True, PAGE + "#regexp_contains"),
    one("contains_null", "SELECT REGEXP_CONTAINS(CAST(NULL AS STRING), r'a')", None, PAGE + "#regexp_contains"),
    Case("contains_bad_pattern", "SELECT REGEXP_CONTAINS('a', r'(')", source=PAGE + "#regexp_contains",
         expect_error=""),
    one("extract_group", r"SELECT REGEXP_EXTRACT('order-42-x', r'-(\d+)-')", "42", PAGE + "#regexp_extract"),
    one("extract_whole_match", r"SELECT REGEXP_EXTRACT('order-42-x', r'\d+')", "42", PAGE + "#regexp_extract"),
    one("extract_no_match", r"SELECT REGEXP_EXTRACT('abc', r'\d')", None, PAGE + "#regexp_extract"),
    one("extract_occurrence", r"SELECT REGEXP_EXTRACT('a1b22c333', r'\d+', 1, 2)", "22", PAGE + "#regexp_extract"),
    one("extract_position", r"SELECT REGEXP_EXTRACT('a1b22c333', r'\d+', 4)", "22", PAGE + "#regexp_extract"),
    one("extract_occurrence_past_last", r"SELECT REGEXP_EXTRACT('a1b2', r'\d', 1, 3)", None, PAGE + "#regexp_extract"),
    Case("extract_two_groups", "SELECT REGEXP_EXTRACT('ab', r'(a)(b)')", source=PAGE + "#regexp_extract",
         expect_error="capturing group"),
    one("substr_alias", r"SELECT REGEXP_SUBSTR('a1b22c333', r'\d+', 1, 3)", "333", PAGE + "#regexp_substr"),
    one("extract_all", r"SELECT REGEXP_EXTRACT_ALL('a1b22c333', r'\d+')", ["1", "22", "333"],
        PAGE + "#regexp_extract_all"),
    one("extract_all_group", r"SELECT REGEXP_EXTRACT_ALL('k1=v1;k2=v2', r'(\w+)=')", ["k1", "k2"],
        PAGE + "#regexp_extract_all"),
    one("extract_all_none", r"SELECT REGEXP_EXTRACT_ALL('abc', r'\d')", [], PAGE + "#regexp_extract_all"),
    one("instr_first", r"SELECT REGEXP_INSTR('ab12cd34', r'\d+')", 3, PAGE + "#regexp_instr"),
    one("instr_second", r"SELECT REGEXP_INSTR('ab12cd34', r'\d+', 1, 2)", 7, PAGE + "#regexp_instr"),
    one("instr_end_position", r"SELECT REGEXP_INSTR('ab12cd34', r'\d+', 1, 1, 1)", 5, PAGE + "#regexp_instr"),
    Case("instr_two_groups", "SELECT REGEXP_INSTR('abc', r'(a)(b)')", source=PAGE + "#regexp_instr", expect_error=""),
    Case("instr_position_zero", r"SELECT REGEXP_INSTR('a1', r'\d', 0)", source=PAGE + "#regexp_instr", expect_error=""),
    one("instr_no_match", r"SELECT REGEXP_INSTR('abc', r'\d')", 0, PAGE + "#regexp_instr"),
    one("replace_all_matches", r"SELECT REGEXP_REPLACE('a1b2c3', r'\d', '#')", "a#b#c#", PAGE + "#regexp_replace"),
    one("replace_backreferences", r"SELECT REGEXP_REPLACE('ada lovelace', r'(\w+) (\w+)', r'\2, \1')",
        "lovelace, ada", PAGE + "#regexp_replace"),
    one("replace_whole_match", r"SELECT REGEXP_REPLACE('ab', r'b', r'[\0]')", "a[b]", PAGE + "#regexp_replace"),
    one("replace_no_match", r"SELECT REGEXP_REPLACE('abc', r'\d', 'x')", "abc", PAGE + "#regexp_replace"),
]
