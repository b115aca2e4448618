"""Buffering for outputs: Fluentd's chunk/stage/queue model, in small modules.

    metadata.py      chunk keys (tag, time/timekey, record fields) -> Metadata
    chunk.py         Chunk: append/commit/rollback, ids, states (memory and file chunks)
    buffer.py        Buffer: the stage and the queue, limits, statistics
    controller.py    Buffering: what a buffered Output owns (emit, overflow, scheduling)
    flush.py         Flusher: flush workers, retries, <secondary>, forced flush, drain
    retry.py         RetryState: Fluentd's exponential/periodic schedule
    placeholders.py  ${tag}, ${tag[N]}, ${key}, ${chunk_id}, strftime in parameters
    config.py        BufferSection: the output-side <buffer> keys
    errors.py        BufferOverflowError and friends

Buffer types are plugins (``plugins/buf_memory.py``; ``buf_file.py`` next).
"""
