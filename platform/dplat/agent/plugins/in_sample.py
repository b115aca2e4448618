"""``@type sample`` (alias ``dummy``): generate events, e.g. to try a pipeline.

``sample`` is one JSON object or an array of them, used in turn; ``rate``
events per second are emitted in ten slices across each second (Fluentd's
pacing), each event a stream of ``size`` records; ``auto_increment_key`` adds
a counter starting at 0. Unlike Fluentd's in_sample, which swallows every
emit error, a refused emit is logged and counted (``num_errors``) and the
generator goes on.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.core.base import Input
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record

SLICES_PER_SECOND = 10


@register("sample", "dummy")
class SampleInput(Input):
    tag = config_param("string", desc="Tag of the generated events.")
    size = config_param("integer", default=1, desc="Records per emitted stream.")
    rate = config_param("integer", default=1, desc="Streams emitted per second.")
    auto_increment_key = config_param("string", default=None,
                                      desc="Field that gets a counter 0, 1, 2...")
    reuse_record = config_param("bool", default=False,
                                desc="Emit the same record objects (faster; filters must "
                                "not change records in place).")
    sample = config_param("string", default='[{"message":"sample"}]', alias="dummy",
                          desc="A JSON object or an array of them.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        param = element.params.get("sample") or element.params.get("dummy")
        origin = param.origin if param else element.origin
        try:
            parsed = json.loads(self.sample)
        except json.JSONDecodeError as exc:
            raise located(origin, f"sample is not JSON: {exc}") from exc
        self.samples: list[Record] = parsed if isinstance(parsed, list) else [parsed]
        for index, item in enumerate(self.samples):
            if not isinstance(item, dict):
                raise located(origin, f"element {index} of sample, {item!r}, is not an object")
        if not self.samples:
            raise located(origin, "sample is an empty array")
        if self.rate < 1 or self.size < 1:
            raise located(element.origin, "rate and size must be at least 1")
        self._index = 0
        self._counter = 0

    async def start(self) -> None:
        self.spawn(self._run(), name="generate")

    async def _run(self) -> None:
        per_slice, rest = divmod(self.rate, SLICES_PER_SECOND)
        while True:
            second = time.time()
            for _ in range(SLICES_PER_SECOND):
                await self._emit(per_slice)
                await _sleep_until(second + (_ + 1) / SLICES_PER_SECOND)
            await self._emit(rest)
            await _sleep_until(second + 1.0)

    async def _emit(self, streams: int) -> None:
        if streams <= 0:
            return
        try:
            if self.size > 1:
                for _ in range(streams):
                    await self.emit_stream(self.tag, self._stream(self.size))
            else:
                await self.emit_stream(self.tag, self._stream(streams))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.metrics.num_errors += 1
            self.log.warning("emit failed, events dropped %s", kv(tag=self.tag, error=exc))

    def _stream(self, count: int) -> EventStream:
        now = EventTime.now()
        return [(now, self.generate()) for _ in range(count)]

    def generate(self) -> Record:
        record = self.samples[self._index]
        self._index = (self._index + 1) % len(self.samples)
        if not self.reuse_record or self.auto_increment_key:
            record = copy.deepcopy(record)
        if self.auto_increment_key:
            record[self.auto_increment_key] = self._counter
            self._counter += 1
        return record


async def _sleep_until(deadline: float) -> None:
    delay = deadline - time.time()
    if delay > 0:
        await asyncio.sleep(delay)
