"""Tag patterns: every example of Fluentd's docs (config-file.md, "Wildcards,
Expansions and other tips") and of its matcher tests (test/test_match.rb),
restated as one table of (patterns, tag, expected)."""

from __future__ import annotations

import pytest

from dplat.agent.config import ConfigError, Origin
from dplat.agent.tagmatch import TagPattern

FLUENTD_DOCS = [
    ("a.*", "a.b", True),
    ("a.*", "a", False),
    ("a.*", "a.b.c", False),
    ("a.**", "a", True),
    ("a.**", "a.b", True),
    ("a.**", "a.b.c", True),
    ("{a,b}", "a", True),
    ("{a,b}", "b", True),
    ("{a,b}", "c", False),
    ("a.{b,c}.*", "a.b.x", True),
    ("a.{b,c}.*", "a.c.x", True),
    ("a.{b,c}.*", "a.d.x", False),
    ("a.{b,c.**}", "a.b", True),
    ("a.{b,c.**}", "a.c", True),
    ("a.{b,c.**}", "a.c.d.e", True),
    ("a.{b,c.**}", "a.b.c", False),
    (r"/(?!a\.).*/", "b.xxx", True),
    (r"/(?!a\.).*/", "a.xxx", False),
    ("a b", "a", True),
    ("a b", "b", True),
    ("a b", "c", False),
    ("a.** b.*", "a", True),
    ("a.** b.*", "a.b", True),
    ("a.** b.*", "a.b.c", True),
    ("a.** b.*", "b.d", True),
    ("a.** b.*", "b", False),
    ("a.** b.*", "b.d.e", False),
]

FLUENTD_TESTS = [
    # simple
    ("a", "a", True),
    ("a.b", "a.b", True),
    ("a", "b", False),
    ("a.b", "aab", False),
    # wildcard
    ("a*", "a", True),
    ("a*", "ab", True),
    ("a*", "abc", True),
    ("*a", "a", True),
    ("*a", "ba", True),
    ("*a", "cba", True),
    ("*a*", "a", True),
    ("*a*", "ba", True),
    ("*a*", "ac", True),
    ("*a*", "bac", True),
    ("a*", "a.b", False),
    ("a*", "ab.c", False),
    ("a*", "ba", False),
    ("*a", "ab", False),
    ("a.*", "a.b", True),
    ("a.*", "a.c", True),
    ("a.*", "ab", False),
    ("a.*.c", "a.b.c", True),
    ("a.*.c", "a.c.c", True),
    ("a.*.c", "a.c", False),
    # recursive wildcard
    ("a.**", "a", True),
    ("a.**", "ab", False),
    ("a.**", "abc", False),
    ("a.**", "a.b", True),
    ("a.**", "ab.c", False),
    ("a.**", "ab.d.e", False),
    ("a**", "a", True),
    ("a**", "ab", True),
    ("a**", "abc", True),
    ("a**", "a.b", True),
    ("a**", "ab.c", True),
    ("a**", "ab.d.e", True),
    ("**.a", "a", True),
    ("**.a", "ba", False),
    ("**.a", "c.ba", False),
    ("**.a", "b.a", True),
    ("**.a", "cb.a", True),
    ("**.a", "d.e.a", True),
    ("**a", "a", True),
    ("**a", "ba", True),
    ("**a", "c.ba", True),
    ("**a", "b.a", True),
    ("**a", "cb.a", True),
    ("**a", "d.e.a", True),
    # alternation
    ("a.{b,c}", "a.b", True),
    ("a.{b,c}", "a.c", True),
    ("a.{b,c}", "a.d", False),
    ("a.{b,c}.**", "a.b", True),
    ("a.{b,c}.**", "a.c", True),
    ("a.{b,c}.**", "a.d", False),
    ("a.{b,c}.**", "a.cd", False),
    ("a.{b.**,c}", "a.b", True),
    ("a.{b.**,c}", "a.b.c", True),
    ("a.{b.**,c}", "a.c", True),
    ("a.{b.**,c}", "a.c.d", False),
    # several patterns
    ("a.b a.c", "a.b", True),
    ("a.b a.c", "a.c", True),
    ("a.b a.c", "a.d", False),
    ("a.b.** a.c.**", "a.b", True),
    ("a.b.** a.c.**", "a.c", True),
    ("a.b.** a.c.**", "a.d", False),
    ("a.b.** a.c.**", "a.cd", False),
    ("a.b.** a.c", "a.b", True),
    ("a.b.** a.c", "a.b.c", True),
    ("a.b.** a.c", "a.c", True),
    ("a.b.** a.c", "a.c.d", False),
    # regex
    ("/a/", "a", True),
    ("/a/", "abc", False),
    ("/a.*/", "abc", True),
    ("/b.*/", "abc", False),
    (r"/a\..*/", "a.b.c", True),
    (r"/(?!a\.).*/", "a.b.c", False),
    (r"/a\..*/", "b.b.c", False),
    (r"/(?!a\.).*/", "b.b.c", True),
]

MORE = [
    ("**", "", True),
    ("**", "anything.at.all", True),
    ("", "any.tag", True),  # <match> without argument is <match **>
    ("  \t ", "any.tag", True),
    ("a.**.b", "a.b", True),
    ("a.**.b", "a.x.y.b", True),
    ("a.**.b", "ab", False),
    ("a.**.b", "a.xb", False),
    ("{a,{b,c.*}}.z", "c.q.z", True),
    ("{a,{b,c.*}}.z", "c.z", False),
    ("{web,api}.*", "api.access", True),
    ("app.** {web,api}.*", "app", True),
    ("app.** {web,api}.*", "web.x.y", False),
    (r"a\*", "a*", True),
    (r"a\*", "ab", False),
    (r"a\.b", "a.b", True),
    ("a-b+c", "a-b+c", True),
    ("a-b+c", "a-bbc", False),
    ("a,b", "a,b", True),  # ',' outside braces is a literal
    ("a}", "a}", True),
    ("/app|web/", "app", True),
    ("/app|web/", "application", False),  # the alternation is anchored as a whole
    ("/(?<svc>api)\\.x/", "api.x", True),  # Ruby named group
]


@pytest.mark.parametrize(("patterns", "tag", "expected"), FLUENTD_DOCS + FLUENTD_TESTS + MORE)
def test_tag_patterns(patterns: str, tag: str, expected: bool) -> None:
    assert TagPattern(patterns).matches(tag) is expected


def test_one_anchored_regex_per_directive() -> None:
    pattern = TagPattern("a.** b.*")
    assert pattern.regex.pattern.startswith(r"\A(?:")
    assert pattern.regex.pattern.endswith(r")\Z")
    assert repr(pattern) == "TagPattern('a.** b.*')"
    assert pattern.source == "a.** b.*"


@pytest.mark.parametrize(
    ("patterns", "fragment"),
    [
        ("/abc", "does not end with '/'"),
        ("ok /a(/", "not a valid regex"),
        ("a.{b,c", "'{' without its '}'"),
        ("a\\", "lone backslash"),
        ("/(?<x>a)/ /(?<x>b)/", "cannot be combined"),
    ],
)
def test_invalid_patterns(patterns: str, fragment: str) -> None:
    origin = Origin("agent.conf", 7)
    with pytest.raises(ConfigError) as caught:
        TagPattern(patterns, origin=origin)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("agent.conf:7: ")
