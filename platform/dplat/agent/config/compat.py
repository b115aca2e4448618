"""v0.12 parameters moved into v1 sections, as Fluentd's compat helper moves them.

Fluentd v1 still runs td-agent 2 era configs because its built-in plugins call
``compat_parameters_convert`` (``lib/fluent/plugin_helper/compat_parameters.rb``)
before configuring: flat keys such as ``format apache2``, ``buffer_type file``,
``time_slice_format %Y%m%d%H`` or ``include_time_key true`` become ``<parse>``,
``<buffer>``, ``<format>`` and ``<inject>`` sections. This module does the same
on the neutral tree, once, before any plugin is built:

    convert(root)        every <source>/<filter>/<match> and their <store>s
                         and <secondary>s, by compat_tables.CONVERSIONS

The rules, each as Fluentd's helper has it:

* a family is converted only when its section is absent (a written ``<buffer>``
  wins: the flat keys then stay unused, and are warned about) and at least one
  of its keys is present;
* ``format /re/`` is ``@type regexp`` with ``expression re``; ``types a:integer,b:float``
  becomes the JSON hash; ``utc``/``localtime`` become ``localtime`` (both is an error);
* ``time_slice_format`` makes ``time`` the chunk key and derives ``timekey`` from
  its finest field (``%S`` 1 s, ``%M`` 60, ``%H`` 3600, ``%d`` 86400; only ``%Y``
  or ``%m`` is refused); with it, ``utc``/``localtime`` set ``timekey_use_utc``;
  outputs whose default chunk key is ``time`` (file) get a one-day ``timekey``;
* ``include_time_key true`` injects ``time`` as a string, ``include_tag_key true``
  injects ``tag``; ``time_as_epoch true`` makes the injected time (``time_key``
  by default ``time``) and the formatter's time ``time_type unixtime``, both
  only when another key of the family is there (it is no trigger in Fluentd);
  ``buffer_queue_full_action exception`` is ``throw_exception``;
* in_tail also copies ``format1``..``format20`` and ``emit_unmatched_lines`` into
  its ``<parse>`` (in_tail.rb does this itself, even when ``<parse>`` is written).

The flat keys stay on their element, marked as used (Fluentd reads them with
``has_key?``, which silences its "not used" warning), so a plugin that declares
one itself (out_s3's ``time_slice_format`` names its keys) still sees it.

Where dplat goes beyond Fluentd, it says so in a warning: ``retry_wait`` (the
helper has no mapping for it, so Fluentd ignores it) and the buffer keys of
outputs whose Fluentd plugin does not call the helper (the BigQuery outputs)
are moved into ``<buffer>`` too, because dropping a parameter that changes
delivery is worse than a difference from Fluentd.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace

from dplat.agent.config.compat_tables import (
    BUFFER_PARAMS,
    BUFFER_TRIGGERS,
    CONVERSIONS,
    DPLAT_BUFFER_PARAMS,
    FORMATTER_PARAMS,
    INJECT_PARAMS,
    INJECT_TRIGGERS,
    MULTILINE_MAX,
    PARSER_PARAMS,
    PARSER_TRIGGERS,
    RENAMED,
    RENAMED_IN,
    Conversions,
)
from dplat.agent.config.element import Element, Origin, Param
from dplat.agent.config.errors import ConfigError

log = logging.getLogger("dplat.agent.config")

_CATEGORY = {"source": "input", "filter": "filter", "match": "output",
             "store": "output", "secondary": "output"}


def convert(root: Element) -> None:
    """Convert every plugin directive of a parsed config in place."""
    for element in root.elements:
        if element.name == "label":
            for child in element.elements:
                convert_plugin(child)
        else:
            convert_plugin(element)


def convert_plugin(element: Element, primary_type: str = "") -> None:
    """Convert one directive (and its ``<store>``/``<secondary>`` children)."""
    category = _CATEGORY.get(element.name)
    if category is None:
        return
    rename_legacy_keys(element)
    type_name = element.get("@type") or primary_type
    conversions = CONVERSIONS.get((category, type_name))
    if conversions is not None:
        for family in conversions.families:
            _FAMILIES[family](element, conversions)
        if not conversions.fluentd_converts and _has_any(element, BUFFER_TRIGGERS):
            log.warning("%s: v0.12 buffer parameters in <%s> (@type %s) moved into <buffer>: "
                        "Fluentd's plugin ignores them, dplat honours them; write a <buffer> "
                        "section", element.origin, element.name, type_name)
    for child in element.elements:
        if child.name in ("store", "secondary"):
            convert_plugin(child, type_name if child.name == "secondary" else "")


def rename_legacy_keys(element: Element) -> None:
    """``type``/``id``/``log_level`` -> ``@type``/``@id``/``@log_level``, warned
    as Fluentd's ``Config::Element#[]`` warns ("deprecated parameter name")."""
    if element.name not in RENAMED_IN:
        return
    renamed: dict[str, Param] = {}
    for key, param in element.params.items():
        new = RENAMED.get(key)
        if new is None or new in element.params:
            renamed[key] = param
            continue
        log.warning("%s: '%s' is a deprecated parameter name; use '%s' instead",
                    param.origin, key, new)
        renamed[new] = replace(param, key=new)
    element.params = renamed
    for child in element.elements:
        if child.name in ("parse", "format", "buffer"):
            rename_legacy_keys(child)


