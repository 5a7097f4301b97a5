"""Byte storage under a datastore root: a local folder or ``s3://bucket/prefix``.

Both implement the same small set of primitives on ``/``-separated keys;
the datastore builds everything else on top of them.  boto3 is imported
only when an ``s3://`` root is opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, NamedTuple, Protocol

from flowc.runtime_shim.errors import DatastoreError

#: Part size of multipart uploads (blobs above ``SMALL_OBJECT`` are streamed in parts).
MULTIPART_CHUNK = 32 << 20
#: Part size of parallel ranged downloads.
DOWNLOAD_PART = 8 << 20
#: Objects up to this size are read into memory; larger ones are streamed to a file.
SMALL_OBJECT = 16 << 20


class Fetched(NamedTuple):
    """An object read from storage."""

    #: The bytes, when the object was small enough to read into memory.
    data: bytes | None
    #: Otherwise a local file holding it...
    path: str | None
    #: ...which the caller deletes when ``True``.
    temporary: bool
    #: The sha256 computed while downloading, if it was.
    sha256: str | None = None


class NotFound(DatastoreError):
    """The key does not exist."""


class Storage(Protocol):
    """What the datastore needs from a root."""

    #: The root as the user wrote it (normalised).
    url: str

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""

    def get_bytes(self, key: str) -> bytes:
        """The content of ``key``; :class:`NotFound` when absent."""

    def put_bytes(self, key: str, data: bytes) -> None:
        """Write ``key`` atomically (readers see all of it or nothing)."""

    def put_stream(self, key: str) -> AbstractContextManager[Any]:
        """A file to write ``key`` into; it appears atomically when the block ends without error."""

    def fetch(self, key: str) -> Fetched:
        """The content of ``key``: in memory when small, else in a file; :class:`NotFound` when absent."""

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` (recursive), in no particular order."""

    def list_dirs(self, prefix: str) -> list[str]:
        """The names of the immediate sub-folders of ``prefix``."""


class LocalStorage:
    """A folder on local disk.  Writes go to a temporary file then ``os.replace``."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.url = self.root

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *key.split("/"))

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path(key))

    def get_bytes(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            raise NotFound(f"{self.url}/{key} does not exist") from None

    def _atomic(self, key: str) -> tuple[str, int, str]:
        path = self._path(key)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        # a unique sibling name (os.O_EXCL), renamed over the target once complete
        tmp = os.path.join(directory, f".tmp-{os.getpid()}-{os.urandom(6).hex()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        return path, fd, tmp

    def put_bytes(self, key: str, data: bytes) -> None:
        path, fd, tmp = self._atomic(key)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @contextmanager
    def put_stream(self, key: str) -> Iterator[Any]:
        final, fd, tmp = self._atomic(key)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def fetch(self, key: str) -> Fetched:
        path = self._path(key)
        if not os.path.exists(path):
            raise NotFound(f"{self.url}/{key} does not exist")
        return Fetched(None, path, False)

    def list_keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix.rstrip("/"))
        for directory, _dirs, files in os.walk(base):
            rel = os.path.relpath(directory, self.root).replace(os.sep, "/")
            for name in files:
                if not name.startswith(".tmp-"):
                    yield f"{rel}/{name}"

    def list_dirs(self, prefix: str) -> list[str]:
        base = self._path(prefix.rstrip("/"))
        try:
            return sorted(e.name for e in os.scandir(base) if e.is_dir())
        except FileNotFoundError:
            return []


class S3Storage:
    """``s3://bucket/prefix`` through boto3; endpoint from ``FLOWC_S3_ENDPOINT_URL``."""

    def __init__(self, url: str) -> None:
        rest = url[len("s3://") :]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise DatastoreError(f"datastore {url!r} names no bucket")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}" + (f"/{self.prefix}" if self.prefix else "")
        self._client: Any = None

    @property
    def client(self) -> Any:
        """The boto3 S3 client, created on first use."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                max_pool_connections=20,
            )
            endpoint = os.environ.get("FLOWC_S3_ENDPOINT_URL") or None
            self._client = boto3.client("s3", endpoint_url=endpoint, config=config)
        return self._client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, what: str, key: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchKey", "NotFound"):
                raise NotFound(f"{self.url}/{key} does not exist") from None
            raise DatastoreError(f"cannot {what} {self.url}/{key}: {exc}") from None
        except BotoCoreError as exc:
            raise DatastoreError(f"cannot {what} {self.url}/{key}: {exc}") from None

    def exists(self, key: str) -> bool:
        try:
            self._call("read", key, self.client.head_object, Bucket=self.bucket, Key=self._key(key))
        except NotFound:
            return False
        return True

    def get_bytes(self, key: str) -> bytes:
        response = self._call("read", key, self.client.get_object, Bucket=self.bucket, Key=self._key(key))
        body: bytes = self._call("read", key, response["Body"].read)
        return body

    def put_bytes(self, key: str, data: bytes) -> None:
        self._call("write", key, self.client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data)

    @contextmanager
    def put_stream(self, key: str) -> Iterator[Any]:
        from flowc.runtime_shim.multipart import MultipartUpload

        upload = MultipartUpload(self.client, self.bucket, self._key(key), MULTIPART_CHUNK)
        try:
            self._call("write", key, upload.start)
            yield upload
            self._call("write", key, upload.complete)
        except BaseException:
            upload.abort()
            raise

    def fetch(self, key: str) -> Fetched:
        response = self._call("read", key, self.client.get_object, Bucket=self.bucket, Key=self._key(key))
        body = response["Body"]
        if response.get("ContentLength", 0) <= SMALL_OBJECT:
            data: bytes = self._call("read", key, body.read)
            return Fetched(data, None, False)
        body.close()  # large: parallel ranged downloads into a file, hashed on the way
        import tempfile

        from flowc.runtime_shim.multipart import download

        fd, tmp = tempfile.mkstemp(prefix="flowc-blob-")
        try:
            size = int(response["ContentLength"])
            sha = self._call(
                "read", key, download, self.client, self.bucket, self._key(key), size, fd, DOWNLOAD_PART
            )
        except BaseException:
            os.unlink(tmp)
            raise
        finally:
            os.close(fd)
        return Fetched(None, tmp, True, sha)

    def _pages(self, prefix: str, **extra: Any) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix), **extra)
        iterator = iter(pages)
        while True:
            page = self._call("list", prefix, next, iterator, None)
            if page is None:
                return
            yield page

    def list_keys(self, prefix: str) -> Iterator[str]:
        strip = len(self.prefix) + 1 if self.prefix else 0
        for page in self._pages(prefix.rstrip("/") + "/"):
            for item in page.get("Contents", []):
                yield item["Key"][strip:]

    def list_dirs(self, prefix: str) -> list[str]:
        folder = prefix.strip("/")
        folder = folder + "/" if folder else ""
        base = self._key(folder)
        names: list[str] = []
        for page in self._pages(folder, Delimiter="/"):
            names.extend(p["Prefix"][len(base) :].rstrip("/") for p in page.get("CommonPrefixes", []))
        return sorted(names)


def open_storage(root: str) -> Storage:
    """The storage for a root: ``s3://...`` or a local folder (``file://`` allowed)."""
    if root.startswith("s3://"):
        return S3Storage(root)
    if root.startswith("file://"):
        root = root[len("file://") :]
    return LocalStorage(root)
