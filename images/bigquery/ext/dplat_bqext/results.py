"""Values on their way out of bqemulator, as BigQuery writes them.

INTERVAL: BigQuery's canonical text is ``[sign]Y-M [sign]D [sign]H:M:S[.F]``,
one sign per part. bqemulator's ``format_bq_interval`` put one sign in front
of the whole value, so ``INTERVAL -3 HOUR`` reached the client as three hours
(``-0-0 0 3:0:0``) and ``JUSTIFY_DAYS(INTERVAL -65 DAY)`` as -2 months
*plus* 5 days. Cases: interval.literal_negative_hours, interval.interval_negate,
interval.justify_days_negative.
"""

from __future__ import annotations

NANOS_PER_SECOND = 1_000_000_000


def format_bq_interval(months: int, days: int, nanoseconds: int) -> str:
    """BigQuery's canonical INTERVAL text of a (months, days, nanoseconds) value."""
    month_sign = "-" if months < 0 else ""
    years, sub_months = divmod(abs(months), 12)
    time_sign = "-" if nanoseconds < 0 else ""
    total_seconds, fraction = divmod(abs(nanoseconds), NANOS_PER_SECOND)
    hours, rest = divmod(total_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    second_text = str(seconds)
    if fraction:
        second_text = f"{seconds}.{fraction // 1000:06d}".rstrip("0").rstrip(".")
    return f"{month_sign}{years}-{sub_months} {days} {time_sign}{hours}:{minutes}:{second_text}"
