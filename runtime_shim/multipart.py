"""Streaming a blob into an S3 multipart upload, a few parts in flight at a time."""

from __future__ import annotations

import contextlib
import io
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

#: Parts uploaded at once; also bounds the memory held (``IN_FLIGHT + 1`` parts).
IN_FLIGHT = 4
#: Ranged GETs at once when downloading (like boto3's default of 10).
DOWNLOAD_THREADS = 10


class MultipartUpload(io.RawIOBase):
    """A write-only file whose bytes become one S3 object, uploaded part by part.

    Nothing is visible under the key until :meth:`complete`; :meth:`abort`
    discards the parts.
    """

    def __init__(self, client: Any, bucket: str, key: str, part_size: int) -> None:
        super().__init__()
        self.client, self.bucket, self.key, self.part_size = client, bucket, key, part_size
        self.upload_id = ""
        self._buffer = bytearray()
        self._parts: list[Future[dict[str, Any]]] = []
        self._slots = threading.Semaphore(IN_FLIGHT)
        self._pool = ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="flowc-upload")

    def writable(self) -> bool:
        return True

    def start(self) -> None:
        """Open the multipart upload."""
        response = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)
        self.upload_id = response["UploadId"]

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) >= self.part_size:
            part = bytes(self._buffer[: self.part_size])
            del self._buffer[: self.part_size]
            self._send(part)
        return len(memoryview(data))

    def _send(self, part: bytes) -> None:
        self._slots.acquire()  # wait while IN_FLIGHT parts are uploading
        for done in (f for f in self._parts if f.done()):
            done.result()  # a failed part stops the upload now, not at the end
        number = len(self._parts) + 1
        self._parts.append(self._pool.submit(self._upload, number, part))

    def _upload(self, number: int, part: bytes) -> dict[str, Any]:
        try:
            response = self.client.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=part
            )
            return {"PartNumber": number, "ETag": response["ETag"]}
        finally:
            self._slots.release()

    def complete(self) -> None:
        """Upload what is left and publish the object."""
        if self._buffer or not self._parts:
            self._send(bytes(self._buffer))
            self._buffer = bytearray()
        parts = [future.result() for future in self._parts]
        self._pool.shutdown()
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )

    def abort(self) -> None:
        """Discard the upload (best effort)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.upload_id:
            # best effort: the original error matters more than a failed clean-up
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


def download(client: Any, bucket: str, key: str, size: int, fd: int, part_size: int) -> str:
    """Fetch an object into ``fd`` with parallel ranged GETs; returns its sha256.

    Parts are hashed in order as they arrive, so verifying costs no second
    pass over the file; at most ``2 * DOWNLOAD_THREADS`` parts are held in memory.
    """
    import hashlib
    import os

    def part(offset: int) -> bytes:
        end = min(offset + part_size, size) - 1
        response = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={offset}-{end}")
        data: bytes = response["Body"].read()
        os.pwrite(fd, data, offset)
        return data

    digest = hashlib.sha256()
    offsets = list(range(0, size, part_size))
    window = 2 * DOWNLOAD_THREADS
    with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS, thread_name_prefix="flowc-download") as pool:
        pending = [pool.submit(part, offset) for offset in offsets[:window]]
        for index in range(len(offsets)):
            digest.update(pending[index].result())
            pending[index] = None  # type: ignore[call-overload]
            if index + window < len(offsets):
                pending.append(pool.submit(part, offsets[index + window]))
    return digest.hexdigest()
