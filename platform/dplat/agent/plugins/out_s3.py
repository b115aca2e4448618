"""``@type s3``: upload each chunk as one object, named as fluent-plugin-s3 names it.

    <match app.**>
      @type s3
      s3_bucket datastaging
      path logs/${tag}/dt=%Y%m%d/          # placeholders: ${tag}, ${tag[N]}, strftime
      store_as gzip                        # gzip (.gz), json (.json), text (.txt)
      <format>
        @type json                         # default out_file: time<TAB>tag<TAB>json
      </format>
      <buffer tag,time>
        timekey 1h
      </buffer>
    </match>

Keys follow ``s3_object_key_format`` (s3/keys.py). With ``check_object``
(default) the plugin HEADs ``..._0.gz``, ``..._1.gz``... and writes the first
free key, so a timekey flushed twice gives two objects, never an overwrite.

Where it connects: ``s3_endpoint`` (an S3-compatible store such as dplat's),
``s3_region`` and ``aws_key_id``/``aws_sec_key``. Whatever is not written in
the config comes from boto3's own standard chain, as Fluentd's out_s3 falls
back to the SDK's: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
``AWS_ENDPOINT_URL_S3``, ``AWS_REGION``, profiles (the plugin itself reads no
environment variable; without any region it uses us-east-1, as Fluentd does).

Default buffer: time chunk key with a one-day timekey, like out_s3 (whose
default buffer type is file; ours is memory until buf_file exists).
Uploads run in a worker thread: boto3 blocks, the event loop must not.
Retries and unrecoverable errors: see s3/bucket.py. ``tagging`` is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import threading
from typing import Any, ClassVar

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, config_section, describe, located
from dplat.agent.core.registry import register
from dplat.agent.output import Output
from dplat.agent.plugins.formatters import new_formatter
from dplat.agent.plugins.inject import Injector
from dplat.agent.plugins.s3.bucket import Bucket, S3Error, S3SetupError
from dplat.agent.plugins.s3.keys import (
    DEFAULT_KEY_FORMAT,
    NO_CHECK_KEY_FORMAT,
    KeySettings,
    ObjectKeys,
)
from dplat.agent.plugins.text_output import TextFormatting

DEFAULT_TIMEKEY = 86400.0
DEFAULT_REGION = "us-east-1"
STORE_AS = {
    "gzip": ("gz", "application/x-gzip"),
    "json": ("json", "application/json"),
    "text": ("txt", "text/plain"),
}
"""store_as -> (file extension, content type). ``json`` only names the object:
its content is whatever ``<format>`` writes, as in out_s3."""
UNIQUE_TOKENS = ("${chunk_id}", "%{uuid_flush}", "%{hex_random}")


@register("s3")
class S3Output(TextFormatting, Output):
    buffer_defaults: ClassVar[dict[str, Any]] = {"chunk_keys": "time", "timekey": DEFAULT_TIMEKEY}
    names_paths_by_placeholders: ClassVar[bool] = True
    """Chunk-key values become key segments: climbing ones are refused (controller.py)."""

    s3_bucket = config_param("string", desc="Bucket the objects go to.")
    s3_region = config_param("string", default=None,
                             desc="Region; default: boto3's (AWS_REGION...), else us-east-1.")
    s3_endpoint = config_param("string", default=None,
                               desc="URL of an S3-compatible store (not for AWS itself).")
    force_path_style = config_param("bool", default=False,
                                    desc="Bucket in the URL path, not in the host name.")
    aws_key_id = config_param("string", default=None, secret=True, desc="Access key id.")
    aws_sec_key = config_param("string", default=None, secret=True, desc="Secret access key.")
    aws_profile = config_param("string", default=None, desc="Profile of the shared config.")
    path = config_param("string", default="", desc="Key prefix; placeholders allowed.")
    s3_object_key_format = config_param("string", default=DEFAULT_KEY_FORMAT,
                                        desc="Key of each object (%{...} and ${...}).")
    time_slice_format = config_param("string", default=None,
                                     desc="Legacy: strftime of %{time_slice}.")
    store_as = config_param("string", default="gzip", desc="gzip, json or text.")
    index_format = config_param("string", default="%d", desc="printf format of %{index}.")
    hex_random_length = config_param("integer", default=4, desc="Length of %{hex_random}.")
    check_object = config_param("bool", default=True,
                                desc="HEAD keys and take the first free %{index}.")
    overwrite = config_param("bool", default=False,
                             desc="Reuse a taken key when the format has no %{index}.")
    auto_create_bucket = config_param("bool", default=True, desc="Create a missing bucket.")
    check_bucket = config_param("bool", default=True, desc="Check the bucket exists at start.")
    check_apikey_on_start = config_param("bool", default=True,
                                         desc="List one key at start to check credentials.")
    storage_class = config_param("string", default="STANDARD", desc="Storage class of objects.")
    acl = config_param("string", default=None, desc="Canned ACL of objects.")
    tagging = config_param("string", default=None,
                           desc="Refused: tagging overwrites objects on dplat's S3 stand-in.")
    format_config = config_section("format", desc="Content format (default: out_file).")
    inject_config = config_section("inject", desc="Add time, tag or hostname to records.")

    def __init__(self) -> None:
        super().__init__()
        self.bucket: Bucket | None = None
        self.region = DEFAULT_REGION
        self.last_key: str | None = None
        """Key of the last object written (logs and tests)."""
        self._bucket_ready = False
        self._key_lock = threading.Lock()  # uploads run in worker threads

    # -- configuration ----------------------------------------------------------
    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if self.tagging is not None:
            raise located(element.params["tagging"].origin,
                          f"{describe(element)}: 'tagging' is not supported: object tagging "
                          "overwrites the object's data on dplat's S3 stand-in",
                          "Remove the 'tagging' line; put the information in the key instead.")
        if self._aws_endpoint():
            raise located(element.params["s3_endpoint"].origin,
                          "s3_endpoint parameter is not supported for S3, use s3_region "
                          "instead. This parameter is for S3 compatible services")
        if bool(self.aws_key_id) != bool(self.aws_sec_key):
            raise located(element.origin, f"{describe(element)}: set both aws_key_id and "
                          "aws_sec_key, or neither (then boto3's standard chain is used)")
        store = self.store_as if self.store_as in STORE_AS else None
        if store is None:
            store = "gzip" if self.store_as == "gzip_command" else "text"
            self.log.warning("'%s' not supported. Use '%s' instead", self.store_as, store)
        self.extension, self.content_type = STORE_AS[store]
        self.compress = store == "gzip"
        self.keys = self._object_keys(element)
        self.formatter = new_formatter(self.format_config, "out_file")
        self.injector = Injector(self.inject_config, self.placeholders.keys.fields)

    def _aws_endpoint(self) -> bool:
        endpoint = self.s3_endpoint or ""
        return (endpoint.endswith("amazonaws.com") and not endpoint.endswith("vpce.amazonaws.com")
                and not any(word in endpoint for word in ("fips", "gov")))

    def _object_keys(self, element: Element) -> ObjectKeys:
        key_format = self.s3_object_key_format
        written = "s3_object_key_format" in element.params
        if not self.check_object:
            if written:
                self.log.warning("Set 'check_object false' and s3_object_key_format is specified. "
                                 "Check s3_object_key_format is unique in each write. If not, "
                                 "existing file will be overwritten.")
            else:
                key_format = NO_CHECK_KEY_FORMAT
        if "%{hostname}" in key_format:
            self.log.warning("%{hostname} will be removed in the future; write the host name "
                             "into the format instead")
        settings = KeySettings(key_format, self.path, self.extension, self.index_format,
                               self.hex_random_length, self.time_slice_format, self.check_object)
        origin = (element.params.get("s3_object_key_format") or element.params.get("path")
                  or element).origin
        try:
            keys = ObjectKeys(settings, self.placeholders)
        except ConfigError as exc:
            raise exc.with_origin(origin) from None
        threads = self.buffering.config.flush_thread_count if self.buffering else 1
        if threads > 1 and not any(token in key_format for token in UNIQUE_TOKENS):
            self.log.warning("No ${chunk_id}, %{uuid_flush} or %{hex_random} in "
                             "s3_object_key_format with multiple flush threads. Recommend to set "
                             "one of them to avoid data lost by object conflict")
        return keys

    # -- life cycle ---------------------------------------------------------------
    async def start(self) -> None:
        self.bucket = await asyncio.to_thread(self.new_bucket)
        self._bucket_ready = not self.check_bucket
        if not (self.check_apikey_on_start or self.check_bucket):
            return
        try:
            await asyncio.to_thread(self._check_on_start)
        except S3SetupError:
            raise
        except S3Error as exc:  # not answering (yet): the first upload checks again
            self.log.warning("cannot reach S3 at start; checking the bucket at the first "
                             "upload %s", kv(bucket=self.s3_bucket, error=exc))

    def new_bucket(self) -> Bucket:
        """A Bucket on a new boto3 client (runs in a thread: boto3 reads its
        config files and the environment here, which is its job, not ours)."""
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(profile_name=self.aws_profile)
        self.region = self.s3_region or session.region_name or DEFAULT_REGION
        config = Config(
            s3={"addressing_style": "path" if self.force_path_style else "auto"},
            connect_timeout=10, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
            # S3-compatible stores (dplat's rclone) reject or mangle the
            # flexible checksums boto3 now sends by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        client = session.client("s3", region_name=self.region, endpoint_url=self.s3_endpoint,
                                aws_access_key_id=self.aws_key_id,
                                aws_secret_access_key=self.aws_sec_key, config=config)
        return Bucket(client, self.s3_bucket)

    def _check_on_start(self) -> None:
        assert self.bucket is not None
        if self.check_apikey_on_start:
            try:
                self.bucket.check_access(self.path)
            except S3Error as exc:
                if not exc.refused:  # no answer, or a 5xx: S3 is starting or struggling
                    raise
                raise S3SetupError(f"can't call S3 API. Please check your credentials or "
                                   f"s3_region configuration. error = {exc}", exc.code) from exc
        if self.check_bucket:
            self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        assert self.bucket is not None
        if not self.bucket.exists():
            if not self.auto_create_bucket:
                raise S3SetupError(f"The specified bucket does not exist: bucket = "
                                   f"{self.s3_bucket}", "NoSuchBucket")
            self.log.info("Creating bucket %s", kv(bucket=self.s3_bucket,
                                                   endpoint=self.s3_endpoint or ""))
            self.bucket.create(self.region)
        self._bucket_ready = True

    # -- events -------------------------------------------------------------------

    async def write(self, chunk: Chunk) -> None:
        body = self.formatted(chunk)
        self.last_key = await asyncio.to_thread(self._upload, chunk, body)

    def _upload(self, chunk: Chunk, body: bytes) -> str:
        """Pick the key, compress, PUT (in a worker thread)."""
        bucket = self.bucket
        if bucket is None:
            raise S3Error("BUG: write before start")
        if not self._bucket_ready:
            self._ensure_bucket()
        data = gzip.compress(body) if self.compress else body
        options: dict[str, Any] = {}
        if self.storage_class != "STANDARD":
            options["StorageClass"] = self.storage_class
        if self.acl:
            options["ACL"] = self.acl
        # Finding a free %{index} and taking it must be one step: a forced
        # flush can write beside a flush worker, and two chunks of one time
        # slice would otherwise both pick `_0` and one would overwrite the other.
        with self._key_lock if self.check_object else contextlib.nullcontext():
            if self.check_object:
                key = self.keys.free_key(chunk, bucket.object_exists, overwrite=self.overwrite)
            else:
                key = self.keys.render(chunk, 0)
            try:
                bucket.put(key, data, self.content_type, **options)
            except S3Error as exc:
                if exc.code == "NoSuchBucket":
                    self._bucket_ready = not self.check_bucket  # look again next time
                raise
        self.log.debug("wrote chunk %s", kv(chunk_id=chunk.dump_id, records=chunk.size,
                                             bucket=self.s3_bucket, key=key))
        return key
