"""The ground truth: where Fluentd puts each event, worked out by hand.

Nothing here asks the agent. Each rule is written from Fluentd's documented
behaviour, so the checks compare the agent with Fluentd, not with itself:

* tag patterns: ``*`` is exactly one tag part, ``**`` zero or more parts,
  ``{a,b}`` either; several patterns in one directive are alternatives;
* filters run in file order on every event whose tag they match; grep drops
  what its ``<exclude>`` matches and what its ``<regexp>`` does not;
* the first ``<match>`` (in file order) whose pattern matches gets the event;
* out_file names a chunk's file ``<path>_<N><suffix>`` when ``path`` already
  holds every strftime code of the time slice, else
  ``<path>.<time_slice>_<N><suffix>``, N being the first free index;
* out_s3 names an object ``%{path}%{time_slice}_%{index}.%{file_extension}``;
* the time slice is the timekey's start in ``%Y%m%d%H%M`` (timekey under an
  hour), ``%Y%m%d%H`` (under a day) or ``%Y%m%d``, here in UTC.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .events import Event

CONTAINER_TARGET = "/dplat/work/target/"  # the agent's view of DPLAT_HOME/work/target/
S3_PREFIX = "tag-routing/"


@dataclass(frozen=True)
class Output:
    """One output of agent.conf, as far as naming goes."""

    plugin_id: str
    kind: str  # "file" or "s3"
    path: str
    timekey: int


WEB_FILES = Output("routed_files", "file", CONTAINER_TARGET + "${tag[0]}/%Y%m%d/part-%Y%m%d.%H%M", 60)
ROUTED_S3 = Output("routed_s3", "s3", S3_PREFIX + "${tag}/dt=%Y%m%d/", 3600)
ERROR_FILES = Output("error_files", "file",
                     CONTAINER_TARGET + "${tag[0]}/%Y%m%d/${tag[1]}-%Y%m%d.%H%M", 60)
ALERTS_S3 = Output("alerts_s3", "s3", S3_PREFIX + "alerts/dt=%Y%m%d/", 86400)
UNROUTED_FILES = Output("unrouted_files", "file", CONTAINER_TARGET + "unrouted/${tag}", 3600)
OUTPUTS = (ERROR_FILES, ALERTS_S3, WEB_FILES, ROUTED_S3, UNROUTED_FILES)

# <match> directives in file order: pattern -> the outputs an event reaches.
# web.error is copied to a file and relabelled to @ALERTS (whose s3 output
# gets it); the rest of web.* and batch.* go to files and S3; anything else
# falls through to the catch-all.
MATCHES = (("web.error", (ERROR_FILES, ALERTS_S3)),
           ("{web,batch}.*", (WEB_FILES, ROUTED_S3)),
           ("**", (UNROUTED_FILES,)))


# -- tag patterns ---------------------------------------------------------------------
def pattern_regex(pattern: str) -> str:
    """One Fluentd tag pattern as an (unanchored) regular expression."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith(".**", i):
            out.append(r"(?![^.]).*")  # a.** matches a, a.b, a.b.c, but not ab
            i += 3
        elif pattern.startswith("**.", i):
            out.append(r"(?:.*\.|\A)")  # **.b matches b and a.b
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append(r"[^.]*")  # exactly one part
            i += 1
        elif pattern[i] == "{":
            end = _closing_brace(pattern, i)
            options = _split_top_level(pattern[i + 1:end])
            out.append("(?:" + "|".join(pattern_regex(o) for o in options) + ")")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def _closing_brace(pattern: str, start: int) -> int:
    depth = 0
    for i in range(start, len(pattern)):
        depth += {"{": 1, "}": -1}.get(pattern[i], 0)
        if depth == 0:
            return i
    raise ValueError(f"unbalanced braces in {pattern!r}")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def tag_matches(patterns: str, tag: str) -> bool:
    """Whether a directive's patterns (space-separated alternatives) match ``tag``."""
    return any(re.fullmatch(pattern_regex(p), tag) for p in patterns.split())


# -- filters ----------------------------------------------------------------------------
def dropped_by(tag: str, record: dict[str, Any]) -> str | None:
    """Which grep filter of agent.conf drops the event, or None (kept)."""
    if tag_matches("web.**", tag) and re.search(r"^/healthz$", str(record.get("path", ""))):
        return "drop_healthchecks"
    if tag_matches("batch.*", tag) and not re.search(r"^(succeeded|failed)$",
                                                     str(record.get("status", ""))):
        return "finished_jobs_only"
    return None


