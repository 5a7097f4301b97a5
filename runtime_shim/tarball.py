"""Deterministic ``.tar.gz`` bytes for a list of regular files.

Each file gets a ustar header with no owner, no time and no host (preceded
by a pax ``path`` record when its name is not ASCII or longer than 100
bytes), the bytes ``tarfile`` writes for the same members in PAX format.
The gzip wrapper has no time and no file name either.

Written by hand rather than with ``tarfile`` and ``gzip`` because every
``flowc compile`` builds a package, and importing those two costs ~4 ms
(``tarfile`` pulls in ``shutil``, ``bz2``, ``lzma`` ...), against ~1 ms
for the whole build.  Standard library only.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

#: Tar block size: headers and contents are padded to it.
BLOCK = 512
#: Tar record size: the archive is padded to a multiple of it (``tarfile``'s default).
RECORD = 20 * BLOCK
#: A regular file's ``size`` field holds 11 octal digits.
MAX_SIZE = 8**11 - 1

_REGULAR = b"0"
_PAX = b"x"
_ZERO_OCTAL_8 = b"0000000\0"


def tar_gz(entries: Iterable[tuple[str, bytes, int]], level: int) -> bytes:
    """The gzip'd tarball of ``(name, data, mode)`` entries, in the order given."""
    parts: list[bytes] = []
    for name, data, mode in entries:
        parts.extend(_member(name, data, mode))
    parts.append(bytes(2 * BLOCK))
    size = sum(map(len, parts))
    parts.append(bytes(-size % RECORD))
    return gzip_bytes(b"".join(parts), level)


def gzip_bytes(data: bytes, level: int) -> bytes:
    """``data`` in one gzip member: mtime 0, no file name, OS byte "unknown" (as ``gzip.GzipFile``).

    Not zlib's own gzip header, whose OS byte depends on the platform.
    """
    extra_flags = {9: b"\x02", 1: b"\x04"}.get(level, b"\x00")
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + extra_flags + b"\xff"
    body = zlib.compress(data, level, wbits=-zlib.MAX_WBITS)
    trailer = zlib.crc32(data).to_bytes(4, "little") + (len(data) & 0xFFFFFFFF).to_bytes(4, "little")
    return header + body + trailer


def _member(name: str, data: bytes, mode: int) -> list[bytes]:
    """Header blocks, contents and padding of one regular file."""
    if len(data) > MAX_SIZE:
        raise ValueError(f"{name}: {len(data)} bytes is too large for a package")
    parts = []
    if not name.isascii() or len(name) > 100:
        records = _pax_records(name)
        parts += [_header(b"././@PaxHeader", len(records), 0, _PAX), records, _padding(len(records))]
    ustar_name = name.encode("ascii", "replace")
    parts += [_header(ustar_name, len(data), mode, _REGULAR), data, _padding(len(data))]
    return parts


def _pax_records(name: str) -> bytes:
    """The pax extended header carrying ``name`` (raw bytes if it is not valid UTF-8)."""
    try:
        value, records = name.encode("utf-8"), b""
    except UnicodeEncodeError:
        value, records = name.encode("utf-8", "surrogateescape"), b"21 hdrcharset=BINARY\n"
    body = b" path=" + value + b"\n"
    # The record's length counts its own digits.
    length = len(body)
    while len(str(length)) + len(body) != length:
        length = len(str(length)) + len(body)
    return records + str(length).encode() + body


def _header(name: bytes, size: int, mode: int, kind: bytes) -> bytes:
    """One ustar header block: uid, gid and mtime 0, no owner names."""
    fields = b"".join(
        [
            name[:100].ljust(100, b"\0"),
            b"%07o\0" % (mode & 0o7777),
            _ZERO_OCTAL_8,  # uid
            _ZERO_OCTAL_8,  # gid
            b"%011o\0" % size,
            b"00000000000\0",  # mtime
            b"        ",  # checksum, counted as spaces
            kind,
            bytes(100),  # link name
            b"ustar\x0000",
            bytes(64),  # owner and group names; device numbers (none: not a device) follow
        ]
    ).ljust(BLOCK, b"\0")
    checksum = b"%06o\0 " % sum(fields)
    return fields[:148] + checksum + fields[156:]


def _padding(size: int) -> bytes:
    return bytes(-size % BLOCK)
