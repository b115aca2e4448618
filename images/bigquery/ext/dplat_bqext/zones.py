"""Time zones given as UTC offsets in bqemulator's Python date helpers.

BigQuery takes a time zone either as a tz database name or as an offset from
UTC, ``(+|-)H[H][:MM]`` (timestamp_functions#timezone_definitions), e.g.
``FORMAT_TIMESTAMP('%z', ts, '-03:00')``. bqemulator's helpers
(``bqemu_format_timestamp_iso`` and its parsing twin) look the text up with
``zoneinfo.ZoneInfo`` only, which knows names, so an offset was "Invalid time
zone". Case format_elements.timestamp_z_negative.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

OFFSET = re.compile(r"([+-])(\d{1,2})(?::(\d{2}))?")


def zone_or_offset(text: str) -> dt.tzinfo:
    """The zone named ``text``, or the fixed offset it writes; ZoneInfo's errors otherwise."""
    match = OFFSET.fullmatch(text.strip())
    if match is None:
        return ZoneInfo(text)
    sign, hours, minutes = match.groups()
    delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta > dt.timedelta(hours=14):
        raise ValueError(f"Invalid time zone: {text}")
    return dt.timezone(-delta if sign == "-" else delta)


def install(module: Any = None) -> None:
    """Make bqemulator's date helpers read offsets too."""
    if module is None:
        from bqemulator.sql import builtin_udfs as module
    module.ZoneInfo = zone_or_offset