def added_fields(tag: str) -> dict[str, str]:
    """What the top-level record_transformer adds to every kept event."""
    return {"routed_tag": tag, "service": tag.split(".")[0]}


def outputs_for(tag: str) -> tuple[Output, ...]:
    """First match wins: the outputs of the first <match> whose pattern matches."""
    return next(outputs for pattern, outputs in MATCHES if tag_matches(pattern, tag))


# -- names --------------------------------------------------------------------------------
def time_slice_format(timekey: int) -> str:
    if timekey < 60:
        return "%Y%m%d%H%M%S"
    if timekey < 3600:
        return "%Y%m%d%H%M"
    return "%Y%m%d%H" if timekey < 86400 else "%Y%m%d"


def expand(template: str, tag: str, timekey_start: int) -> str:
    """${tag}, ${tag[N]} and strftime codes, as a chunk of (tag, timekey) expands them."""
    parts = tag.split(".")
    text = re.sub(r"\$\{tag\[(-?\d+)\]\}", lambda m: parts[int(m.group(1))], template)
    text = text.replace("${tag}", tag)
    return datetime.fromtimestamp(timekey_start, UTC).strftime(text)


def file_name(output: Output, tag: str, timekey_start: int, index: int,
              suffix: str = ".log") -> str:
    """out_file's name for the ``index``-th file of a (tag, timekey) chunk."""
    slice_format = time_slice_format(output.timekey)
    codes = re.findall(r"%.", slice_format)
    if all(code in output.path for code in codes):
        template = f"{output.path}_{index}{suffix}"
    else:
        template = f"{output.path}.{slice_format}_{index}{suffix}"
    return expand(template, tag, timekey_start)


def object_key(output: Output, tag: str, timekey_start: int, index: int,
               extension: str = "gz") -> str:
    """out_s3's key: %{path}%{time_slice}_%{index}.%{file_extension}."""
    path = expand(output.path, tag, timekey_start)
    time_slice = datetime.fromtimestamp(timekey_start, UTC).strftime(
        time_slice_format(output.timekey))
    return f"{path}{time_slice}_{index}.{extension}"


def place(output: Output, event: Event, index: int) -> str:
    """Where ``event`` lands in ``output``: a host-relative file or an S3 key."""
    start = event.seconds - event.seconds % output.timekey
    if output.kind == "s3":
        return object_key(output, event.tag, start, index)
    return file_name(output, event.tag, start, index).removeprefix(CONTAINER_TARGET)


# -- the ground truth -------------------------------------------------------------------
def ground_truth(events: list[Event], index: int = 0) -> dict[str, Any]:
    """Where every event must be after one flush (``index`` N of each name).

    JSON-friendly, for the scenario's state: files and objects map a name to
    the sorted event ids it must hold.
    """
    dropped: dict[str, str] = {}
    files: dict[str, list[str]] = {}
    objects: dict[str, list[str]] = {}
    kept_per_tag: Counter[str] = Counter()
    per_tag: dict[str, Counter[str]] = {"files": Counter(), "objects": Counter()}
    for event in events:
        reason = dropped_by(event.tag, event.record)
        if reason:
            dropped[event.event_id] = reason
            continue
        kept_per_tag[event.tag] += 1
        for output in outputs_for(event.tag):
            into = objects if output.kind == "s3" else files
            per_tag["objects" if output.kind == "s3" else "files"][event.tag] += 1
            into.setdefault(place(output, event, index), []).append(event.event_id)
    return {
        "sent": len(events),
        "sent_per_tag": dict(sorted(Counter(e.tag for e in events).items())),
        "kept_per_tag": dict(sorted(kept_per_tag.items())),
        "dropped": dict(sorted(dropped.items())),
        "dropped_per_filter": dict(sorted(Counter(dropped.values()).items())),
        "files_per_tag": dict(sorted(per_tag["files"].items())),
        "objects_per_tag": dict(sorted(per_tag["objects"].items())),
        "files": {name: sorted(ids) for name, ids in sorted(files.items())},
        "objects": {key: sorted(ids) for key, ids in sorted(objects.items())},
    }
