"""``registry.build()``: the one way every plugin kind is made from its section.

Fluentd's own rules, which the builder keeps for every kind: the section's
``@type`` (or the old ``type``) names the plugin; where a section may leave
it out, a default applies (a ``<secondary>`` without ``@type`` is of its
primary's type: https://docs.fluentd.org/output#secondary-output); an
unknown type is an error listing the known ones.
"""

from __future__ import annotations

from typing import Any

import pytest

from dplat.agent.buffer.buffer import Buffer
from dplat.agent.config.errors import ConfigError
from dplat.agent.core import registry
from dplat.agent.core.base import Filter, Input
from dplat.agent.output import Output
from dplat.agent.plugins.formatters import Formatter
from dplat.agent.plugins.parser_base import Parser
from dplat.agent.testing import parse


def section(text: str) -> Any:
    return parse(text).elements[0]


@pytest.mark.parametrize(("category", "text", "base", "type_name"), [
    ("input", "<source>\n@type sample\ntag t\n</source>", Input, "sample"),
    ("filter", "<filter **>\n@type grep\n</filter>", Filter, "grep"),
    ("output", "<match **>\ntype null\n</match>", Output, "null"),
    ("buffer", "<buffer>\n@type memory\n</buffer>", Buffer, "memory"),
    ("parser", "<parse>\n@type json\n</parse>", Parser, "json"),
    ("formatter", "<format>\n@type ltsv\n</format>", Formatter, "ltsv"),
])
def test_every_kind_is_built_and_configured(category: str, text: str, base: type,
                                            type_name: str) -> None:
    plugin = registry.build(category, section(text))
    assert isinstance(plugin, base)
    assert plugin.type_name == type_name
    assert vars(plugin)["config_element"].name == section(text).name  # configure() ran


def test_preset_attributes_are_there_before_configure() -> None:
    seen: dict[str, Any] = {}
    null_cls = registry.lookup("output", "null")

    class Spy(null_cls):  # type: ignore[misc, valid-type]
        def configure(self, element: Any, **kwargs: Any) -> None:
            seen["root_dir"] = self.root_dir
            super().configure(element, **kwargs)

    registry._registry["output"]["spy_for_build"] = Spy
    try:
        registry.build("output", section("<match **>\n@type spy_for_build\n</match>"),
                       preset={"root_dir": "/state"})
    finally:
        del registry._registry["output"]["spy_for_build"]
    assert seen == {"root_dir": "/state"}


def test_the_default_type_and_an_explicit_type() -> None:
    formatter = registry.build("formatter", section("<format>\n</format>"), default_type="json")
    assert formatter.type_name == "json"
    buffer = registry.build("buffer", section("<buffer>\n</buffer>"), type_name="memory")
    assert buffer.type_name == "memory"


def test_a_missing_type_names_the_section_its_owner_and_the_fix() -> None:
    with pytest.raises(ConfigError) as caught:
        registry.build("parser", section("<parse>\nkeys a\n</parse>"), usage="in_tail",
                       hint="Write e.g. '@type json'.")
    message = str(caught.value)
    assert "test.conf:1: <parse> of in_tail: missing '@type' parameter" in message
    assert "Write e.g. '@type json'." in message


def test_an_unknown_type_points_at_its_line_and_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"test\.conf:2: .*unknown output plugin type "
                                          r"'nope'; known types: .*null"):
        registry.build("output", parse("# first line\n<match **>\n@type nope\n</match>")
                       .elements[0])
