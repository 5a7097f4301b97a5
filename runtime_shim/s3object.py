"""What :class:`~flowc.runtime_shim.s3.S3` returns and raises: ``S3Object`` and Metaflow's error names.

Standard library only; boto3's exceptions are translated in :func:`translate`
without importing botocore at module import time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

#: The user-metadata header Metaflow keeps ``metadata=`` under (JSON), so either tool reads the other's.
USER_ATTRIBUTES = "metaflow-user-attributes"


class MetaflowS3Exception(Exception):
    """An S3 operation failed (base of the other ``MetaflowS3*`` errors)."""


class MetaflowS3NotFound(MetaflowS3Exception):
    """The object, bucket or local file does not exist."""


class MetaflowS3AccessDenied(MetaflowS3Exception):
    """The credentials may not read or write the object."""


class MetaflowS3URLException(MetaflowS3Exception):
    """A key or root that cannot be turned into an ``s3://`` URL here."""


class MetaflowS3InvalidObject(MetaflowS3Exception):
    """``put`` was given something other than str, bytes or a readable, seekable file."""


class S3Object:
    """An S3 URL, what is known about it and, once downloaded, a local copy.

    ``key`` is the URL relative to the prefix it was requested under (the
    client's root, or the listed path), or the full URL without one.
    """

    def __init__(
        self,
        prefix: str | None,
        url: str,
        path: str | None = None,
        size: int | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        last_modified: int | None = None,
    ) -> None:
        self._url = url
        self._path = path
        self._size = size
        self._content_type = content_type
        attributes = (metadata or {}).get(USER_ATTRIBUTES)
        self._metadata: dict[str, Any] | None = json.loads(attributes) if attributes else None
        self._last_modified = last_modified
        if prefix is None or prefix == url:
            self._prefix, self._key = None, url
        else:
            self._prefix, self._key = prefix, url[len(prefix.rstrip("/")) + 1 :].rstrip("/")

    @property
    def url(self) -> str:
        """The object's ``s3://bucket/key`` URL (a listed folder's ends with ``/``)."""
        return self._url

    @property
    def key(self) -> str:
        """The URL relative to :attr:`prefix`, or the URL itself without a prefix."""
        return self._key

    @property
    def prefix(self) -> str | None:
        """The root or listed path the object was requested under."""
        return self._prefix

    @property
    def exists(self) -> bool:
        """Whether an object (not a missing key or a listed folder) is there."""
        return self._size is not None

    @property
    def downloaded(self) -> bool:
        """Whether the content is in a local file (:attr:`path`)."""
        return self._path is not None

    @property
    def path(self) -> str | None:
        """The local copy, removed when the ``S3`` client closes; ``None`` if not downloaded."""
        return self._path

    @property
    def blob(self) -> bytes | None:
        """The content as bytes; ``None`` if not downloaded."""
        if self._path is None:
            return None
        with open(self._path, "rb") as handle:
            return handle.read()

    @property
    def text(self) -> str | None:
        """The content decoded as UTF-8 (bad bytes replaced); ``None`` if not downloaded."""
        blob = self.blob
        return None if blob is None else blob.decode("utf-8", errors="replace")

    @property
    def size(self) -> int | None:
        """Size in bytes; ``None`` when nothing exists at the URL."""
        return self._size

    @property
    def has_info(self) -> bool:
        """Whether content type, metadata or modification time are known."""
        return any(x is not None for x in (self._content_type, self._metadata, self._last_modified))

    @property
    def content_type(self) -> str | None:
        """The MIME type stored with the object."""
        return self._content_type

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The ``metadata=`` given to ``put``, if any."""
        return self._metadata

    @property
    def last_modified(self) -> int | None:
        """When the object was written, in seconds since the epoch."""
        return self._last_modified

    def __repr__(self) -> str:
        state = f"{self._size} bytes" if self.exists else "missing"
        return f"<S3Object {self._url} ({state}{', downloaded' if self.downloaded else ''})>"


def translate(url: str, call: Callable[[], T]) -> T:
    """``call()``, with boto3's errors raised as Metaflow's ``MetaflowS3*`` names for ``url``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
            raise MetaflowS3NotFound(f"{url} does not exist") from None
        if code in ("403", "AccessDenied", "Forbidden"):
            raise MetaflowS3AccessDenied(f"access to {url} denied") from None
        raise MetaflowS3Exception(f"S3 request for {url} failed: {exc}") from None
    except BotoCoreError as exc:
        raise MetaflowS3Exception(f"S3 request for {url} failed: {exc}") from None
