"""Length-prefixed frames over asyncio streams: 4 bytes big-endian length, then the payload."""

from __future__ import annotations

import asyncio
import struct

_HEADER = struct.Struct(">I")


class FrameError(Exception):
    """The peer sent something that is not a frame we accept; the connection must close."""


def frame(payload: bytes) -> bytes:
    return _HEADER.pack(len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader, max_bytes: int) -> bytes | None:
    """The next frame's payload, or None at a clean end of stream."""
    header = await read_header(reader)
    if header is None:
        return None
    return await read_frame_after(header, reader, max_bytes)


async def read_header(reader: asyncio.StreamReader) -> bytes | None:
    """The next four bytes (a frame's length, or a four-letter word), or None at a clean end
    of stream."""
    try:
        return await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as end:
        if end.partial:
            raise FrameError("connection closed inside a frame header") from None
        return None


async def read_frame_after(header: bytes, reader: asyncio.StreamReader, max_bytes: int) -> bytes:
    """The payload of a frame whose 4-byte header was already read (to look for a
    four-letter word first)."""
    (length,) = _HEADER.unpack(header)
    if length > max_bytes:
        raise FrameError(f"frame of {length} bytes exceeds the limit of {max_bytes}")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError(f"connection closed inside a frame of {length} bytes") from None
