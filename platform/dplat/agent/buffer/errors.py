"""Errors of the buffering machinery.

    Exception
     ├── BufferingError              something the buffer refused
     │    ├── BufferOverflowError    total_limit_size reached: the input must not ack
     │    ├── BufferChunkOverflowError  one record larger than chunk_limit_size
     │    └── UnsafePlaceholderError  a tag/key value that would climb out of a path
     └── UnrecoverableError          raised by an output's write(): retrying cannot help,
                                     so the chunk goes to <secondary> or is discarded

(Python has a builtin ``BufferError``, hence ``BufferingError`` for the base.)
"""

from __future__ import annotations


class BufferingError(Exception):
    """The buffer could not take the events."""


class BufferOverflowError(BufferingError):
    """The buffer is full (``total_limit_size``); ``overflow_action`` decides
    whether the writer gets this error, waits, or old chunks are dropped."""


class BufferChunkOverflowError(BufferingError):
    """A single record does not fit into an empty chunk (``chunk_limit_size``);
    the record goes to the error route, the rest of its stream is written."""


class UnsafePlaceholderError(BufferingError, ValueError):
    """An event whose tag or chunk-key value would leave the output's folder
    or key prefix (``..``, absolute, NUL): it goes to the error route, the
    rest of its stream is written."""


class UnrecoverableError(Exception):
    """Raised by ``Output.write()`` when a retry would fail the same way
    (bad credentials for good, a record the destination rejects)."""
