"""The bigquery image alone: first-query latency, idle memory, streaming insert rate.

Run: .venv/bin/python benchmarks/bigquery_api.py [--image dplat/bigquery:local] [--rows 1000000]

It starts its own container of the image (a random port on 127.0.0.1, removed
afterwards), so it needs no stack. Figures:

* first query: seconds from `docker start` until `SELECT 1` answers (the client
  polls every 50 ms), i.e. what a user waits after `dplat up`;
* idle memory: the container's memory (usage minus inactive file cache) 5 s
  after that first query, before any table exists;
* streaming: rows/s of insertAll batches of 500 rows (the agent's size) into a
  table of 3 columns, measured over 10,000 rows while the table holds ~10k rows
  and again once it holds ``--rows`` (default 1M), to show the rate stays flat.

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
"""

from __future__ import annotations

import argparse
import time
import uuid

import docker
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

BATCH = 500
SAMPLE = 10_000


def first_query(client: bigquery.Client, started: float, timeout: float = 60) -> float:
    """Seconds from ``started`` until ``SELECT 1`` answers."""
    while time.monotonic() - started < timeout:
        try:
            client.query("SELECT 1", retry=None, job_retry=None, timeout=2).result(timeout=2, retry=None)
            return time.monotonic() - started
        except Exception:
            time.sleep(0.05)
    raise TimeoutError("the emulator did not answer SELECT 1")


def memory_mib(container: docker.models.containers.Container) -> float:
    stats = container.stats(stream=False)["memory_stats"]
    return (stats.get("usage", 0) - stats.get("stats", {}).get("inactive_file", 0)) / 2**20


def stream(client: bigquery.Client, table_id: str, count: int, offset: int) -> float:
    """Insert ``count`` rows in batches; rows/s."""
    start = time.perf_counter()
    for base in range(offset, offset + count, BATCH):
        rows = [{"id": i, "user_id": f"u{i % 977}", "amount": i % 100} for i in range(base, base + BATCH)]
        errors = client.insert_rows_json(table_id, rows, row_ids=[None] * len(rows))
        if errors:
            raise RuntimeError(errors[:3])
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="dplat/bigquery:local")
    parser.add_argument("--rows", type=int, default=1_000_000, help="table size for the second rate")
    args = parser.parse_args()

    engine = docker.from_env()
    container = engine.containers.create(
        args.image, ports={"9050/tcp": ("127.0.0.1", None)}, mem_limit="1g", labels={"dplat.bench": "1"}
    )
    try:
        started = time.monotonic()
        container.start()
        container.reload()
        port = container.ports["9050/tcp"][0]["HostPort"]
        client = bigquery.Client(
            project="dplat", credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=f"http://127.0.0.1:{port}"),
        )
        print(f"{'first query after start':<40} {first_query(client, started):8.2f} s   (goal <= 2)")
        time.sleep(5)
        print(f"{'idle memory':<40} {memory_mib(container):8.1f} MiB (goal <= 200)")

        dataset = client.create_dataset(f"bench_{uuid.uuid4().hex[:8]}")
        schema = [bigquery.SchemaField(n, t) for n, t in (("id", "INT64"), ("user_id", "STRING"), ("amount", "INT64"))]
        table_id = f"{client.project}.{dataset.dataset_id}.events"
        client.create_table(bigquery.Table(table_id, schema=schema))
        stream(client, table_id, SAMPLE, 0)
        print(f"{'insertAll rows/s at 10k rows':<40} {stream(client, table_id, SAMPLE, SAMPLE):8.0f}")
        # Fill up to --rows with a query (fast), then measure the same way.
        filled = 2 * SAMPLE
        client.query(
            f"INSERT INTO `{table_id}` SELECT id, CONCAT('u', CAST(MOD(id, 977) AS STRING)), MOD(id, 100)"
            f" FROM UNNEST(GENERATE_ARRAY({filled}, {args.rows - 1})) AS id"
        ).result()
        stream(client, table_id, SAMPLE, args.rows)  # warm-up, as at 10k: DuckDB checkpoints the fill
        rate = stream(client, table_id, SAMPLE, args.rows + SAMPLE)
        print(f"{f'insertAll rows/s at {args.rows:,} rows':<40} {rate:8.0f}")
        print(f"{'idle memory after streaming':<40} {memory_mib(container):8.1f} MiB")
    finally:
        container.remove(force=True, v=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
