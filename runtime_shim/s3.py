"""``from metaflow import S3``: the commonly used part of Metaflow's S3 client, on boto3.

Keys are relative to a root (``s3root=``, ``bucket=``/``prefix=`` or
``run=self``), or full ``s3://`` URLs without one.  Downloads go to a
temporary folder that :meth:`S3.close` (the end of a ``with`` block) removes.
The endpoint and credentials are the datastore's (``FLOWC_S3_ENDPOINT_URL``,
boto3's usual ``AWS_*`` variables); boto3 is imported on first request.

``S3(run=self)`` keeps a run's objects under ``<root>/<Flow>/data/s3/<run>``
of the run's datastore, which must then be ``s3://`` (as Metaflow requires
an S3 datastore).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from flowc.runtime_shim.s3object import (
    USER_ATTRIBUTES,
    MetaflowS3AccessDenied,
    MetaflowS3Exception,
    MetaflowS3InvalidObject,
    MetaflowS3NotFound,
    MetaflowS3URLException,
    S3Object,
    translate,
)

T = TypeVar("T")
R = TypeVar("R")

#: Requests in flight at once for the ``*_many`` calls (boto3 clients are thread-safe).
WORKERS = 8

__all__ = [
    "S3",
    "MetaflowS3AccessDenied",
    "MetaflowS3Exception",
    "MetaflowS3InvalidObject",
    "MetaflowS3NotFound",
    "MetaflowS3URLException",
    "S3Object",
    "run_root",
]


def _split(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``."""
    bucket, _, key = url[len("s3://") :].partition("/")
    return bucket, key


def _task_datastore() -> str:
    """The datastore root of the running task (the shim exports it as ``$FLOWC_DATASTORE``)."""
    from flowc.runtime_shim.datastore import resolve_root

    return resolve_root()


def run_root(run: Any, bucket: str | None = None, prefix: str | None = None) -> str:
    """The ``s3://`` root of ``S3(run=...)``: a running flow (``self``) or a client ``Run``.

    With ``bucket`` (and ``prefix``) the run's folder goes there instead of
    under the datastore.
    """
    from flowc.runtime_shim.api import FlowSpec
    from flowc.runtime_shim.current import current

    if isinstance(run, FlowSpec):
        if not current.is_running_flow:
            raise MetaflowS3URLException("S3(run=self) works only inside a running step")
        flow_name, run_id, root = current.flow_name, current.run_id, _task_datastore()
    elif hasattr(run, "flow_name") and hasattr(run, "id"):
        flow_name, run_id = run.flow_name, run.id
        root = str(getattr(getattr(run, "_ds", None), "root", ""))
    else:
        raise MetaflowS3URLException("S3(run=...) takes the running flow (self) or a Run of flowc's client")
    if bucket:
        return "s3://" + "/".join(p for p in (bucket, (prefix or "").strip("/"), flow_name, run_id) if p)
    if not root.startswith("s3://"):
        raise MetaflowS3URLException(
            f"S3(run=self) needs an s3:// datastore, but this run's datastore is the local folder {root}: "
            "run with --datastore s3://BUCKET/PREFIX, or give S3(s3root='s3://...')"
        )
    return f"{root.rstrip('/')}/{flow_name}/data/s3/{run_id}"


