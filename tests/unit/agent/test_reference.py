"""The plugin reference (docs/agent-plugins.md) is generated from the plugins'
declarations; these tests keep the file and the declarations in step and make
sure every plugin and parameter has the text the reference shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dplat.agent.config.errors import ConfigError
from dplat.agent.core.params import Configurable, config_param
from dplat.agent.core.registry import lookup
from dplat.agent.reference import (
    COMMON_SECTIONS,
    REGENERATE,
    all_entries,
    format_value,
    param_table,
    plugin_reference,
    prose,
    purpose,
    render_reference,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "agent-plugins.md"


def test_generated_reference_in_docs_is_up_to_date() -> None:
    expected = render_reference()
    written = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert written == expected, (
        f"{DOC.name} is out of date with the plugins' declarations; regenerate it "
        f"from the repository root with:\n    {REGENERATE}")


def test_every_category_and_known_plugin_is_in_the_reference() -> None:
    names = {(entry.category, entry.name) for entry in all_entries()}
    assert {("input", "forward"), ("input", "tail"), ("filter", "grep"), ("output", "s3"),
            ("buffer", "file"), ("parser", "regexp"), ("formatter", "json")} <= names
    text = render_reference()
    for category, name in names:
        assert f"### `{name}` ({category})" in text


def test_plugins_registered_by_tests_are_left_out() -> None:
    lookup("output", "test_sink")  # registered by conftest.py
    assert "test_sink" not in {entry.name for entry in all_entries()}
    assert "test_sink" not in render_reference()


def test_every_registered_plugin_has_a_docstring() -> None:
    missing = [f"{entry.category} {entry.name} ({entry.cls.__module__})"
               for entry in all_entries() if not purpose(entry.cls)]
    assert not missing, "plugins without a docstring (module or class): " + ", ".join(missing)


def _declarations(cls: type[Configurable], where: str) -> Iterator[tuple[str, str]]:
    """(place, description) of every parameter and section, nested ones too."""
    for spec in cls.param_specs():
        yield f"{where} {spec.name}", spec.desc
    for section in cls.section_specs():
        yield f"{where} <{section.section}>", section.desc
        if section.config_class is not None:
            yield from _declarations(section.config_class, f"{where} <{section.section}>")


def test_every_parameter_and_section_has_a_description() -> None:
    declared = [item for entry in all_entries()
                for item in _declarations(entry.cls, f"{entry.category} {entry.name}:")]
    declared += [item for name, cls, _ in COMMON_SECTIONS
                 for item in _declarations(cls, f"<{name}>:")]
    assert len(declared) > 200
    missing = [place for place, desc in declared if not desc.strip()]
    assert not missing, "add desc= to: " + ", ".join(missing)


def test_purpose_is_the_first_sentence_without_the_type_prefix() -> None:
    forward = lookup("input", "forward")
    assert purpose(forward) == "Receive events from Fluentd-protocol peers."
    sample = lookup("input", "sample")  # "``@type sample`` (alias ``dummy``): ..."
    assert purpose(sample) == "Generate events, e.g. to try a pipeline."
    # formatters.py holds several plugins: each class docstring is used
    assert purpose(lookup("formatter", "json")) != purpose(lookup("formatter", "ltsv"))


@pytest.mark.parametrize(("value", "type_name", "shown"), [
    (8 * 1024 * 1024, "size", "`8m`"),
    (1536 * 1024, "size", "`1536k`"),
    (1000, "size", "`1000`"),
    (86400.0, "time", "`1d`"),
    (600.0, "time", "`10m`"),
    (0.25, "time", "`0.25`"),
    (True, "bool", "`true`"),
    (None, "string", "–"),
    ("\t", "string", '`"\\t"`'),
    ("", "string", '`""`'),
    ("0.0.0.0", "string", "`0.0.0.0`"),
    ([], "array", "`[]`"),
])
def test_defaults_are_shown_as_a_config_would_write_them(value: object, type_name: str,
                                                         shown: str) -> None:
    assert format_value(value, type_name) == shown


def test_table_marks_required_and_secret_and_escapes_pipes() -> None:
    class Example(Configurable):
        token = config_param("string", secret=True, desc="Key, as in <security>.")
        sep = config_param("string", default="|", desc="One | or another.")
        mode = config_param("enum", default="a", choices=("a", "b"), desc="Mode.")

    rows = param_table(Example.param_specs())
    assert rows[2] == "| `token` | string |  | yes | yes | Key, as in &lt;security>. |"
    assert rows[3] == "| `sep` | string | `\\|` |  |  | One \\| or another. |"
    assert rows[4] == "| `mode` | enum: `a`, `b` | `a` |  |  | Mode. |"
    # a default a plugin overrides (parsers' param_defaults) is no longer required
    assert param_table(Example.param_specs(), {"token": "x"})[2].startswith(
        "| `token` | string | `x` |  | yes |")


def test_prose_leaves_code_spans_alone() -> None:
    assert prose("use <store> or `<store>`") == "use &lt;store> or `<store>`"


def test_one_name_gives_every_plugin_of_that_name() -> None:
    text = plugin_reference("forward")
    assert "### `forward` (input)" in text
    assert "### `forward` (output)" in text
    assert "### `tail`" not in text
    assert "| `shared_key` | string |  | yes | yes |" in text  # <security> is rendered
    assert "### `sample` (input)" in plugin_reference("dummy")  # aliases are found


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"no plugin is called 'nope'; known: .*tail"):
        plugin_reference("nope")
