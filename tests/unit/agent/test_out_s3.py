"""out_s3: object keys with every placeholder, bodies, bucket checks, error mapping.

S3 is a fake boto3 client (a dict of objects that raises botocore's own
ClientError), so the real ``Bucket`` wrapper and its error mapping are tested.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.buffer.metadata import ChunkKeys, Metadata
from dplat.agent.buffer.placeholders import Placeholders
from dplat.agent.config import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.buf_memory import MemoryChunk
from dplat.agent.plugins.out_s3 import S3Output
from dplat.agent.plugins.s3.bucket import Bucket, S3Error, S3SetupError
from dplat.agent.plugins.s3.keys import KeySettings, ObjectKeys
from dplat.agent.testing import arun_output, configured

T = EventTime(1704164645, 123456789)  # 2024-01-02T03:04:05.123456789Z
DAY = 1704153600  # 2024-01-02T00:00:00Z
HOUR = 1704164400  # 2024-01-02T03:00:00Z
CHUNK_ID = bytes(range(16))  # dump_id 000102...0f


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} message"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


class FakeS3:
    """The boto3 client calls Bucket makes, over a dict ``{bucket: {key: ...}}``."""

    def __init__(self, buckets: tuple[str, ...] = ("logs",)) -> None:
        self.buckets: dict[str, dict[str, dict[str, Any]]] = {b: {} for b in buckets}
        self.heads: list[str] = []
        self.fail_put: Exception | None = None
        self.fail_list: Exception | None = None

    def _bucket(self, name: str) -> dict[str, dict[str, Any]]:
        if name not in self.buckets:
            raise client_error("NoSuchBucket", 404)
        return self.buckets[name]

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.heads.append(Key)
        if Key not in self._bucket(Bucket):
            raise client_error("404", 404)
        return {}

    def head_bucket(self, Bucket: str) -> dict[str, Any]:
        if Bucket not in self.buckets:
            raise client_error("404", 404)
        return {}

    def create_bucket(self, Bucket: str, **_: Any) -> dict[str, Any]:
        self.buckets.setdefault(Bucket, {})
        return {}

    def list_objects_v2(self, Bucket: str, Prefix: str, MaxKeys: int) -> dict[str, Any]:
        if self.fail_list is not None:
            raise self.fail_list
        self._bucket(Bucket)
        return {}

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str,
                   **options: Any) -> dict[str, Any]:
        if self.fail_put is not None:
            raise self.fail_put
        self._bucket(Bucket)[Key] = {"body": Body, "type": ContentType, **options}
        return {}


def keys_for(key_format: str, chunk_keys: str = "tag,time", timekey: float | None = 3600,
             **settings: Any) -> ObjectKeys:
    placeholders = Placeholders(ChunkKeys.parse(chunk_keys, timekey=timekey))
    return ObjectKeys(KeySettings(key_format, **settings), placeholders)


def chunk(timekey: int | None = HOUR, tag: str | None = "app.web.api",
          variables: tuple[tuple[str, Any], ...] = ()) -> MemoryChunk:
    return MemoryChunk(Metadata(timekey, tag, variables), CHUNK_ID)


# -- key rendering --------------------------------------------------------------------


def test_default_key_is_path_time_slice_index_extension() -> None:
    keys = keys_for("%{path}%{time_slice}_%{index}.%{file_extension}", path="logs/")
    assert keys.render(chunk(), 0) == "logs/2024010203_0.gz"
    assert keys.render(chunk(), 7) == "logs/2024010203_7.gz"


def test_every_placeholder_in_one_key() -> None:
    key_format = ("%{path}${tag}/${tag[1]}/${tag[-1]}/%Y/%m/%d/%H/${team}/"
                  "%{time_slice}-%{index}-%{hex_random}-%{uuid_flush}-${chunk_id}-%{hostname}"
                  "-%{unknown}.%{file_extension}")
    keys = keys_for(key_format, "tag,time,team", path="p/${tag[0]}/", index_format="%03d",
                    hex_random_length=6, file_extension="json")
    key = keys.render(chunk(variables=(("team", "growth"),)), 12, flush_uuid="U-U-I-D")
    assert key == (f"p/app/app.web.api/web/api/2024/01/02/03/growth/"
                   f"2024010203-012-f0e0d0-U-U-I-D-{CHUNK_ID.hex()}-{socket.gethostname()}"
                   f"-%{{unknown}}.json")


@pytest.mark.parametrize(("timekey", "expected"), [
    (30, "20240102030400"), (600, "202401020300"), (3600, "2024010203"),
    (86400, "20240102"),
])
def test_time_slice_follows_the_timekey_resolution(timekey: int, expected: str) -> None:
    keys = keys_for("%{time_slice}", "time", timekey=timekey)
    metadata_time = ChunkKeys.parse("time", timekey=timekey).timekey_of(T.sec)
    assert keys.render(chunk(metadata_time, None), 0) == expected


def test_time_slice_format_overrides_and_no_time_key_gives_empty_slice() -> None:
    assert keys_for("%{time_slice}", "time", timekey=86400,
                    time_slice_format="%Y-%m-%d").render(chunk(DAY, None), 0) == "2024-01-02"
    assert keys_for("x%{time_slice}y", "tag", timekey=None).render(chunk(None), 0) == "xy"


def test_uuid_flush_is_new_for_every_render_and_hex_random_is_stable() -> None:
    keys = keys_for("%{uuid_flush}/%{hex_random}", "time")
    first, second = keys.render(chunk(), 0), keys.render(chunk(), 0)
    assert first.split("/")[0] != second.split("/")[0]
    assert first.split("/")[1] == second.split("/")[1] == "f0e0"


@pytest.mark.parametrize("index_format", ["%02d", "%x", "%X", "%d"])
def test_index_format(index_format: str) -> None:
    assert keys_for("%{index}", "time", index_format=index_format).render(chunk(), 255) == \
        index_format % 255


@pytest.mark.parametrize(("settings", "message"), [
    ({"key_format": "%{uuid}"}, "%{uuid} placeholder in s3_object_key_format is removed"),
    ({"index_format": "%5d"}, "index_format parameter should follow"),
    ({"hex_random_length": 17}, "hex_random_length parameter must be less than or equal to 16"),
    ({"key_format": "${tag}/%{index}"}, "chunk key 'tag' is not configured"),
    ({"key_format": "%{path}%{index}", "path": "${team}/"}, "doesn't have keys team"),
])
def test_invalid_settings_are_config_errors(settings: dict[str, Any], message: str) -> None:
    settings.setdefault("key_format", "%{index}")
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        keys_for(chunk_keys="time", **settings)


def test_free_key_heads_until_an_index_is_free() -> None:
    taken = {"logs/2024010203_0.gz", "logs/2024010203_1.gz"}
    asked: list[str] = []

    def exists(key: str) -> bool:
        asked.append(key)
        return key in taken

    keys = keys_for("%{path}%{time_slice}_%{index}.%{file_extension}", path="logs/")
    assert keys.free_key(chunk(), exists) == "logs/2024010203_2.gz"
    assert asked == ["logs/2024010203_0.gz", "logs/2024010203_1.gz", "logs/2024010203_2.gz"]


def test_a_key_without_index_is_written_once_or_overwritten_when_asked() -> None:
    keys = keys_for("fixed/%{time_slice}.gz")
    with pytest.raises(UnrecoverableError, match="duplicated path is generated"):
        keys.free_key(chunk(), lambda key: True)
    assert keys.free_key(chunk(), lambda key: True, overwrite=True) == "fixed/2024010203.gz"


def test_without_check_object_the_key_has_the_upload_time() -> None:
    keys = keys_for("%{path}/%{time_slice}_%{hms_slice}.%{file_extension}", path="logs",
                    check_object=False)
    assert keys.render(chunk(), 0, now=1704170096) == "logs/2024010203_043456.gz"


# -- the plugin, against a fake S3 -------------------------------------------------------


def s3_output(conf: str, fake: FakeS3) -> S3Output:
    plugin = configured(S3Output, "s3_bucket logs\n" + conf)
    plugin.new_bucket = lambda: Bucket(fake, plugin.s3_bucket)  # type: ignore[method-assign]
    return plugin


def run(plugin: S3Output, records: list[dict[str, Any]], tag: str = "app.web") -> Any:
    return asyncio.run(arun_output(plugin, records=[(T, r) for r in records], tag=tag))


def test_gzip_json_lines_under_a_tag_path_with_index_increment() -> None:
    fake = FakeS3()
    conf = "path logs/${tag}/dt=%Y%m%d/\n<format>\n@type json\n</format>\n<buffer tag,time>\n" \
           "timekey 1d\n</buffer>"
    for _ in range(2):
        run(s3_output(conf, fake), [{"n": 1}, {"n": 2, "s": "é"}])
    objects = fake.buckets["logs"]
    assert sorted(objects) == ["logs/app.web/dt=20240102/20240102_0.gz",
                               "logs/app.web/dt=20240102/20240102_1.gz"]
    stored = objects["logs/app.web/dt=20240102/20240102_1.gz"]
    assert stored["type"] == "application/x-gzip"
    lines = gzip.decompress(stored["body"]).decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"n": 1}, {"n": 2, "s": "é"}]
    assert "Tagging" not in stored


def test_default_format_is_out_file_and_store_as_text() -> None:
    fake = FakeS3()
    run(s3_output("store_as text", fake), [{"k": "v"}])
    (key, stored), = fake.buckets["logs"].items()
    assert key == "20240102_0.txt"
    assert stored["type"] == "text/plain"
    assert stored["body"] == b'2024-01-02T03:04:05+00:00\tapp.web\t{"k":"v"}\n'


def test_store_as_json_only_names_the_object_and_inject_adds_fields() -> None:
    fake = FakeS3()
    conf = ("store_as json\n<format>\n@type json\n</format>\n<inject>\ntime_key t\n"
            "time_type string\ntime_format %Y-%m-%dT%H:%M:%S.%3NZ\ntag_key tag\n</inject>")
    run(s3_output(conf, fake), [{"k": "v"}])
    (key, stored), = fake.buckets["logs"].items()
    assert (key, stored["type"]) == ("20240102_0.json", "application/json")
    assert json.loads(stored["body"]) == {"k": "v", "t": "2024-01-02T03:04:05.123Z",
                                          "tag": "app.web"}


def test_missing_bucket_is_created_or_refused_at_start() -> None:
    fake = FakeS3(buckets=())
    run(s3_output("", fake), [{"k": 1}])
    assert list(fake.buckets["logs"]) == ["20240102_0.gz"]
    plugin = s3_output("auto_create_bucket false", FakeS3(buckets=()))
    with pytest.raises(S3SetupError, match="The specified bucket does not exist"):
        asyncio.run(plugin.open())


def test_bad_credentials_stop_the_start_but_an_unreachable_store_does_not() -> None:
    fake = FakeS3()
    fake.fail_list = client_error("InvalidAccessKeyId", 403)
    with pytest.raises(S3SetupError, match="check your credentials"):
        asyncio.run(s3_output("", fake).open())
    for not_answering in (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
                          client_error("BadGateway", 502)):  # e.g. a proxy before its backend
        fake = FakeS3(buckets=())
        fake.fail_list = not_answering
        run(s3_output("", fake), [{"k": 1}])  # start only warns; the upload creates the bucket
        assert list(fake.buckets["logs"]) == ["20240102_0.gz"]


@pytest.mark.parametrize(("error", "kind"), [
    (client_error("SlowDown", 503), S3Error),
    (client_error("AccessDenied", 403), S3Error),
    (client_error("NoSuchBucket", 404), S3Error),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), S3Error),
    (client_error("EntityTooLarge"), UnrecoverableError),
    (client_error("KeyTooLongError"), UnrecoverableError),
])
def test_upload_errors_are_retryable_or_not(error: Exception, kind: type[Exception]) -> None:
    fake = FakeS3()
    plugin = s3_output("", fake)

    async def attempt() -> None:
        await plugin.open()
        try:
            await plugin.emit("app", [(T, {"k": 1})])
            plugin.buffering.buffer.enqueue_all()  # type: ignore[union-attr]
            queued = plugin.buffering.buffer.dequeue_chunk()  # type: ignore[union-attr]
            fake.fail_put = error
            with pytest.raises(kind):  # S3Error is no UnrecoverableError, and vice versa
                await plugin.write(queued)
            plugin.buffering.buffer.takeback_chunk(queued.unique_id)  # type: ignore[union-attr]
            fake.fail_put = None
        finally:
            await plugin.close()

    asyncio.run(attempt())
    assert list(fake.buckets["logs"]) == ["20240102_0.gz"]  # drained at shutdown


def test_tagging_and_aws_endpoints_are_refused() -> None:
    with pytest.raises(ConfigError, match="'tagging' is not supported"):
        configured(S3Output, "s3_bucket b\ntagging k=v")
    with pytest.raises(ConfigError, match="s3_endpoint parameter is not supported for S3"):
        configured(S3Output, "s3_bucket b\ns3_endpoint https://s3.us-west-2.amazonaws.com")
    with pytest.raises(ConfigError, match="set both aws_key_id and aws_sec_key"):
        configured(S3Output, "s3_bucket b\naws_key_id AKIA")


def test_secrets_are_masked_and_region_defaults_like_fluentd() -> None:
    plugin = configured(S3Output, "s3_bucket b\naws_key_id AKIA\naws_sec_key s3cr3t")
    dump = plugin.config_dump()
    assert dump["aws_key_id"] == dump["aws_sec_key"] == "xxxxxx"
    assert plugin.region == "us-east-1"


def test_concurrent_writes_of_one_time_slice_never_take_the_same_index() -> None:
    """A forced flush can upload beside a flush worker: the free-index check and
    the PUT must be one step, or both chunks pick `_0` and one is overwritten."""
    import threading
    import time as _time

    class SlowHeadS3(FakeS3):
        def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
            try:
                return super().head_object(Bucket, Key)
            finally:
                _time.sleep(0.02)  # widen the window between the answer and the PUT

    fake = SlowHeadS3()
    plugin = s3_output("path logs/\n<buffer tag,time>\ntimekey 1h\n</buffer>", fake)
    plugin.bucket = plugin.new_bucket()
    plugin._bucket_ready = True
    threads = [
        threading.Thread(target=plugin._upload, args=(chunk(tag="app.web"), b"x\n")) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.buckets["logs"]) == 4
