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
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as end:
        if end.partial:
            raise FrameError("connection closed inside a frame header") from None
        return None
    (length,) = _HEADER.unpack(header)
    if length > max_bytes:
        raise FrameError(f"frame of {length} bytes exceeds the limit of {max_bytes}")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError(f"connection closed inside a frame of {length} bytes") from None
