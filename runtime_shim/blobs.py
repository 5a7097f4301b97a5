"""Content-addressed artifact blobs: pickled, compressed when it pays, sha256-named.

A blob is the pickle of a value (protocol 5), stored as a zlib stream, or
as the plain pickle when the first MiB does not compress below 90 % (random
or already compressed data would only cost CPU).  The two are told apart by
their first byte (zlib streams start with ``0x78``, pickles with ``0x80``).
The address is the sha256 of the stored bytes, so a reader verifies a blob
before unpickling it.

Values are written through :class:`BlobWriter`, a file object the pickler
streams into: small blobs stay in memory, large ones spill to a temporary
file, and a large ``bytes`` payload is compressed chunk by chunk straight
from the pickler's buffer, so a value is never held twice in memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zlib
from typing import Any, BinaryIO

from flowc.runtime_shim.errors import IntegrityError

#: Bytes looked at before choosing between compressed and plain.
SAMPLE = 1 << 20
#: Blobs larger than this are spilled to a temporary file.
SPILL = 16 << 20
#: Keep compressing when the sample shrinks below this ratio.
WORTH_IT = 0.9
_CHUNK = 4 << 20


class BlobWriter(io.RawIOBase):
    """A write-only file that encodes, hashes and buffers (or spills) a blob."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()
        self._compressor: Any = None
        self._decided = False
        self._hash = hashlib.sha256()
        self._memory = io.BytesIO()
        self._file: BinaryIO | None = None
        self.path: str | None = None
        self.size = 0
        #: The blob's address, set by :meth:`finish`.
        self.sha256 = ""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        if not self._decided:
            take = min(size, SAMPLE - len(self._pending))
            self._pending += view[:take]
            view = view[take:]
            if len(self._pending) < SAMPLE:
                return size
            self._decide()
        self._feed(view)
        return size

    def _decide(self) -> None:
        sample = bytes(self._pending)
        self._pending = bytearray()
        self._decided = True
        if len(zlib.compress(sample, 1)) < WORTH_IT * max(len(sample), 1):
            self._compressor = zlib.compressobj(1)
        self._feed(memoryview(sample))

    def _feed(self, view: memoryview) -> None:
        for start in range(0, len(view), _CHUNK):
            chunk = view[start : start + _CHUNK]
            self._emit(self._compressor.compress(chunk) if self._compressor else chunk)

    def _emit(self, data: bytes | memoryview) -> None:
        if not data:
            return
        self._hash.update(data)
        self.size += len(data)
        if self._file is None and self._memory.tell() + len(data) > SPILL:
            import tempfile

            fd, self.path = tempfile.mkstemp(prefix="flowc-blob-")
            self._file = os.fdopen(fd, "wb")
            self._file.write(self._memory.getbuffer())
            self._memory = io.BytesIO()
        (self._file or self._memory).write(data)

    def finish(self) -> str:
        """Flush the encoder; returns the blob's sha256."""
        if not self._decided:
            self._decide()
        if self._compressor is not None:
            self._emit(self._compressor.flush())
        if self._file is not None:
            self._file.close()
        self.sha256 = self._hash.hexdigest()
        return self.sha256

    def in_memory(self) -> bytes | None:
        """The encoded blob when it was small enough to stay in memory."""
        return None if self.path else self._memory.getvalue()

    def discard(self) -> None:
        """Remove the spill file, if any."""
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)


def encode(value: Any) -> BlobWriter:
    """Pickle ``value`` into a finished :class:`BlobWriter` (call ``discard`` when done)."""
    writer = BlobWriter()
    try:
        pickle.dump(value, writer, protocol=5)
        writer.finish()
    except BaseException:
        writer.discard()
        raise
    return writer


def decode_bytes(data: bytes, sha256: str, where: str) -> Any:
    """The value of an in-memory blob, after checking its hash."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise IntegrityError(f"artifact blob {where} is corrupted: its sha256 is {actual}, expected {sha256}")
    if data[:1] == b"\x78":
        return _load_inflated(io.BytesIO(data))
    return pickle.loads(data)


def decode_file(path: str, sha256: str, where: str) -> Any:
    """The value of a blob stored in a local file, after checking its hash."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise IntegrityError(
                f"artifact blob {where} is corrupted: its sha256 is {digest.hexdigest()}, expected {sha256}"
            )
        handle.seek(0)
        if handle.read(1) != b"\x78":
            handle.seek(0)
            return pickle.load(handle)
        handle.seek(0)
        return _load_inflated(handle)


def _load_inflated(handle: BinaryIO) -> Any:
    """Unpickle a zlib stream through a temporary file, so the pickle is never in memory twice."""
    import tempfile

    inflater = zlib.decompressobj()
    with tempfile.TemporaryFile(prefix="flowc-inflate-") as plain:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            while chunk:  # bounded output: a tiny chunk of zeros may inflate to gigabytes
                plain.write(inflater.decompress(chunk, _CHUNK))
                chunk = inflater.unconsumed_tail
        plain.write(inflater.flush())
        plain.seek(0)
        return pickle.load(plain)
