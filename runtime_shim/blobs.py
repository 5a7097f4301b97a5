"""Content-addressed artifact blobs: pickled, compressed when it pays, sha256-named.

A blob is the pickle of a value (protocol 5), stored as a zlib stream, or
as the plain pickle when the first MiB does not compress below 90 % (random
or already compressed data would only cost CPU).  The two are told apart by
their first byte (zlib streams start with ``0x78``, pickles with ``0x80``).
The address is the sha256 of the stored bytes, so a reader verifies a blob
before unpickling it.

Values are written through :class:`BlobWriter`, a file object the pickler
streams into, chunk by chunk straight from the pickler's buffer.  Small
blobs stay in memory.  A large value is encoded twice: first only to learn
its address (so re-saving a known value costs hashing, no transfer), then
straight into the storage, so it is never held twice in memory nor staged
on disk.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import zlib
from typing import Any, BinaryIO, Protocol

from flowc.runtime_shim.errors import IntegrityError

#: Bytes looked at before choosing between compressed and plain.
SAMPLE = 1 << 20
#: Blobs larger than this are spilled to a temporary file.
SPILL = 16 << 20
#: Keep compressing when the sample shrinks below this ratio.
WORTH_IT = 0.9
_CHUNK = 4 << 20


class Sink(Protocol):
    """Where an encoded blob is streamed: a file, a multipart upload."""

    def write(self, data: Any, /) -> Any:
        """Append bytes."""


class BlobWriter(io.RawIOBase):
    """A write-only file the pickler streams into: it encodes and hashes the blob.

    Without a ``sink`` the encoded bytes are kept in memory up to
    :data:`SPILL`; past that only the hash is kept (``in_memory()`` is then
    ``None`` and the value is encoded a second time, straight into the
    storage).  With a ``sink`` every encoded byte is written to it.
    """

    def __init__(self, sink: Sink | None = None) -> None:
        super().__init__()
        self._pending = bytearray()
        self._compressor: Any = None
        self._decided = False
        self._hash = hashlib.sha256()
        self._sink = sink
        self._memory: io.BytesIO | None = io.BytesIO() if sink is None else None
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
        if self._sink is not None:
            self._sink.write(data)
        elif self._memory is not None:
            if self.size > SPILL:
                self._memory = None  # too large to keep: hash only
            else:
                self._memory.write(data)

    def finish(self) -> str:
        """Flush the encoder; returns the blob's sha256."""
        if not self._decided:
            self._decide()
        if self._compressor is not None:
            self._emit(self._compressor.flush())
        self.sha256 = self._hash.hexdigest()
        return self.sha256

    def in_memory(self) -> bytes | None:
        """The encoded blob when it was small enough to keep in memory."""
        return None if self._memory is None else self._memory.getvalue()


def encode(value: Any, sink: Sink | None = None) -> BlobWriter:
    """Pickle ``value`` into a finished :class:`BlobWriter` (writing to ``sink`` if given)."""
    writer = BlobWriter(sink)
    pickle.dump(value, writer, protocol=5)
    writer.finish()
    return writer


def decode_bytes(data: bytes, sha256: str, where: str) -> Any:
    """The value of an in-memory blob, after checking its hash."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise IntegrityError(f"artifact blob {where} is corrupted: its sha256 is {actual}, expected {sha256}")
    if data[:1] == b"\x78":
        return _load_inflated(io.BytesIO(data))
    return pickle.loads(data)


def decode_file(path: str, sha256: str, where: str, computed: str | None = None) -> Any:
    """The value of a blob stored in a local file, after checking its hash.

    ``computed`` is the file's sha256 when the download already hashed it.
    """
    with open(path, "rb") as handle:
        if computed is None:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
            computed = digest.hexdigest()
        if computed != sha256:
            raise IntegrityError(
                f"artifact blob {where} is corrupted: its sha256 is {computed}, expected {sha256}"
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
