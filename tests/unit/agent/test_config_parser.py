"""The config parser: Fluentd v1 syntax into Element trees, and its errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from dplat.agent.config import ConfigError, Element, load_config, parse_config


def parse(text: str, **kwargs: object) -> Element:
    return parse_config(text, filename="test.conf", env={}, **kwargs)  # type: ignore[arg-type]


def only(root: Element) -> Element:
    assert len(root.elements) == 1
    return root.elements[0]


def values(element: Element) -> dict[str, str]:
    return {key: param.value for key, param in element.params.items()}


# -- structure ------------------------------------------------------------------


def test_root_is_named_root_and_holds_top_level_params() -> None:
    root = parse("top 1\n")
    assert root.name == "ROOT"
    assert root.arg == ""
    assert values(root) == {"top": "1"}


def test_sections_nest_with_args_and_origins() -> None:
    root = parse(
        "<match app.** {web,api}.*>\n"
        "  @type s3\n"
        "  <buffer tag,time>\n"
        "    timekey 1h\n"
        "  </buffer>\n"
        "</match>\n"
    )
    match = only(root)
    assert (match.name, match.arg, match.origin.line) == ("match", "app.** {web,api}.*", 1)
    buffer = only(match)
    assert (buffer.name, buffer.arg, buffer.origin.line) == ("buffer", "tag,time", 3)
    assert buffer.params["timekey"].origin.line == 4
    assert str(buffer.params["timekey"].origin) == "test.conf:4"


def test_section_header_blanks_comments_and_quoted_arg() -> None:
    root = parse('<match   a.b   >  # trailing comment\n</match >\n<label "@X">\n</label>\n')
    assert [(e.name, e.arg) for e in root.elements] == [("match", "a.b"), ("label", "@X")]


def test_all_directive_kinds_and_any_section_name() -> None:
    names = ["source", "filter", "match", "label", "system", "worker", "anything_1"]
    text = "".join(f"<{name} x>\n</{name}>\n" for name in names)
    assert [e.name for e in parse(text).elements] == names


def test_worker_and_label_arguments() -> None:
    root = parse("<worker 0-1>\n</worker>\n<label @ERROR>\n</label>\n")
    assert [e.arg for e in root.elements] == ["0-1", "@ERROR"]


def test_key_alone_is_empty_flag_even_with_a_comment() -> None:
    root = parse("<source>\n  read_from_head\n  other   # just a comment\n  last\n</source>\n")
    assert values(only(root)) == {"read_from_head": "", "other": "", "last": ""}
    assert values(parse("at_end_of_text")) == {"at_end_of_text": ""}


def test_comments_blank_lines_tabs_crlf_and_bom() -> None:
    text = "\ufeff# heading\r\n\r\n\t<source>\r\n\t\tport\t24224\r\n  # inner\r\n</source>\r\n"
    root = parse(text)
    source = only(root)
    assert values(source) == {"port": "24224"}
    assert source.params["port"].origin.line == 4


def test_duplicate_key_last_wins() -> None:
    assert values(parse("k 1\nk 2\n")) == {"k": "2"}


def test_legacy_type_and_id_pass_through() -> None:
    assert values(only(parse("<match x>\n  type file\n  id out1\n</match>\n"))) == {
        "type": "file",
        "id": "out1",
    }


def test_reserved_params_at_top_level_and_at_prefix_in_nested_sections() -> None:
    root = parse(
        "<source>\n  @type tail\n  @id in1\n  @label @app\n  @log_level debug\n"
        "  <parse>\n    @type json\n    @custom ok\n  </parse>\n</source>\n"
    )
    source = only(root)
    assert values(source) == {
        "@type": "tail", "@id": "in1", "@label": "@app", "@log_level": "debug"
    }
    assert values(only(source)) == {"@type": "json", "@custom": "ok"}


# -- values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("k plain value", "plain value"),
        ("k value   # comment", "value"),
        ("k value\t# comment", "value"),
        ("k color#1", "color#1"),
        ("k trailing blanks   ", "trailing blanks"),
        ("k    leading", "leading"),
        ("k a # b # c", "a"),
        ("k ${tag}/%Y/#{x}", "${tag}/%Y/#{x}"),
        ("k 'single # not a comment'", "single # not a comment"),
        ("k 'it\\'s'", "it's"),
        ("k 'back\\\\slash'", "back\\slash"),
        ("k 'raw \\n \\d #{ENV[\"X\"]}'", 'raw \\n \\d #{ENV["X"]}'),
        ('k "double"   # comment', "double"),
        ('k "q\\"uote"', 'q"uote'),
        ('k "\\\\ \\n \\r \\t \\f \\b \\0"', "\\ \n \r \t \f \b \0"),
        ("k \"\\' \\. \\$ \\# \\{\"", "' . $ # {"),
        ('k "\\#{not code}"', "#{not code}"),
        ('k "# not a comment"', "# not a comment"),
        ('k ""', ""),
        ("k ''", ""),
    ],
)
def test_value_forms(line: str, expected: str) -> None:
    assert parse(line + "\n").get("k") == expected


def test_double_quoted_value_spans_lines_and_backslash_joins_them() -> None:
    root = parse('a "line1\nline2"\nb "joined \\\n  here"\nc after\n')
    assert values(root) == {"a": "line1\nline2", "b": "joined   here", "c": "after"}
    assert root.params["c"].origin.line == 5


def test_multiline_json_array_with_comments() -> None:
    root = parse(
        "<match x>\n"
        "  schema [\n"
        '    {"name": "id", "type": "INTEGER"},   # the key\n'
        '    {"name": "msg # not a comment", "type": "STRING"}\n'
        "  ]\n"
        "  after 1\n"
        "</match>\n"
    )
    match = only(root)
    assert json.loads(match.get("schema") or "") == [
        {"name": "id", "type": "INTEGER"},
        {"name": "msg # not a comment", "type": "STRING"},
    ]
    assert match.get("schema") == (
        '[{"name":"id","type":"INTEGER"},{"name":"msg # not a comment","type":"STRING"}]'
    )
    assert match.params["after"].origin.line == 6


def test_multiline_json_hash() -> None:
    root = parse('labels {\n  "team": "data",\n  "n": [1, 2]\n}\nnext x\n')
    assert json.loads(root.get("labels") or "") == {"team": "data", "n": [1, 2]}
    assert root.get("next") == "x"


def test_json_keeps_unicode_and_brackets_in_strings() -> None:
    assert parse('k ["é", "]", "{"]\n').get("k") == '["é","]","{"]'


# -- errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("<source>\n  @type x\n", 1, "<source> is never closed"),
        ("<a>\n<b>\n</b>\n", 1, "<a> is never closed"),
        ("<a>\n</b>\n", 2, "</b> does not close <a> opened at test.conf:1"),
        ("\n\n</stray>\n", 3, "</stray> closes no open section"),
        ("<a>\n</a\n", 2, "</a has no closing '>'"),
        ("<match a.**\n</match>\n", 1, "<match has no closing '>'"),
        ("< match>\n", 1, "expected a section name"),
        ("<a> junk\n</a>\n", 1, "unexpected text 'junk' after <a>"),
        ("<a>\n</a> junk\n", 2, "unexpected text 'junk' after </a>"),
        ('x 1\nk "abc\n\n', 2, "double-quoted string is never closed"),
        ("k 'abc\nmore'\n", 1, "single-quoted string is not closed on its line"),
        ('k "ok" extra\n', 1, "unexpected text 'extra'"),
        ('k "bad \\q"\n', 1, "unknown escape '\\q'"),
        ("k [1, 2\n", 1, "JSON array is never closed"),
        ("k {\n  \"a\": 1,\n  \"b\": \n}\n", 4, "invalid JSON hash"),
        ("k [not json]\n", 1, "invalid JSON array"),
        ("<source>\n  @bogus 1\n</source>\n", 2, "'@bogus': the '@' prefix is reserved"),
        ("@custom 1\n", 1, "the '@' prefix is reserved"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    error = caught.value
    assert error.origin is not None
    assert (error.origin.file, error.origin.line) == ("test.conf", line)
    assert fragment in str(error)
    assert str(error).startswith(f"test.conf:{line}: ")
    assert error.fix, "every error says what to do"


def test_deep_nesting_is_an_element_not_a_recursion_error() -> None:
    depth = 3000
    text = "<a>\n" * depth + "</a>\n" * depth
    element = parse(text)
    for _ in range(depth):
        element = only(element)
    assert element.name == "a"


def test_deeply_nested_json_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse("k " + "[" * 100_000 + "]" * 100_000 + "\n")


# -- a realistic config ---------------------------------------------------------

FULL = """\
<system>
  log_level info
  workers 1
