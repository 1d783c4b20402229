"""Checksummed frames: what log segments and the snapshot file are made of.

A frame is `length (u32 LE) | crc (u32 LE) | payload`. The CRC-32 covers the length bytes as well
as the payload, so a damaged length is caught even when it happens to point inside the file, and
a run of zero bytes (what some file systems leave at the end of a file after a crash) is never a
valid frame."""

from __future__ import annotations

import struct
import zlib

_LENGTH = struct.Struct("<I")
_HEADER = struct.Struct("<II")
HEADER_SIZE = _HEADER.size

# Far above any batch of records or snapshot a replica writes; a larger length read back is
# garbage, and saying so is clearer than "runs past the end of the file".
MAX_PAYLOAD = 1 << 30


class BadFrame(Exception):
    """The bytes at some offset are not a whole, intact frame; the message says why."""


def _checksum(length: int, payload: bytes | memoryview) -> int:
    return zlib.crc32(payload, zlib.crc32(_LENGTH.pack(length)))


def encode_frame(payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the frame limit {MAX_PAYLOAD}")
    return _HEADER.pack(len(payload), _checksum(len(payload), payload)) + payload


def read_frame(data: bytes, offset: int) -> tuple[bytes, int]:
    """The payload of the frame at `offset` in `data` and the offset just after the frame.
    Raises `BadFrame` if there is no intact frame there."""
    left = len(data) - offset
    if left < HEADER_SIZE:
        raise BadFrame(f"short frame header ({left} of {HEADER_SIZE} bytes)")
    length, crc = _HEADER.unpack_from(data, offset)
    if length > MAX_PAYLOAD:
        raise BadFrame(f"absurd frame length {length}")
    start = offset + HEADER_SIZE
    if length > len(data) - start:
        raise BadFrame(f"short payload ({len(data) - start} of {length} bytes)")
    payload = memoryview(data)[start : start + length]
    if _checksum(length, payload) != crc:
        raise BadFrame("checksum mismatch")
    return bytes(payload), start + length
