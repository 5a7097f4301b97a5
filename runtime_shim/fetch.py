"""Fetching and unpacking a code package inside the shim, hash verified first."""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.parse
import urllib.request
from typing import Any

from flowc.runtime_shim.errors import FlowcRuntimeError, PackageError


def _download(url: str) -> bytes:
    parts = urllib.parse.urlparse(url)
    if parts.scheme == "s3":
        from flowc.runtime_shim.storage import S3Storage

        data, path, temporary, _ = S3Storage(f"s3://{parts.netloc}").fetch(parts.path.lstrip("/"))
        if data is None:
            assert path is not None
            with open(path, "rb") as handle:
                data = handle.read()
            if temporary:
                os.unlink(path)
        return data
    if parts.scheme in ("", "file"):
        local = urllib.request.url2pathname(parts.path) if parts.scheme else url
        with open(local, "rb") as handle:
            return handle.read()
    with urllib.request.urlopen(url) as response:
        body: bytes = response.read()
        return body


def fetch_package(url: str, sha256: str) -> str:
    """Download the package at ``url``, check its sha256, unpack it; returns the folder.

    Reuses the folder the bootstrap already unpacked when it verified the
    same hash (``FLOWC_PACKAGE_DIR``/``FLOWC_PACKAGE_SHA256``).
    """
    ready = os.environ.get("FLOWC_PACKAGE_DIR")
    if ready and os.environ.get("FLOWC_PACKAGE_SHA256") == sha256 and os.path.isdir(ready):
        return ready
    try:
        data = _download(url)
    except FlowcRuntimeError as exc:
        raise PackageError(f"cannot fetch code package {url}: {exc}") from None
    except OSError as exc:
        raise PackageError(f"cannot fetch code package {url}: {exc}") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise PackageError(f"code package {url} has sha256 {actual}, expected {sha256}; refusing to run it")
    folder = tempfile.mkdtemp(prefix="flowc-pkg-")
    path = os.path.join(folder, "package.tgz")
    with open(path, "wb") as handle:
        handle.write(data)
    extra: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(path) as tar:
        tar.extractall(folder, **extra)
    return folder