</system>

<source>
  @type forward
  @id in_forward
  port 24224
  bind 127.0.0.1
  <security>
    self_hostname agent
    shared_key "#{ENV['FLUENT_SHARED_KEY']}"
  </security>
</source>

<source>
  @type tail
  path /dplat/work/logs/*.log
  pos_file /dplat/work/state/app.pos
  tag app.web
  read_from_head true
  <parse>
    @type regexp
    expression /^(?<time>[^ ]+) (?<level>\\w+) (?<msg>.*)$/
    time_format %Y-%m-%dT%H:%M:%S%z
  </parse>
</source>

<filter app.**>
  @type grep
  <and>
    <regexp>
      key level
      pattern /^(INFO|WARN|ERROR)$/
    </regexp>
    <exclude>
      key msg
      pattern /healthcheck/
    </exclude>
  </and>
</filter>

<filter app.**>
  @type record_transformer
  <record>
    hostname agent-1
    tag_part ${tag_parts[1]}
  </record>
</filter>

<match app.**>
  @type copy
  <store>
    @type s3
    s3_bucket datastaging
    path app/${tag}/dt=%Y%m%d/
    <buffer tag,time>
      @type file
      path /dplat/work/buffer/s3
      timekey 1h
      timekey_use_utc true
    </buffer>
    <format>
      @type json
    </format>
    <secondary>
      @type file
      path /dplat/work/failed/s3
    </secondary>
  </store>
  <store>
    @type stdout
  </store>
</match>

<label @ERROR>
  <match **>
    @type file
    path /dplat/work/errors
  </match>
</label>
"""


def test_realistic_config() -> None:
    root = parse_config(FULL, "agent.conf", env={"FLUENT_SHARED_KEY": "k3y"})
    assert [(e.name, e.arg) for e in root.elements] == [
        ("system", ""),
        ("source", ""),
        ("source", ""),
        ("filter", "app.**"),
        ("filter", "app.**"),
        ("match", "app.**"),
        ("label", "@ERROR"),
    ]
    forward, tail = root.sections("source")
    assert forward.sections("security")[0].get("shared_key") == "k3y"
    expression = tail.sections("parse")[0].params["expression"]
    assert expression.value == r"/^(?<time>[^ ]+) (?<level>\w+) (?<msg>.*)$/"
    assert str(expression.origin) == "agent.conf:25"
    grep = root.sections("filter")[0]
    and_ = grep.sections("and")[0]
    assert [e.name for e in and_.elements] == ["regexp", "exclude"]
    assert root.sections("filter")[1].sections("record")[0].get("tag_part") == "${tag_parts[1]}"
    s3, stdout = root.sections("match")[0].sections("store")
    assert s3.get("path") == "app/${tag}/dt=%Y%m%d/"
    buffer = s3.sections("buffer")[0]
    assert buffer.arg == "tag,time"
    assert values(buffer)["timekey_use_utc"] == "true"
    assert s3.sections("format")[0].get("@type") == "json"
    assert s3.sections("secondary")[0].get("path") == "/dplat/work/failed/s3"
    assert stdout.get("@type") == "stdout"
    error_match = root.sections("label")[0].sections("match")[0]
    assert (error_match.arg, error_match.get("path")) == ("**", "/dplat/work/errors")
    assert str(error_match.origin) == "agent.conf:78"


# -- @include -------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_include_glob_sorted_relative_to_including_file(tmp_path: Path) -> None:
    main = write(tmp_path / "main.conf", "first 1\n@include conf.d/*.conf\nlast 1\n")
    write(tmp_path / "conf.d" / "20-b.conf", "<match b>\n</match>\n")
    write(tmp_path / "conf.d" / "10-a.conf", "<match a>\n</match>\n@include ../more/c.conf\n")
    write(tmp_path / "conf.d" / "ignored.txt", "<match ignored>\n</match>\n")
    write(tmp_path / "more" / "c.conf", "<match c>\n  k v\n</match>\n")
    root = load_config(main, env={})
    assert [e.arg for e in root.elements] == ["a", "c", "b"]
    assert list(root.params) == ["first", "last"]
    c_param = root.elements[1].params["k"]
    assert c_param.origin.file.endswith("c.conf")
    assert c_param.origin.line == 2


def test_include_inside_a_section_and_quoted_path(tmp_path: Path) -> None:
    write(tmp_path / "my buffer.conf", "<buffer>\n  timekey 60\n</buffer>\n")
    text = '<match x>\n  @include "my buffer.conf"\n</match>\n'
    match = only(parse(text, base_dir=tmp_path))
    assert only(match).get("timekey") == "60"


def test_bare_include_keyword_at_top_level(tmp_path: Path) -> None:
    write(tmp_path / "a.conf", "k v\n")
    assert parse("include a.conf\n", base_dir=tmp_path).get("k") == "v"


def test_include_glob_without_matches_adds_nothing(tmp_path: Path) -> None:
    assert parse("@include nothing/*.conf\n", base_dir=tmp_path).elements == []


def test_include_cycle_is_reported(tmp_path: Path) -> None:
    main = write(tmp_path / "a.conf", "@include b.conf\n")
    write(tmp_path / "b.conf", "x 1\n@include a.conf\n")
    with pytest.raises(ConfigError, match="@include cycle") as caught:
        load_config(main, env={})
    assert caught.value.origin is not None
    assert caught.value.origin.file.endswith("b.conf")
    assert caught.value.origin.line == 2


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("@include", "needs a path"),
        ("@include https://example.invalid/x.conf", "remote includes are not supported"),
    ],
)
def test_bad_includes(tmp_path: Path, line: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as caught:
        parse("x 1\n" + line + "\n", base_dir=tmp_path)
    assert caught.value.origin is not None
    assert caught.value.origin.line == 2


def test_include_of_a_missing_file_is_skipped_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Fluentd globs every @include path (v1_parser.rb eval_include), so a
    missing file includes nothing; we skip it too, and say where."""
    with caplog.at_level(logging.WARNING):
        root = parse("x 1\n@include missing.conf\ny 2\n", base_dir=tmp_path)
    assert list(root.params) == ["x", "y"]
    assert "test.conf:2: @include missing.conf: no such file; skipped" in caplog.text


def test_include_unbalanced_section_is_an_error_in_that_file(tmp_path: Path) -> None:
    write(tmp_path / "part.conf", "<match x>\n")
    with pytest.raises(ConfigError, match="<match> is never closed") as caught:
        parse("@include part.conf\n</match>\n", base_dir=tmp_path)
    assert caught.value.origin is not None
    assert caught.value.origin.file.endswith("part.conf")


def test_includes_can_be_disallowed(tmp_path: Path) -> None:
    write(tmp_path / "a.conf", "k v\n")
    with pytest.raises(ConfigError, match="not allowed"):
        parse("@include a.conf\n", base_dir=tmp_path, allow_include=False)


def test_load_config_missing_or_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.conf")
    bad = tmp_path / "latin1.conf"
    bad.write_bytes(b"k caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)