# -- the families ---------------------------------------------------------------
def convert_buffer(element: Element, conversions: Conversions) -> None:
    if element.sections("buffer"):
        return
    if not _has_any(element, (*BUFFER_TRIGGERS, *DPLAT_BUFFER_PARAMS)):
        return
    params = _copy(element, BUFFER_PARAMS)
    queue_full = params.get("overflow_action")
    if queue_full is not None and queue_full.value == "exception":
        params["overflow_action"] = Param("overflow_action", "throw_exception",
                                          queue_full.origin)
    for old, new in DPLAT_BUFFER_PARAMS.items():
        if old in element.params:
            param = element.params[old]
            log.warning("%s: '%s' outside <buffer>: Fluentd ignores it, dplat moves it into "
                        "<buffer>", param.origin, old)
            params[new] = replace(param, key=new)
            element.used.add(old)
    chunk_key = conversions.default_chunk_key
    slice_format = element.params.get("time_slice_format")
    if slice_format is not None:
        chunk_key = "time"
        params["timekey"] = Param("timekey", str(timekey_of(slice_format)), slice_format.origin)
        utc = _utc_flag(element, "timekey_use_utc")
        if utc is not None:
            params["timekey_use_utc"] = utc
        element.used.add("time_slice_format")
    elif chunk_key == "time":
        params["timekey"] = Param("timekey", "86400", element.origin)
    _add(element, "buffer", chunk_key, params)


def timekey_of(slice_format: Param) -> int:
    """The timekey Fluentd derives from a ``time_slice_format``: its finest field."""
    for field, seconds in (("%S", 1), ("%M", 60), ("%H", 3600), ("%d", 86400)):
        if field in slice_format.value:
            return seconds
    raise ConfigError(f"time_slice_format {slice_format.value!r} has only %Y or %m, which "
                      "is too long a time slice", slice_format.origin,
                      "Add %d (daily), %H (hourly) or a finer field.")


def convert_parser(element: Element, conversions: Conversions) -> None:
    if not element.sections("parse") and _has_any(element, PARSER_TRIGGERS):
        params = _copy(element, PARSER_PARAMS)
        fmt = element.params.get("format")
        if fmt is not None:
            element.used.add("format")
            if len(fmt.value) >= 2 and fmt.value.startswith("/") and fmt.value.endswith("/"):
                params["@type"] = Param("@type", "regexp", fmt.origin)
                params["expression"] = Param("expression", fmt.value[1:-1], fmt.origin)
            else:
                params["@type"] = Param("@type", fmt.value, fmt.origin)
        types = element.params.get("types")
        if types is not None:
            params["types"] = Param("types", _types_json(element, types), types.origin)
            element.used.update({"types", "types_delimiter", "types_label_delimiter"})
        localtime = _localtime_flag(element)
        if localtime is not None:
            params["localtime"] = localtime
        _add(element, "parse", "", params)
    if conversions.tail_formats and element.sections("parse"):
        _copy_tail_formats(element, element.sections("parse")[0])


def _types_json(element: Element, types: Param) -> str:
    """``a:integer,b:float`` as the JSON hash, split as Ruby's ``String#split`` does."""
    delimiter = element.get("types_delimiter") or ","
    label_delimiter = element.get("types_label_delimiter") or ":"
    pairs = types.value.split(delimiter)
    while pairs and pairs[-1] == "":
        pairs.pop()
    result: dict[str, str | None] = {}
    for pair in pairs:
        key, sep, value = pair.partition(label_delimiter)
        result[key] = value if sep else None
    return json.dumps(result)


def _copy_tail_formats(element: Element, parse: Element) -> None:
    for number in range(1, MULTILINE_MAX + 1):
        param = element.params.get(f"format{number}")
        if param is not None:
            parse.params[param.key] = param
            element.used.add(param.key)
    unmatched = element.params.get("emit_unmatched_lines")
    if unmatched is not None and parse.get("@type", "").startswith("multiline"):
        parse.params.setdefault("unmatched_lines", replace(unmatched, key="unmatched_lines"))


