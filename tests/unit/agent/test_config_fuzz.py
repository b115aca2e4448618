"""Fuzzing the config parser and the tag matcher: any text either parses or
raises ConfigError (never another exception, never a hang)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dplat.agent.config import ConfigError, Element, parse_config
from dplat.agent.tagmatch import TagPattern

SAMPLE = """\
<system>
  log_level info
</system>
<source>
  @type forward
  port 24224 # comment
  <security>
    shared_key "#{ENV['KEY']}"
  </security>
</source>
<filter app.**>
  @type grep
  <regexp>
    key msg
    pattern /^(?<a>x)/i
  </regexp>
</filter>
<match app.** {web,api}.*>
  @type s3
  schema [
    {"name": "a"},  # note
    {"name": "b #{ENV["KEY"]}"}
  ]
  single 'it\\'s'
  double "multi
line\\
joined \\t"
  <buffer tag,time>
    timekey 1h
  </buffer>
</match>
<label @ERROR>
  <match **>
    @type null
  </match>
</label>
@include other.conf
"""

# Pieces that matter to the grammar, so random text often reaches deep states.
TOKENS = [
    "<", ">", "</", "/", '"', "'", "\\", "#", "#{", "}", "{", "[", "]", ",", ":", "@",
    "\n", " ", "\t", "\r", "source", "match", "buffer", "a.**", "*", "@type", "@include",
    "ENV['KEY']", 'ENV["KEY"]', "key", "value", "1", "é", "\x00",
]
FUZZ = settings(
    max_examples=300,
    deadline=500,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI stays reproducible
)


def parses_or_config_error(text: str) -> None:
    try:
        result = parse_config(text, "fuzz.conf", env={"KEY": "k"}, allow_include=False)
    except ConfigError as error:
        assert error.origin is None or error.origin.line >= 1
        assert str(error)
    else:
        assert isinstance(result, Element)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=60).map("".join))
def test_random_token_soup(text: str) -> None:
    parses_or_config_error(text)


@st.composite
def mutated_sample(draw: st.DrawFn) -> str:
    text = SAMPLE
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(TOKENS) | st.text(max_size=2))
        end = at + draw(st.integers(1, 8)) if action != "insert" else at
        text = text[:at] + ("" if action == "delete" else piece) + text[end:]
    return text


@FUZZ
@given(mutated_sample())
def test_mutated_realistic_config(text: str) -> None:
    parses_or_config_error(text)


def test_unmutated_sample_parses_except_its_include() -> None:
    text = SAMPLE.replace("@include other.conf\n", "")
    root = parse_config(text, env={"KEY": "k"}, allow_include=False)
    assert [e.name for e in root.elements] == ["system", "source", "filter", "match", "label"]


@FUZZ
@given(st.lists(st.sampled_from(["a", ".", "*", "**", "{", "}", ",", "/", "\\", " ", "(", "?"]),
                max_size=16).map("".join),
       st.text(alphabet="ab.", max_size=10))
def test_tag_patterns_compile_or_config_error(patterns: str, tag: str) -> None:
    try:
        pattern = TagPattern(patterns)
    except ConfigError:
        return
    assert isinstance(pattern.matches(tag), bool)
