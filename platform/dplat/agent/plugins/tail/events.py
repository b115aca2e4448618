"""Lines read by in_tail become events: parsing, ``multiline`` grouping,
``emit_unmatched_lines`` and ``path_key``.

A single-line parser gets the whole batch at once (``Parser.parse_lines``).
The ``multiline`` parser needs lines grouped first, per file, as Fluentd's
in_tail does: with ``format_firstline`` a record runs from one first line to
the line before the next (the last record waits in the file's line buffer
until the next first line, ``multiline_flush_interval`` or the file's
close); lines before any first line match nothing. Without it, lines gather
until the text gathered so far parses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.parser_base import ParsedLines, Parser, ParserError
from dplat.agent.plugins.parser_multiline import MultilineParser
from dplat.agent.plugins.tail.watcher import TailWatcher

UNMATCHED_KEY = "unmatched_line"


@dataclass
class LineConverter:
    parser: Parser
    emit_unmatched: bool = False
    path_key: str | None = None
    unmatched_key: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.unmatched_key = UNMATCHED_KEY if self.emit_unmatched else None

    @property
    def multiline(self) -> MultilineParser | None:
        return self.parser if isinstance(self.parser, MultilineParser) else None

    def convert(self, watcher: TailWatcher, lines: list[str], now: float) -> ParsedLines:
        """Events of a batch of lines read from ``watcher``'s file."""
        multiline = self.multiline
        if multiline is None:
            parsed = self.parser.parse_lines(lines, self.unmatched_key)
        elif multiline.has_firstline:
            parsed = self._by_first_line(multiline, watcher, lines)
            watcher.lines_at = now
        else:
            parsed = self._until_parsed(multiline, watcher, lines)
        self._add_path(parsed.stream, watcher.path)
        return parsed

    def flush(self, watcher: TailWatcher) -> ParsedLines:
        """The record waiting in the file's line buffer, parsed now."""
        parsed = ParsedLines()
        if watcher.line_buffer:
            self._parse_text(parsed, "\n".join(watcher.line_buffer))
        watcher.line_buffer = None
        self._add_path(parsed.stream, watcher.path)
        return parsed

    def unmatched_record(self, line: str, path: str) -> Record:
        record: Record = {UNMATCHED_KEY: line}
        if self.path_key is not None:
            record[self.path_key] = path
        return record

    # -- multiline grouping --------------------------------------------------------
    def _by_first_line(self, parser: MultilineParser, watcher: TailWatcher,
                       lines: list[str]) -> ParsedLines:
        parsed = ParsedLines()
        group = watcher.line_buffer
        for line in lines:
            if parser.firstline(line):
                if group:
                    self._parse_text(parsed, "\n".join(group))
                group = [line]
            elif group is None:
                self._unmatched(parsed, line)
            else:
                group.append(line)
        watcher.line_buffer = group
        return parsed

    def _until_parsed(self, parser: MultilineParser, watcher: TailWatcher,
                      lines: list[str]) -> ParsedLines:
        """Fluentd's way without ``format_firstline``: after each line, try
        the gathered text (with its newline); once it parses, emit it."""
        parsed = ParsedLines()
        group = watcher.line_buffer or []
        for line in lines:
            group.append(line)
            text = "\n".join(group)
            entries, _ = parser.parse_text(text + "\n")
            if entries:
                self._parse_text(parsed, text)
                group = []
        watcher.line_buffer = group or None
        return parsed

    def _parse_text(self, parsed: ParsedLines, text: str) -> None:
        try:
            entries, rest = self.parser.parse_text(text)
        except ParserError as exc:
            parsed.errors.append((text, exc))
            return
        parsed.stream.extend(entries)
        if rest is not None:
            self._unmatched(parsed, rest)

    def _unmatched(self, parsed: ParsedLines, text: str) -> None:
        parsed.unmatched.append(text)
        if self.unmatched_key is not None:
            parsed.stream.append((EventTime.now(), {self.unmatched_key: text}))

    def _add_path(self, stream: EventStream, path: str) -> None:
        """``path_key``: the file's path, unless the record has a value there
        (Ruby's ``||=``: null and false are replaced)."""
        key = self.path_key
        if key is None:
            return
        for _, record in stream:
            value = record.get(key)
            if value is None or value is False:
                record[key] = path
