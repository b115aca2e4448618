"""Parameter declarations, plugin bases and the registry."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

import pytest

from dplat.agent.config import ConfigError
from dplat.agent.config.element import Element
from dplat.agent.core import registry
from dplat.agent.core.base import Filter, Input, Plugin
from dplat.agent.core.masking import MASK, masked, render
from dplat.agent.core.params import (
    Configurable,
    config_param,
    config_section,
    document,
)
from dplat.agent.output import Output
from dplat.agent.testing import configured, parse, run_filter
from dplat.waiting import wait_until_async


class Login(Configurable):
    user = config_param("string", desc="Who.")
    password = config_param("string", default=None, secret=True, desc="Secret.")


class Example(Configurable):
    port = config_param("integer", default=24224, desc="Port.")
    size = config_param("size", default=1024)
    wait = config_param("time", default=1.0)
    mode = config_param("enum", default="fast", choices=("fast", "slow"))
    hosts = config_param("array", default=[])
    name = config_param("string", alias="label_name")
    shared_key = config_param("string", default=None, secret=True)
    login = config_param("bool", default=False)
    auth = config_section("auth", config_class=Login)
    servers = config_section("server", multi=True)


def test_params_are_converted_to_their_types(conf: Callable[..., Element]) -> None:
    example = Example()
    example.configure(conf("source", "", {"port": "8080", "size": "8m", "wait": "5m",
                                          "mode": "slow", "hosts": "a,b", "name": "x"}))
    assert (example.port, example.size, example.wait) == (8080, 8 * 1024 * 1024, 300.0)
    assert (example.mode, example.hosts, example.name) == ("slow", ["a", "b"], "x")
    assert example.login is False


def test_defaults_before_and_after_configure_and_aliases(conf: Callable[..., Element]) -> None:
    example = Example()
    assert example.port == 24224  # reads as the default before configure
    with pytest.raises(AttributeError, match="required parameter 'name'"):
        _ = example.name
    example.configure(conf("source", "", {"label_name": "via-alias"}))
    assert example.name == "via-alias" and example.hosts == []


def test_default_mutables_are_not_shared(conf: Callable[..., Element]) -> None:
    first, second = Example(), Example()
    first.configure(conf("source", "", {"name": "a"}))
    second.configure(conf("source", "", {"name": "b"}))
    first.hosts.append("x")
    assert second.hosts == []


def test_type_error_names_file_line_and_parameter() -> None:
    root = parse("<source>\n  name n\n  port abc\n</source>\n")
    with pytest.raises(ConfigError) as info:
        Example().configure(root.elements[0])
    assert re.match(r"test\.conf:3: parameter 'port' in <source>: invalid integer 'abc'",
                    str(info.value))


def test_enum_error_lists_choices_and_required_param_is_named(conf: Callable[..., Element]) -> None:
    with pytest.raises(ConfigError, match="Valid options are fast, slow"):
        Example().configure(conf("source", "", {"name": "n", "mode": "medium"}))
    element = parse("<match a.**>\n</match>").elements[0]
    with pytest.raises(ConfigError, match=r"test\.conf:1: <match a\.\*\*>: required parameter "
                       "'name' is missing"):
        Example().configure(element)


def test_unknown_params_and_sections_warn_but_load(caplog: pytest.LogCaptureFixture) -> None:
    root = parse("<source>\n name n\n colour red\n @type x\n <nested>\n </nested>\n</source>")
    with caplog.at_level(logging.WARNING, "dplat.agent.config"):
        Example().configure(root.elements[0])
    messages = [r.getMessage() for r in caplog.records]
    assert "test.conf:3: parameter 'colour' in <source> is not used" in messages
    assert "test.conf:5: section <nested> in <source> is not used" in messages
    assert not any("@type" in m for m in messages)


def test_sections_configured_by_their_class_or_kept_as_elements() -> None:
    root = parse("<source>\n name n\n <auth>\n  user u\n  password p\n </auth>\n"
                 " <server>\n  host a\n </server>\n <server>\n  host b\n </server>\n</source>")
    example = Example()
    example.configure(root.elements[0])
    assert isinstance(example.auth, Login) and example.auth.user == "u"
    assert [s.get("host") for s in example.servers] == ["a", "b"]
    double = parse("<source>\n name n\n <auth>\n user u\n </auth>\n <auth>\n user v\n </auth>\n"
                   "</source>")
    with pytest.raises(ConfigError, match=r"test\.conf:6: .*only one <auth> section"):
        Example().configure(double.elements[0])


def test_secrets_are_masked_in_every_dump() -> None:
    root = parse("<source>\n name n\n shared_key s3cr3t\n <auth>\n  user u\n  password pw\n"
                 " </auth>\n <server>\n  host h\n  password other\n </server>\n</source>")
    example = Example()
    example.configure(root.elements[0])
    assert example.config_dump()["shared_key"] == MASK
    assert example.auth.config_dump() == {"user": "u", "password": MASK}
    text = render(masked(root, None))
    assert "s3cr3t" not in text and "pw" not in text and "other" not in text
    declared = render(masked(root.elements[0], Example))
    assert "shared_key xxxxxx" in declared and "name n" in declared and "host h" in declared
    assert "password xxxxxx" in declared  # the unknown <server> section: masked by its key


def test_plugin_config_dumps_mask_secrets_of_nested_outputs() -> None:
    from dplat.agent.plugins.out_copy import CopyOutput

    copy = configured(CopyOutput, "<store>\n @type null\n password p1\n</store>\n"
                      "<store>\n @type stdout\n api_token t2\n</store>\n")
    text = render(copy.masked_config())
    assert "p1" not in text and "t2" not in text and "@type stdout" in text


def test_document_lists_declarations() -> None:
    rows = {row.name: row for row in document(Login)}
    assert rows["password"].secret and rows["user"].desc == "Who."


def test_declaration_mistakes_fail_loudly() -> None:
    with pytest.raises(TypeError, match="unknown parameter type"):
        config_param("number")
    with pytest.raises(TypeError, match="needs choices"):
        config_param("enum")


# -- plugin bases and registry ------------------------------------------------------


class Upper(Filter):
    fail_on = config_param("string", default="boom")

    def filter(self, tag: str, time, record):  # type: ignore[no-untyped-def]
        if record.get("msg") == self.fail_on:
            raise ValueError("cannot upper this")
        if record.get("drop"):
            return None
        return {**record, "msg": record["msg"].upper()}


def test_filter_driver_runs_records_and_routes_errors() -> None:
    from dplat.agent.testing import CollectingRouter

    router = CollectingRouter()
    out = run_filter(Upper, "", [{"msg": "a"}, {"msg": "boom"}, {"msg": "c", "drop": True}],
                     router=router)
    assert out == [{"msg": "A"}]
    assert [(tag, rec) for tag, _, rec, _ in router.errors] == [("test", {"msg": "boom"})]
    assert isinstance(router.errors[0][3], ValueError)


def test_abstract_hooks_fail_loudly() -> None:
    class Lazy(Filter):
        pass

    with pytest.raises(NotImplementedError, match="BUG: filter plugins MUST implement"):
        run_filter(Lazy, "", [{"a": 1}])

    class Nothing(Output):
        pass

    with pytest.raises(TypeError, match="implements neither process nor write"):
        configured(Nothing, "")


def test_plugin_id_from_at_id_legacy_id_or_object_address() -> None:
    assert configured(Upper, "@id my_filter").plugin_id == "my_filter"
    assert configured(Upper, "id legacy").plugin_id == "legacy"
    assert re.fullmatch(r"object:[0-9a-f]+", configured(Upper, "").plugin_id)
    with pytest.raises(ConfigError, match="unknown @log_level 'loud'"):
        configured(Upper, "@log_level loud")


def test_registry_finds_by_file_name_and_alias_and_lists_known_types() -> None:
    assert registry.lookup("output", "stdout").__name__ == "StdoutOutput"
    assert registry.lookup("input", "dummy") is registry.lookup("input", "sample")
    assert registry.lookup("formatter", "ltsv").type_name == "ltsv"
    with pytest.raises(ConfigError) as info:
        registry.lookup("output", "nope")
    assert "unknown output plugin type 'nope'" in str(info.value)
    assert all(name in str(info.value) for name in ("copy", "file", "null", "relabel", "stdout"))


def test_register_needs_a_category_and_unique_names() -> None:
    with pytest.raises(TypeError, match="no known plugin_category"):
        registry.register("x")(Plugin)

    class Other(Input):
        pass

    with pytest.raises(TypeError, match="registered twice"):
        registry.register("sample")(Other)


def test_spawned_tasks_are_cancelled_and_crashes_counted() -> None:
    class Ticker(Input):
        async def start(self) -> None:
            self.ticks = 0
            self.every(0.01, self._tick, name="tick")
            self.spawn(asyncio.sleep(3600), name="sleeper")
            self.spawn(self._crash(), name="crash")

        def _tick(self) -> None:
            self.ticks += 1

        async def _crash(self) -> None:
            raise RuntimeError("bad")

    async def scenario() -> tuple[int, int, int]:
        plugin = configured(Ticker, "", name="source")
        await plugin.open()
        await wait_until_async(lambda: plugin.ticks >= 2 and plugin.metrics.num_errors, 10,
                               interval=0.01, what="two ticks and the crash counted")
        await plugin.close()
        return plugin.ticks, len(plugin.tasks), plugin.metrics.num_errors

    ticks, left, errors = asyncio.run(scenario())
    assert ticks >= 2 and left == 0 and errors == 1
