"""The s3 image, spoken to with boto3 and pyarrow on its published port.

Each test writes under its own random prefix, so tests share one container
and still do not depend on each other or on their order.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from dplat.scenario import s3objects
from dplat.stack.s3 import S3

pytestmark = pytest.mark.integration

MEMORY_LIMIT = "256m"  # the stack's limit for s3 (DESIGN.md)


@pytest.fixture(scope="module")
def running(service_factory: Any) -> Any:
    running = service_factory(S3)
    # The fixture starts containers without limits; run these tests inside
    # the one the stack sets, so a buffering regression shows up here.
    running.container.get_wrapped_container().update(mem_limit=MEMORY_LIMIT, memswap_limit=MEMORY_LIMIT)
    return running


@pytest.fixture(scope="module")
def server(running: Any) -> S3:
    return running.service


@pytest.fixture(scope="module")
def s3(server: S3) -> Any:
    return server.client(max_pool_connections=32)


@pytest.fixture()
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def error_code(exc: ClientError) -> tuple[str, int]:
    return exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"]


def test_the_stack_buckets_exist(s3: Any) -> None:
    names = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert {"datastaging", "datastore"} <= names


def test_requests_signed_with_a_wrong_secret_are_refused(server: S3) -> None:
    stranger = boto3.client(
        "s3", endpoint_url=server.url(), region_name="us-east-1",
        aws_access_key_id=server.credentials.s3_access_key, aws_secret_access_key="not-the-secret",
    )
    with pytest.raises(ClientError) as caught:
        stranger.list_buckets()
    assert error_code(caught.value)[1] == 403


def test_the_images_healthcheck_is_a_signed_request(running: Any) -> None:
    """Run the HEALTHCHECK the image declares: it passes, and fails on wrong keys."""
    wrapped = running.container.get_wrapped_container()
    test = wrapped.attrs["Config"]["Healthcheck"]["Test"]
    assert test[0] == "CMD"
    assert wrapped.exec_run(test[1:]).exit_code == 0
    assert wrapped.exec_run(test[1:], environment={"S3_SECRET_KEY": "wrong"}).exit_code != 0


def test_put_get_head_delete_and_the_object_is_a_plain_file(s3: Any, running: Any, prefix: str) -> None:
    key = f"{prefix}/hello.txt"
    body = "héllo, staging\n".encode()
    s3.put_object(Bucket="datastaging", Key=key, Body=body, ContentType="text/plain")

    assert s3.get_object(Bucket="datastaging", Key=key)["Body"].read() == body
    head = s3.head_object(Bucket="datastaging", Key=key)
    assert head["ContentLength"] == len(body)
    assert head["ETag"].strip('"') == hashlib.md5(body).hexdigest()
    on_disk = running.container.get_wrapped_container().exec_run(["cat", f"/data/datastaging/{key}"])
    assert (on_disk.exit_code, on_disk.output) == (0, body)

    s3.delete_object(Bucket="datastaging", Key=key)
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket="datastaging", Key=key)
    assert error_code(caught.value)[1] == 404


def test_list_with_prefix_and_delimiter(s3: Any, prefix: str) -> None:
    for key in ["x.txt", "a/1", "a/2", "b/3"]:
        s3.put_object(Bucket="datastore", Key=f"{prefix}/{key}", Body=b"1")

    top = s3.list_objects_v2(Bucket="datastore", Prefix=f"{prefix}/", Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == [f"{prefix}/x.txt"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == [f"{prefix}/a/", f"{prefix}/b/"]

    inner = s3.list_objects_v2(Bucket="datastore", Prefix=f"{prefix}/a/")
    assert [o["Key"] for o in inner["Contents"]] == [f"{prefix}/a/1", f"{prefix}/a/2"]


def test_listing_pages_through_1100_keys(s3: Any, prefix: str) -> None:
    keys = [f"{prefix}/k{i:05d}" for i in range(1100)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket="datastore", Key=key, Body=b""), keys))

    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket="datastore", Prefix=f"{prefix}/"))
    assert [len(page["Contents"]) for page in pages] == [1000, 100]
    assert [o["Key"] for page in pages for o in page["Contents"]] == keys

    small = s3.get_paginator("list_objects").paginate(
        Bucket="datastore", Prefix=f"{prefix}/", PaginationConfig={"PageSize": 400}
    )
    assert sum(len(page["Contents"]) for page in small) == 1100


def test_multipart_upload_of_20_mb_reads_back_whole_and_by_range(s3: Any, tmp_path: Any, prefix: str) -> None:
    data = os.urandom(20 * 1024 * 1024)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    key = f"{prefix}/big.bin"
    # 8 MiB parts, 3 at a time: parts arrive out of order, which rclone buffers.
    config = TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20, max_concurrency=3)
    s3.upload_file(str(source), "datastaging", key, Config=config)

    head = s3.head_object(Bucket="datastaging", Key=key)
    assert head["ContentLength"] == len(data)
    read = s3.get_object(Bucket="datastaging", Key=key)["Body"].read()
    assert hashlib.sha256(read).hexdigest() == hashlib.sha256(data).hexdigest()
    part = s3.get_object(Bucket="datastaging", Key=key, Range="bytes=9000000-9000999")
    assert part["ContentRange"] == f"bytes 9000000-9000999/{len(data)}"
    assert part["Body"].read() == data[9_000_000:9_001_000]


def test_presigned_get_works_from_a_plain_http_client(s3: Any, prefix: str) -> None:
    key = f"{prefix}/shared report.csv"
    s3.put_object(Bucket="datastore", Key=key, Body=b"a,b\n1,2\n")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "datastore", "Key": key}, ExpiresIn=300)
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"a,b\n1,2\n"

    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(tampered, timeout=10)
    assert caught.value.code == 403


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("PutObjectTagging", lambda s3, b, k: s3.put_object_tagging(
            Bucket=b, Key=k, Tagging={"TagSet": [{"Key": "team", "Value": "marketing"}]})),
        ("GetObjectTagging", lambda s3, b, k: s3.get_object_tagging(Bucket=b, Key=k)),
        ("DeleteObjectTagging", lambda s3, b, k: s3.delete_object_tagging(Bucket=b, Key=k)),
        ("PutObjectAcl", lambda s3, b, k: s3.put_object_acl(Bucket=b, Key=k, ACL="private")),
    ],
)
def test_tagging_and_acl_calls_are_refused_and_the_object_is_intact(
    s3: Any, prefix: str, operation: str, call: Any
) -> None:
    # rclone alone would overwrite the object with the request's XML (or, for
    # DeleteObjectTagging, delete it); the image's guard must answer instead.
    key = f"{prefix}/keep.json"
    body = b'{"precious": true}\n'
    s3.put_object(Bucket="datastaging", Key=key, Body=body)

    with pytest.raises(ClientError) as caught:
        call(s3, "datastaging", key)
    assert error_code(caught.value) == ("NotImplemented", 501), operation

    assert s3.get_object(Bucket="datastaging", Key=key)["Body"].read() == body
    assert s3.head_object(Bucket="datastaging", Key=key)["ContentLength"] == len(body)


@pytest.fixture()
def arrow_s3(server: S3) -> Iterator[Any]:
    """A pyarrow S3FileSystem on the store, with the setting DESIGN.md requires."""
    from pyarrow import fs  # a dependency of dplat (the lessons' Parquet)
    previous = os.environ.get("AWS_REQUEST_CHECKSUM_CALCULATION")
    os.environ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "WHEN_REQUIRED"
    try:
        yield fs.S3FileSystem(
            access_key=server.credentials.s3_access_key,
            secret_key=server.credentials.s3_secret_key,
            endpoint_override=server.url(),
            region="us-east-1",
            scheme="http",
        )
    finally:
        if previous is None:
            os.environ.pop("AWS_REQUEST_CHECKSUM_CALCULATION", None)
        else:
            os.environ["AWS_REQUEST_CHECKSUM_CALCULATION"] = previous


def test_pyarrow_writes_and_reads_a_dt_partitioned_parquet_dataset(
    s3: Any, arrow_s3: Any, prefix: str
) -> None:
    import pyarrow as pa
    import pyarrow.dataset as ds

    table = pa.table({
        "dt": ["20240101", "20240101", "20240102", "20240103"],
        "user_id": [1, 2, 1, 3],
        "event": ["open", "click", "open", "buy"],
    })
    base = f"datastaging/marketing/{prefix}"
    # dt stays a string, as in the platform's keys (hive would infer int32).
    by_dt = ds.partitioning(pa.schema([("dt", pa.string())]), flavor="hive")
    ds.write_dataset(
        table, base, filesystem=arrow_s3, format="parquet", partitioning=by_dt,
        basename_template="part-{i}.parquet", create_dir=False,
    )

    listed = s3.list_objects_v2(Bucket="datastaging", Prefix=f"marketing/{prefix}/")
    assert sorted(o["Key"] for o in listed["Contents"]) == [
        f"marketing/{prefix}/dt={dt}/part-0.parquet" for dt in ("20240101", "20240102", "20240103")
    ]
    read = ds.dataset(base, filesystem=arrow_s3, format="parquet", partitioning=by_dt).to_table()
    rows = sorted(zip(*(read.column(c).to_pylist() for c in ("dt", "user_id", "event")), strict=True))
    assert rows == sorted(zip(*(table.column(c).to_pylist() for c in ("dt", "user_id", "event")), strict=True))


# -- dplat.scenario.s3objects: the lessons' kit, against the real store ---------------------


def test_s3objects_lists_every_page_under_the_prefix_only(s3: Any, prefix: str) -> None:
    bodies = {f"{prefix}/dt=20240101/part-{n:05d}.json": f'{{"n": {n}}}\n'.encode()
              for n in range(1010)}  # ListObjectsV2 answers 1000 keys a page: two pages
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda item: s3.put_object(Bucket="datastaging", Key=item[0], Body=item[1]),
                      [*bodies.items(), (f"{prefix}-sibling/outside.json", b"{}")]))
    assert s3objects.keys(s3, "datastaging", f"{prefix}/") == sorted(bodies)
    listed = s3objects.listing(s3, "datastaging", f"{prefix}/")
    assert {key: item["Size"] for key, item in listed.items()} == {
        key: len(body) for key, body in bodies.items()}
    some = sorted(bodies)[::250]
    assert {k: v for k, v in s3objects.etags(s3, "datastaging", f"{prefix}/").items() if k in some} \
        == {key: hashlib.md5(bodies[key]).hexdigest() for key in some}
    assert s3objects.read_prefix(s3, "datastaging", f"{prefix}/") == dict(sorted(bodies.items()))
    assert s3objects.delete_prefix(s3, "datastaging", f"{prefix}/") == sorted(bodies)
    assert s3objects.keys(s3, "datastaging", prefix) == [f"{prefix}-sibling/outside.json"]


def test_s3objects_reads_gzip_json_lines_and_raises_what_the_store_refuses(
        s3: Any, prefix: str) -> None:
    lines = b'{"a": 1}\n\n{"a": 2}\n'
    s3.put_object(Bucket="datastaging", Key=f"{prefix}/x.json.gz", Body=gzip.compress(lines))
    s3.put_object(Bucket="datastaging", Key=f"{prefix}/y.json", Body=lines)
    raw = s3objects.read_prefix(s3, "datastaging", prefix)
    assert gzip.decompress(raw[f"{prefix}/x.json.gz"]) == lines
    read = s3objects.read_prefix(s3, "datastaging", prefix, gunzip=True)
    assert {key: s3objects.lines(body) for key, body in read.items()} == {
        f"{prefix}/x.json.gz": [b'{"a": 1}', b'{"a": 2}'], f"{prefix}/y.json": [b'{"a": 1}', b'{"a": 2}']}
    with pytest.raises(ClientError) as caught:
        s3objects.read(s3, "datastaging", [f"{prefix}/missing.json"])
    assert error_code(caught.value) == ("NoSuchKey", 404)
    with pytest.raises(ValueError, match="give a prefix"):
        s3objects.delete_prefix(s3, "datastaging", "")
    assert len(s3objects.keys(s3, "datastaging", prefix)) == 2  # nothing was deleted
    assert s3objects.delete(s3, "datastaging", [f"{prefix}/y.json"]) == [f"{prefix}/y.json"]
    assert s3objects.keys(s3, "datastaging", prefix) == [f"{prefix}/x.json.gz"]
