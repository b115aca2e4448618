"""The bigquery image alone: first-query latency, idle memory, streaming insert rate.

Run: .venv/bin/python benchmarks/bigquery_api.py [--image dplat/bigquery:local] [--rows 1000000]

It starts its own container of the image (a random port on 127.0.0.1, removed
afterwards), so it needs no stack. Figures:

* first query: seconds from `docker start` until `SELECT 1` answers (the client
  polls every 50 ms), i.e. what a user waits after `dplat up`;
* idle memory: the container's memory (usage minus inactive file cache) 5 s
  after that first query, before any table exists;
* streaming: rows/s of insertAll batches of 500 rows (the agent's size) into a
  table of 3 columns, measured over 50,000 rows from when the table holds 10k
  rows and again from ``--rows`` (default 1M) on, to show the rate stays flat;
  beside each, the emulator's CPU per request (PID 1's utime + stime), which
  the host's other load moves much less than the rate. Before Dec 5 the
  samples were 10,000 rows (20 requests, ~0.4 s): too short, see below.

Goals (issue 11): first query <= 2 s, idle memory <= 200 MiB, rates flat.

Measured 2026-12-04 on the 2-core reference VM while other helpers' builds and
tests ran (load average 8-13), image before issue 11 (no avro/httpfs/mini-racer,
no dplat_bq layer) against after, run alternately:

* first query: before 4.4 / 5.5 / 8.2 / 9.4 s, after 2.5 / 3.1 / 3.6 / 4.8 / 5.9 s
  (not worse; the avro and httpfs extensions load on first use only). On an
  idle host DESIGN.md recorded 1.7 s; this host was never idle meanwhile.
* idle memory: before 95-127 MiB, after 96-105 MiB.
* insertAll rows/s: before 21,169 at 10k and 19,038 at 1M rows; after
  20,362 at 10k and 22,774 at 1M (flat). The per-row checks of dplat_bq cost
  ~0.7 ms per 500 rows (5.5 ms against bqemulator's 4.8 ms conversion).

Dec 5, main with issue 11's review merged, a quiet host (load average
0.1-2), two runs: first query 2.04 / 1.61 s; idle memory 95 MiB (117-118
after streaming); insertAll 28,225 / 25,599 rows/s at 10k rows and 21,935 /
21,957 at 1M: on a quiet host the rate falls 14-22 % with the table's size,
which the loaded runs above hid. Not profiled yet (issue 11 stays open).

Dec 5, profiled (branch perf11; py-spy 0.4.3 in a throwaway image, cProfile,
``python -X importtime``, DuckDB alone in the image; load average 0.6-7 from
other jobs while it ran). In short: the rate does not fall with the table's
size; the 14-22 % was the 10,000-row sample's noise. The emulator spent
13-19 ms of CPU per 500-row request (more when the host is busier), the
same at 10k and at 2M rows; its largest single piece was rewriting the
table's catalog row, now ~2 ms cheaper.

* Noise, not size: four runs of one image in a row gave 30,525 / 22,336 /
  22,347 / 24,171 rows/s at 10k and 25,601 / 32,099 / 32,565 / 25,881 at 1M
  (10,000-row samples). Over 50,000-row samples the emulator's CPU per
  request was 18.7 / 18.8 / 19.7 / 17.8 / 17.2 ms with the table at 10k /
  100k / 300k / 1M / 2M rows (load ~1), and streaming one table from empty
  to 1M rows kept 24,600-30,000 rows/s in each 100k block (15.0-18.8 ms
  per request), also with an insertId on every row.
* The suspects: no COUNT(*) or statistics query per request (the handler
  runs two DuckDB statements: the append and the catalog row); DuckDB's
  append of 500 rows costs the same with 70k and 1.3M rows in the table
  (2.1-3.3 ms, the same statements run in the image without the server);
  the insertId window is two hash sets capped at 1M ids, O(1) per id (the
  benchmark sends none; with ids the rate is the same); bqemulator keeps no
  streaming buffer on this path (its streaming package is the Storage Write
  API) and, since images/bigquery/patches, record_change only publishes an
  event; the WAL grows ~24 bytes per row and DuckDB checkpoints at 16 MiB,
  once per ~650k streamed rows, when one request takes 70-140 ms instead of
  ~18 (under 0.5 % of the time).
* Where a request's time goes (py-spy --nonblocking at 100 Hz over 200
  requests at ~10k and at ~1M rows, the same split at both, py-spy's own
  overhead included): the catalog row 5-6.5 ms, converting the JSON rows to
  Arrow ~5 ms (bqemulator's per-value ``_coerce_to_arrow_value`` in
  ``bq_rows_to_arrow``; our checks under 0.5 ms), the DuckDB append 4-5 ms
  (register the Arrow table, INSERT, commit), reading the request's JSON
  1-2 ms, FastAPI and the middleware ~1.7 ms. The catalog row: bqemulator
  writes it with ``INSERT OR REPLACE`` on every write (numRows changes);
  that costs ~3.7 ms in DuckDB 1.5.5, an ``UPDATE`` of the same columns
  ~1.4 ms. images/bigquery/dplat_bq/catalog_rows.py now updates in place.
* Before/after that change, alternated, ``--rows 1000000``, load 3-7:
  emulator CPU per request 14.8 / 14.3 / 14.9 ms at 10k and 13.1 / 12.8 /
  13.6 at 1M before, 12.6 / 10.6 / 14.0 and 11.7 / 11.2 / 10.2 after;
  rows/s 24,850 / 27,844 / 29,389 at 10k and 26,973 / 31,150 / 30,938 at 1M
  before, 32,402 / 37,808 / 28,488 and 34,100 / 35,319 / 37,109 after.
  Three more pairs while the load rose from 2.7 to 13 (rates from 12,165
  to 24,742 rows/s, meaningless then): CPU per request 16.5 / 18.6 / 14.9
  ms at 10k and 14.8 / 15.6 / 14.5 at 1M before, 12.2 / 13.3 / 15.8 and
  11.8 / 11.4 / 12.2 after; lower after in every pair at 1M and in two of
  three at 10k. First query 1.23-3.39 s and idle memory 94.6-95.5 MiB
  (115.8-121.1 after streaming) in those runs, the same for both images.
* What limits the rate: the emulator's one event-loop thread, ~11-13 ms of
  CPU per 500 rows, and the client's own CPU on the same two cores. What
  would raise it: converting the rows column by column with pyarrow for
  plain types instead of value by value (~5 ms, the largest piece left; it
  is bqemulator's conversion, and ours must keep its per-row errors), or
  fewer, larger requests (the agent's 500 is BigQuery's recommendation).

First query, where the 1.6-1.8 s go (log timestamps of starts at load
~1.7, ``-X importtime``, cProfile): 0.17 s until the container's process
runs; 0.6-0.7 s Python imports (bqemulator's own modules 156 ms of their
own time, numpy 96, fastapi 95, sqlglot 57, pydantic 47, pyarrow 26; ours:
py_mini_racer 35 ms, our modules 15 ms); 0.12-0.14 s making the translator
and the app; 0.51-0.57 s the DuckDB engine (``LOAD spatial`` 0.23-0.33 s,
bqemulator's UDFs 0.065 s, our 155 macros 0.035-0.08 s, importing duckdb
~0.05 s); migrations 0.02-0.04 s; uvicorn and gRPC 0.05-0.08 s; the first
``SELECT 1`` ~0.11 s (SQLGlot's first translation ~0.06 s, DuckDB ~0.05 s,
our rewrite 1 ms). dplat's layer is ~0.1-0.13 s of it, and nothing cheap
stands out: one ``execute`` for all macros saves ~5 ms, importing
py_mini_racer on the first JavaScript UDF ~35 ms. The large pieces are
bqemulator's imports and ``LOAD spatial``, which bqemulator requires at
start for GEOGRAPHY. It cannot simply wait for first use: DuckDB does not
autoload spatial (``ST_GeomFromText`` fails with "exists in the spatial
extension"). Nor can it overlap the imports in a thread: ``LOAD`` holds
the GIL (a Python loop in another thread stalled for its whole 0.26 s),
and loading it into another DuckDB instance first does not help (the
second instance's ``LOAD`` costs as much). What would close it: lazy
imports in bqemulator, or loading spatial on the first GEOGRAPHY use;
both are changes to bqemulator itself, for 0.3-0.6 s, with the goal
(2 s) met on a quiet host.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

import docker
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

BATCH = 500
WARMUP = 10_000
# 100 requests: a 10,000-row sample (20 requests, ~0.4 s) swung 22,000-32,000
# rows/s from run to run on the shared 2-core host, either way at either size.
SAMPLE = 50_000


def first_query(client: bigquery.Client, started: float, timeout: float = 60) -> float:
    """Seconds from ``started`` until ``SELECT 1`` answers."""
    while time.monotonic() - started < timeout:
        try:
            client.query("SELECT 1", retry=None, job_retry=None, timeout=2).result(
                timeout=2, retry=None
            )
            return time.monotonic() - started
        except Exception:
            time.sleep(0.05)
    raise TimeoutError("the emulator did not answer SELECT 1")


def memory_mib(container: docker.models.containers.Container) -> float:
    stats = container.stats(stream=False)["memory_stats"]
    return (stats.get("usage", 0) - stats.get("stats", {}).get("inactive_file", 0)) / 2**20


def server_cpu(container: docker.models.containers.Container) -> float:
    """CPU seconds the emulator (PID 1, exec'd by the image's CMD) has used.

    Per request it moves much less with the host's other load than the rate,
    which shares the 2 cores with this client and everyone else."""
    stat = container.exec_run(["cat", "/proc/1/stat"]).output.decode()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stream(client: bigquery.Client, table_id: str, count: int, offset: int) -> float:
    """Insert ``count`` rows in batches; rows/s."""
    start = time.perf_counter()
    for base in range(offset, offset + count, BATCH):
        rows = [
            {"id": i, "user_id": f"u{i % 977}", "amount": i % 100}
            for i in range(base, base + BATCH)
        ]
        errors = client.insert_rows_json(table_id, rows, row_ids=[None] * len(rows))
        if errors:
            raise RuntimeError(errors[:3])
    return count / (time.perf_counter() - start)


def measure(
    container: docker.models.containers.Container,
    client: bigquery.Client,
    table_id: str,
    offset: int,
    label: str,
) -> None:
    """Print the rate of a ``SAMPLE`` and the emulator's CPU per request over it."""
    before = server_cpu(container)
    rate = stream(client, table_id, SAMPLE, offset)
    per_request = (server_cpu(container) - before) / (SAMPLE / BATCH) * 1000
    print(
        f"{f'insertAll rows/s at {label} rows':<40} {rate:8.0f}   (emulator CPU {per_request:4.1f} ms per request)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="dplat/bigquery:local")
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="table size for the second rate"
    )
    args = parser.parse_args()

    engine = docker.from_env()
    container = engine.containers.create(
        args.image,
        ports={"9050/tcp": ("127.0.0.1", None)},
        mem_limit="1g",
        labels={"dplat.bench": "1"},
    )
    try:
        started = time.monotonic()
        container.start()
        container.reload()
        port = container.ports["9050/tcp"][0]["HostPort"]
        client = bigquery.Client(
            project="dplat",
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=f"http://127.0.0.1:{port}"),
        )
        print(
            f"{'first query after start':<40} {first_query(client, started):8.2f} s   (goal <= 2)"
        )
        time.sleep(5)
        print(f"{'idle memory':<40} {memory_mib(container):8.1f} MiB (goal <= 200)")

        dataset = client.create_dataset(f"bench_{uuid.uuid4().hex[:8]}")
        schema = [
            bigquery.SchemaField(n, t)
            for n, t in (("id", "INT64"), ("user_id", "STRING"), ("amount", "INT64"))
        ]
        table_id = f"{client.project}.{dataset.dataset_id}.events"
        client.create_table(bigquery.Table(table_id, schema=schema))
        stream(client, table_id, WARMUP, 0)
        measure(container, client, table_id, WARMUP, "10k")
        # Fill up to --rows with a query (fast), then measure the same way.
        filled = WARMUP + SAMPLE
        client.query(
            f"INSERT INTO `{table_id}` SELECT id, CONCAT('u', CAST(MOD(id, 977) AS STRING)), MOD(id, 100)"
            f" FROM UNNEST(GENERATE_ARRAY({filled}, {args.rows - 1})) AS id"
        ).result()
        stream(
            client, table_id, WARMUP, args.rows
        )  # warm-up, as at 10k: DuckDB checkpoints the fill
        measure(container, client, table_id, args.rows + WARMUP, f"{args.rows:,}")
        print(f"{'idle memory after streaming':<40} {memory_mib(container):8.1f} MiB")
    finally:
        container.remove(force=True, v=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