class S3:
    """Metaflow's S3 client: ``with S3(run=self) as s3: s3.put("k", "v")``."""

    def __init__(
        self,
        tmproot: str | None = None,
        bucket: str | None = None,
        prefix: str | None = None,
        run: Any = None,
        s3root: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Pick the root: ``run``, else ``s3root``, else ``bucket``/``prefix``, else none (full URLs)."""
        if run is not None:
            self._root: str | None = run_root(run, bucket, prefix)
        elif s3root is not None:
            if not s3root.startswith("s3://") or not _split(s3root)[0]:
                raise MetaflowS3URLException(f"s3root must be an s3://bucket/prefix URL, not {s3root!r}")
            self._root = s3root.rstrip("/")
        elif bucket:
            self._root = "s3://" + "/".join(p for p in (bucket, (prefix or "").strip("/")) if p)
        else:
            self._root = None
        self._tmproot = tmproot
        self._tmpdir: str | None = None
        self._tmpdir_lock = threading.Lock()  # the *_many calls download from several threads
        self._client: Any = kwargs.get("external_client")

    # -- lifetime -------------------------------------------------------------------

    def __enter__(self) -> S3:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove every file downloaded through this client."""
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # -- plumbing ----------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The boto3 client, built as the datastore builds its own."""
        if self._client is None:
            from flowc.runtime_shim.storage import S3Storage

            self._client = S3Storage(self._root or "s3://any").client
        return self._client

    def _url(self, key: Any) -> str:
        """The URL of ``key`` (a string, or anything with a ``.key``; ``None`` is the root)."""
        key = getattr(key, "key", key)
        if self._root is None:
            if isinstance(key, str) and key.startswith("s3://") and _split(key)[1]:
                return key
            raise MetaflowS3URLException(
                f"{key!r} is not a full s3:// URL: give S3 an s3root, bucket or run=self to use relative keys"
            )
        if not key:
            return self._root
        if str(key).startswith("s3://"):
            raise MetaflowS3URLException(f"use keys relative to {self._root}, not the full URL {key}")
        return f"{self._root}/{str(key).lstrip('/')}"

    def _temp_file(self) -> str:
        with self._tmpdir_lock:
            if self._tmpdir is None:
                self._tmpdir = tempfile.mkdtemp(prefix="flowc-s3-", dir=self._tmproot)
            folder = self._tmpdir
        fd, path = tempfile.mkstemp(dir=folder)
        os.close(fd)
        return path

    @staticmethod
    def _parallel(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` over ``items`` with a few threads, results in ``items``' order."""
        listed = list(items)
        if len(listed) <= 1:
            return [fn(item) for item in listed]
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(listed))) as pool:
            return list(pool.map(fn, listed))

    # -- listing -----------------------------------------------------------------------

    def _list(self, key: Any, recursive: bool) -> Iterator[S3Object]:
        base = self._url(key).rstrip("/") + "/"
        bucket, prefix = _split(base)
        extra = {} if recursive else {"Delimiter": "/"}
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **extra)
        for page in translate(base, lambda: list(pages)):
            for item in page.get("Contents", []):
                yield S3Object(base, f"s3://{bucket}/{item['Key']}", size=int(item["Size"]))
            for folder in page.get("CommonPrefixes", []):
                yield S3Object(base, f"s3://{bucket}/{folder['Prefix']}")

    def list_paths(self, keys: Iterable[Any] | None = None) -> list[S3Object]:
        """Objects and sub-folders (``exists`` false) directly under each key (default: the root)."""
        return [obj for key in (keys or [None]) for obj in self._list(key, recursive=False)]

    def list_recursive(self, keys: Iterable[Any] | None = None) -> list[S3Object]:
        """Every object under each key (default: the root), at any depth."""
        return [obj for key in (keys or [None]) for obj in self._list(key, recursive=True)]

    # -- reading -----------------------------------------------------------------------

    def info(self, key: Any = None, return_missing: bool = False) -> S3Object:
        """Size, type and metadata of one object, without its content (one HEAD request)."""
        url = self._url(key)
        bucket, name = _split(url)
        try:
            head = translate(url, lambda: self.client.head_object(Bucket=bucket, Key=name))
        except MetaflowS3NotFound:
            if return_missing:
                return S3Object(self._root, url)
            raise
        return self._described(url, None, head)

    def info_many(self, keys: Iterable[Any], return_missing: bool = False) -> list[S3Object]:
        """:meth:`info` of each key, in order."""
        return self._parallel(lambda k: self.info(k, return_missing), keys)

    def get(self, key: Any = None, return_missing: bool = False, return_info: bool = True) -> S3Object:
        """Download one object (default: the root itself); a missing one raises ``MetaflowS3NotFound``."""
        return self._download(self._root, self._url(key), return_missing)

    def get_many(
        self, keys: Iterable[Any], return_missing: bool = False, return_info: bool = True
    ) -> list[S3Object]:
        """Download several objects at once, in the order of ``keys``."""
        return self._parallel(lambda k: self._download(self._root, self._url(k), return_missing), keys)

    def get_recursive(self, keys: Iterable[Any], return_info: bool = False) -> list[S3Object]:
        """Download every object under each key; keys are relative to the key they were found under."""
        found = [obj for key in keys for obj in self._list(key, recursive=True)]
        return self._parallel(lambda o: self._download(o.prefix, o.url, False), found)

    def get_all(self, return_info: bool = False) -> list[S3Object]:
        """Download every object under the root."""
        if self._root is None:
            raise MetaflowS3URLException("get_all() needs an S3 created with an s3root, bucket or run")
        return self.get_recursive([None], return_info)

    def _download(self, prefix: str | None, url: str, return_missing: bool) -> S3Object:
        bucket, name = _split(url)
        path = self._temp_file()
        try:
            response = translate(url, lambda: self.client.get_object(Bucket=bucket, Key=name))
            with open(path, "wb") as out:
                translate(url, lambda: shutil.copyfileobj(response["Body"], out, 1 << 20))
        except MetaflowS3NotFound:
            os.unlink(path)
            if return_missing:
                return S3Object(prefix, url)
            raise
        return self._described(url, path, response, prefix)

    def _described(self, url: str, path: str | None, head: dict[str, Any], prefix: Any = "") -> S3Object:
        modified = head.get("LastModified")
        return S3Object(
            self._root if prefix == "" else prefix,
            url,
            path,
            size=int(head.get("ContentLength", 0)),
            content_type=head.get("ContentType"),
            metadata=head.get("Metadata"),
            last_modified=int(modified.timestamp()) if modified is not None else None,
        )

    # -- writing -----------------------------------------------------------------------

    def put(
        self,
        key: Any,
        obj: Any,
        overwrite: bool = True,
        content_type: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Store ``obj`` (str as UTF-8, bytes, or a readable seekable file) at ``key``; its URL."""
        url = self._url(key)
        if not overwrite and self.info(key, return_missing=True).exists:
            return url
        bucket, name = _split(url)
        extra: dict[str, Any] = {}
        if content_type:
            extra["ContentType"] = content_type
        if metadata:
            import json

            extra["Metadata"] = {USER_ATTRIBUTES: json.dumps(metadata)}
        body = _body(key, obj)
        if isinstance(body, bytes):
            translate(url, lambda: self.client.put_object(Bucket=bucket, Key=name, Body=body, **extra))
        else:
            body.seek(0)
            translate(url, lambda: self.client.upload_fileobj(body, bucket, name, ExtraArgs=extra or None))
        return url

    def put_many(self, key_objs: Iterable[Any], overwrite: bool = True) -> list[tuple[str, str]]:
        """Store several ``(key, obj)`` pairs at once; ``(key, url)`` of each."""
        pairs = [_pair(item, "value") for item in key_objs]
        return self._parallel(lambda p: (p[0], self.put(p[0], p[1], overwrite)), pairs)

    def put_files(self, key_paths: Iterable[Any], overwrite: bool = True) -> list[tuple[str, str]]:
        """Upload local files given as ``(key, path)`` pairs; ``(key, url)`` of each."""
        pairs = [_pair(item, "path") for item in key_paths]
        for _key, path in pairs:
            if not os.path.isfile(path):
                raise MetaflowS3NotFound(f"local file {path} does not exist")

        def upload(pair: tuple[str, Any]) -> tuple[str, str]:
            key, path = pair
            url = self._url(key)
            if overwrite or not self.info(key, return_missing=True).exists:
                bucket, name = _split(url)
                translate(url, lambda: self.client.upload_file(path, bucket, name))
            return key, url

        return self._parallel(upload, pairs)


def _pair(item: Any, field: str) -> tuple[str, Any]:
    """``(key, value)`` from a tuple or from an object with ``.key`` and ``.<field>`` (``S3PutObject``)."""
    if isinstance(item, tuple):
        key, value = item
        return key, value
    return item.key, getattr(item, field)


def _body(key: Any, obj: Any) -> Any:
    """Bytes for str and bytes; a file object as it is; ``MetaflowS3InvalidObject`` otherwise."""
    if isinstance(obj, str):
        return obj.encode("utf-8")
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    if hasattr(obj, "read") and getattr(obj, "seekable", lambda: False)():
        return obj
    raise MetaflowS3InvalidObject(f"the object for key {key!r} is not str, bytes or a seekable file")
