"""``@type copy``: give every event to several outputs (``<store>`` sections).

Each store is a whole output with its own buffer, retries and secondary. A
store whose emit fails does not stop the others from getting the events (in
Fluentd the stores after a failing one are skipped); the first error of a
store without ``<store ignore_error>`` is raised once all stores were tried,
so the input does not ack and the client resends (at-least-once, duplicates
in the stores that succeeded). ``<store ignore_if_prev_success>`` skips a
store when the one before it succeeded (a fallback chain).

``copy_mode`` decides what each store gets: ``no_copy`` (Fluentd's default:
the same record objects; safe because outputs serialize on emit and filters
build new records), ``shallow`` (a new list), ``deep`` (records rebuilt
through msgpack), ``marshal`` (``copy.deepcopy``).
"""

from __future__ import annotations

import copy
from typing import Any

import msgpack

from dplat.agent.config.element import Element
from dplat.agent.core import registry
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream
from dplat.agent.output import Output


@register("copy")
class CopyOutput(Output):
    buffered_by_default = False

    copy_mode = config_param("enum", default="no_copy",
                             choices=("no_copy", "shallow", "deep", "marshal"),
                             desc="How records are duplicated for each store.")
    deep_copy = config_param("bool", default=False, desc="Deprecated: copy_mode shallow.")
    store_config = config_section("store", multi=True, required=True,
                                  desc="An output that gets every event.")

    def __init__(self) -> None:
        super().__init__()
        self.stores: list[Output] = []
        self.ignore_errors: list[bool] = []
        self.ignore_if_prev_success: list[bool] = []

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if self.deep_copy:
            self.copy_mode = "shallow"
        for index, store in enumerate(self.store_config):
            flags = store.arg.split()
            if index == 0 and "ignore_if_prev_success" in flags:
                raise located(store.origin, "ignore_if_prev_success must be on the 2nd or a "
                              "later <store>")
            self.ignore_errors.append("ignore_error" in flags)
            self.ignore_if_prev_success.append("ignore_if_prev_success" in flags)
            self.stores.append(self._build_store(store))

    def _build_store(self, element: Element) -> Output:
        store: Output = registry.build("output", element, preset={"root_dir": self.root_dir})
        return store

    def children(self) -> list[Output]:
        return [*self.stores, *super().children()]

    def _copied(self, stream: EventStream) -> EventStream:
        if self.copy_mode == "no_copy":
            return stream
        if self.copy_mode == "shallow":
            return [(time, dict(record)) for time, record in stream]
        if self.copy_mode == "deep":
            return [(time, msgpack.unpackb(msgpack.packb(record), strict_map_key=False))
                    for time, record in stream]
        return copy.deepcopy(stream)

    async def process(self, tag: str, stream: EventStream) -> None:
        first_error: Exception | None = None
        succeeded = False
        for index, store in enumerate(self.stores):
            if index and succeeded and self.ignore_if_prev_success[index]:
                continue
            try:
                await store.emit(tag, self._copied(stream))
            except Exception as exc:
                succeeded = False
                if self.ignore_errors[index]:
                    self.log.error("ignore emit error in store %s",
                                   kv(store=store.plugin_id, error=exc))
                elif first_error is None:
                    first_error = exc
            else:
                succeeded = True
        if first_error is not None:
            raise first_error

    async def open(self) -> None:
        await super().open()
        for store in self.stores:
            await store.open()

    async def close(self) -> None:
        try:
            for store in self.stores:
                await store.close()
        finally:
            await super().close()

    async def flush(self) -> None:
        for store in self.stores:
            await store.flush()