def convert_inject(element: Element, conversions: Conversions) -> None:
    if element.sections("inject") or not _has_any(element, INJECT_TRIGGERS):
        return
    params = _copy(element, INJECT_PARAMS)
    if _flag(element, "include_time_key"):
        origin = element.params["include_time_key"].origin
        params.setdefault("time_key", Param("time_key", "time", origin))
        params.setdefault("time_type", Param("time_type", "string", origin))
    if _flag(element, "time_as_epoch"):
        origin = element.params["time_as_epoch"].origin
        params.setdefault("time_key", Param("time_key", "time", origin))
        params["time_type"] = Param("time_type", "unixtime", origin)
    element.used.update({"include_time_key", "include_tag_key", "time_as_epoch"}
                        & set(element.params))
    localtime = _localtime_flag(element, lenient=True)
    if localtime is not None:
        params["localtime"] = localtime
    if _flag(element, "include_tag_key"):
        origin = element.params["include_tag_key"].origin
        params.setdefault("tag_key", Param("tag_key", "tag", origin))
    _add(element, "inject", "", params)


def convert_formatter(element: Element, conversions: Conversions) -> None:
    if element.sections("format"):
        return
    params = _copy(element, FORMATTER_PARAMS)
    json_flag = element.params.get("format_json")
    if json_flag is not None and "@type" not in params:
        element.used.add("format_json")
        log.warning("%s: 'format_json' is a removed out_s3 parameter; write <format> @type "
                    "json </format>", json_flag.origin)
        if _flag(element, "format_json"):
            params["@type"] = Param("@type", "json", json_flag.origin)
    if params or json_flag is not None:
        epoch = _flag(element, "time_as_epoch")
        if epoch:
            params["time_type"] = Param("time_type", "unixtime",
                                        element.params["time_as_epoch"].origin)
            element.used.add("time_as_epoch")
        section = _add(element, "format", "", params)
        if epoch:  # not warned where the formatter prints no time (json), unlike Fluentd
            section.used.add("time_type")


_FAMILIES: dict[str, Callable[[Element, Conversions], None]] = {
    "buffer": convert_buffer,
    "parser": convert_parser,
    "inject": convert_inject,
    "formatter": convert_formatter,
}


# -- helpers -------------------------------------------------------------------------
def _has_any(element: Element, keys: tuple[str, ...] | dict[str, str]) -> bool:
    return any(key in element.params for key in keys)


def _copy(element: Element, mapping: dict[str, str]) -> dict[str, Param]:
    """The mapped keys present on ``element``, renamed; marks them used."""
    params: dict[str, Param] = {}
    for old, new in mapping.items():
        param = element.params.get(old)
        if param is not None:
            params[new] = replace(param, key=new)  # from_env and the written form too
            element.used.add(old)
    return params


def _add(element: Element, name: str, arg: str, params: dict[str, Param]) -> Element:
    origins = [p.origin for p in params.values()]
    origin = min(origins, key=lambda o: o.line) if origins else element.origin
    section = Element(name, arg, params, [], Origin(origin.file, origin.line))
    section.generated = True
    element.elements.append(section)
    return section


_TRUE = frozenset({"true", "yes", ""})


def _flag(element: Element, key: str) -> bool:
    """Fluentd's ``Config.bool_value``: true/yes/empty are true."""
    param = element.params.get(key)
    return param is not None and param.value in _TRUE


def _both_error(element: Element) -> ConfigError:
    return ConfigError("both utc and localtime are given", element.params["utc"].origin,
                       "Keep only one of them.")


def _ruby_truthy(param: Param) -> bool:
    """The inject helper's own ``to_bool``: anything but ``false`` is true."""
    return param.value != "false"


def _localtime_flag(element: Element, *, lenient: bool = False) -> Param | None:
    """``localtime`` as it is, or the opposite of ``utc``; None when neither.

    ``lenient`` is the inject rule: both are allowed when they agree
    (``utc true`` with ``localtime false``), as Fluentd's inject conversion does.
    """
    utc, local = element.params.get("utc"), element.params.get("localtime")
    if (utc is not None and local is not None
            and (not lenient or _ruby_truthy(utc) == _ruby_truthy(local))):
        raise _both_error(element)
    element.used.update({"utc", "localtime"} & set(element.params))
    if local is not None:
        return Param("localtime", "true" if _flag(element, "localtime") else "false",
                     local.origin)
    if utc is not None:
        return Param("localtime", "false" if _flag(element, "utc") else "true", utc.origin)
    return None


def _utc_flag(element: Element, key: str) -> Param | None:
    """``timekey_use_utc`` from ``utc``/``localtime`` beside a ``time_slice_format``."""
    local = _localtime_flag(element)
    if local is None:
        return None
    return Param(key, "false" if local.value == "true" else "true", local.origin)

