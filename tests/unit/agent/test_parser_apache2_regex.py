"""apache2 matches with a faster expression than Fluentd's; both must agree
on every text: whether it matches, and every group (a property test)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dplat.agent.config.types import ruby_regex_to_python
from dplat.agent.plugins.parser_apache2 import EXPRESSION, FLUENTD_EXPRESSION

FLUENTD = re.compile(ruby_regex_to_python(FLUENTD_EXPRESSION), re.MULTILINE)
FAST = re.compile(ruby_regex_to_python(EXPRESSION), re.MULTILINE)

tricky = st.text(alphabet='ab "\\-/', max_size=12)


def groups(pattern: re.Pattern[str], text: str) -> tuple[str | None, ...] | None:
    found = pattern.search(text)
    return None if found is None else found.groups()


@settings(max_examples=600)
@given(tricky, tricky, tricky, tricky, tricky, st.booleans())
def test_same_groups_on_access_log_shapes(method: str, path: str, referer: str, agent: str,
                                          size: str, with_tail: bool) -> None:
    line = f'h - u [28/Feb/2013:12:00:00 +0900] "{method} {path} HTTP/1.1" 200 {size}'
    if with_tail:
        line += f' "{referer}" "{agent}"'
    assert groups(FAST, line) == groups(FLUENTD, line)


@settings(max_examples=300)
@given(st.text(alphabet='ab "\\[]-: 0', max_size=60))
def test_same_groups_on_arbitrary_text(text: str) -> None:
    assert groups(FAST, text) == groups(FLUENTD, text)


def test_match_at_start_equals_search_for_one_line() -> None:
    line = '1.2.3.4 - - [28/Feb/2013:12:00:00 +0900] "GET /a\\"b HTTP/1.1" 200 1 "x\\"y" "z"'
    found = FAST.match(line)
    assert found is not None and found.groups() == groups(FLUENTD, line)
    assert found.group("path") == '/a\\"b' and found.group("referer") == 'x\\"y'
