"""Buffering for outputs: Fluentd's chunk/stage/queue model, in small modules.

    metadata.py      chunk keys (tag, time/timekey, record fields) -> Metadata
    chunk.py         Chunk: append/commit/rollback, ids, states (memory and file chunks)
    file_chunk.py    FileChunk: a chunk kept in a body file and a .meta file
    chunk_names.py   chunk file names: path patterns, staged/queued names, ids from names
    file_meta.py     the .meta file's content (Fluentd's format)
    buffer.py        Buffer: the stage and the queue, limits, statistics
    controller.py    Buffering: what a buffered Output owns (emit, overflow, scheduling)
    flush.py         Flusher: flush workers, retries, <secondary>, forced flush, drain
    retry.py         RetryState: Fluentd's exponential/periodic schedule
    placeholders.py  ${tag}, ${tag[N]}, ${key}, ${chunk_id}, strftime in parameters
    config.py        BufferSection: the output-side <buffer> keys
    errors.py        BufferOverflowError and friends

buffer/ builds on core/ (params, log, the registry that builds a buffer type
and a ``<secondary>`` by name) and never imports plugins/: buffer types are
plugins (``plugins/buf_memory.py``, ``plugins/buf_file.py``) found by name.
The Output base that owns a Buffering sits above, in agent/output.py.
"""
