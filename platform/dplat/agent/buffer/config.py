"""The ``<buffer>`` keys read by the output side: chunk keys, time keys,
flushing, overflow and retries (the buffer type reads its own size limits
from the same section, see buffer.py).

Defaults are Fluentd's except ``timekey_use_utc``, which is true here: dplat
keeps all times in UTC (DESIGN "Time"), so ``dt=`` partitions and file time
slices do not depend on the machine's zone.
"""

from __future__ import annotations

from dplat.agent.buffer.retry import RetryPolicy
from dplat.agent.core.params import Configurable, config_param


class BufferSection(Configurable):
    """Declarations of the output-side ``<buffer>`` keys."""

    buffer_type = config_param("string", default="memory", alias="type", name="@type",
                        desc="Buffer plugin: memory or file.")
    timekey = config_param("time", default=None, desc="Width of a time chunk (chunk key time).")
    timekey_wait = config_param("time", default=600.0,
                                desc="How long after its range ends a time chunk is flushed.")
    timekey_use_utc = config_param("bool", default=True,
                                   desc="Align timekeys and placeholders to UTC (dplat default).")
    timekey_zone = config_param("string", default=None,
                                desc="Zone for timekeys when timekey_use_utc is false.")
    flush_at_shutdown = config_param("bool", default=None,
                                     desc="Flush at stop; default true for non-persistent buffers.")
    flush_mode = config_param("enum", default="default",
                              choices=("default", "lazy", "interval", "immediate"),
                              desc="default = lazy with a time key, else interval.")
    flush_interval = config_param("time", default=60.0, desc="Interval mode: age of a flush.")
    flush_thread_count = config_param("integer", default=1, desc="Parallel flush workers.")
    flush_thread_interval = config_param("float", default=1.0,
                                         desc="Idle polling interval of flush workers.")
    flush_thread_burst_interval = config_param("float", default=1.0,
                                               desc="Pause between chunks when many are queued.")
    overflow_action = config_param("enum", default="throw_exception",
                                   choices=("throw_exception", "block", "drop_oldest_chunk"),
                                   desc="What a write does when total_limit_size is reached.")
    retry_forever = config_param("bool", default=False, desc="Never discard on failures.")
    retry_timeout = config_param("time", default=72 * 3600.0,
                                 desc="Give up (or use <secondary>) after this long.")
    retry_max_times = config_param("integer", default=None, desc="Give up after so many retries.")
    retry_secondary_threshold = config_param("float", default=0.8,
                                             desc="Fraction of retry_timeout before <secondary>.")
    retry_type = config_param("enum", default="exponential_backoff",
                              choices=("exponential_backoff", "periodic"), desc="Backoff kind.")
    retry_wait = config_param("time", default=1.0, desc="First retry wait / backoff factor.")
    retry_exponential_backoff_base = config_param("float", default=2.0, desc="Backoff base.")
    retry_max_interval = config_param("time", default=None, desc="Cap of one backoff wait.")
    retry_randomize = config_param("bool", default=True, desc="Randomize waits by ±12.5 %.")

    def retry_policy(self, *, secondary: bool) -> RetryPolicy:
        return RetryPolicy(
            kind=self.retry_type, wait=self.retry_wait, timeout=self.retry_timeout,
            forever=self.retry_forever, max_times=self.retry_max_times,
            backoff_base=self.retry_exponential_backoff_base,
            max_interval=self.retry_max_interval, randomize=self.retry_randomize,
            secondary=secondary, secondary_threshold=self.retry_secondary_threshold,
        )
