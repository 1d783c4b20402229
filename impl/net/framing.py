"""Length-prefixed frames over asyncio streams: 4 bytes big-endian length, then the payload."""

from __future__ import annotations

import asyncio
import functools
import struct
from collections.abc import Callable

_HEADER = struct.Struct(">I")


class FrameError(Exception):
    """The peer sent something that is not a frame we accept; the connection must close."""


def frame(payload: bytes) -> bytes:
    return _HEADER.pack(len(payload)) + payload


async def read_header(reader: asyncio.StreamReader) -> bytes | None:
    """The next four bytes (a frame's length, or a four-letter word), or None at a clean end
    of stream."""
    try:
        return await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as end:
        if end.partial:
            raise FrameError(_closed_inside(None)) from None
        return None


async def read_frame_after(header: bytes, reader: asyncio.StreamReader, max_bytes: int) -> bytes:
    """The payload of a frame whose 4-byte header was already read (to look for a
    four-letter word first)."""
    (length,) = _HEADER.unpack(header)
    if length > max_bytes:
        raise FrameError(_over_limit(max_bytes, length))
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError(_closed_inside(length)) from None


def _over_limit(max_bytes: int, length: int) -> str:
    return f"frame of {length} bytes exceeds the limit of {max_bytes}"


def _closed_inside(length: int | None) -> str:
    """Why a stream that ended inside a frame (of `length` bytes; None: inside its header) is
    refused."""
    if length is None:
        return "connection closed inside a frame header"
    return f"connection closed inside a frame of {length} bytes"


class FrameReader:
    """The frames of a stream, taken as they arrive: one read of the stream for however many
    frames came together (a leader's burst of Accepts, say), where reading a frame at a time
    takes two reads per frame (`read_header`, `read_frame_after`), each a turn through the
    stream's machinery."""

    _CHUNK = 1 << 16

    def __init__(
        self,
        reader: asyncio.StreamReader,
        max_bytes: int,
        too_large: Callable[[int], str] | None = None,
    ) -> None:
        """`too_large(length)`: the FrameError's reason for a frame over `max_bytes`."""
        self._reader = reader
        self._max_bytes = max_bytes
        self._too_large = too_large or functools.partial(_over_limit, max_bytes)
        self._buffer = bytearray()

    async def batch(self) -> list[bytes]:
        """The payloads of the whole frames that have arrived, at least one; [] at a clean end
        of stream. FrameError for a frame over the limit, or a stream that ends inside one."""
        while True:
            frames, missing = self._take()
            if frames:
                return frames
            chunk = await self._reader.read(max(missing, self._CHUNK))
            if not chunk:
                if len(self._buffer) >= _HEADER.size:
                    raise FrameError(_closed_inside(_HEADER.unpack_from(self._buffer, 0)[0]))
                if self._buffer:
                    raise FrameError(_closed_inside(None))
                return []
            self._buffer += chunk

    def _take(self) -> tuple[list[bytes], int]:
        """The whole frames at the front of the buffer, and how many bytes the next one
        still lacks (0 if not even its header is whole). A frame over the limit is refused
        once those before it have been taken."""
        buffer, offset, size = self._buffer, 0, len(self._buffer)
        frames: list[bytes] = []
        missing = 0
        while size - offset >= _HEADER.size:
            (length,) = _HEADER.unpack_from(buffer, offset)
            if length > self._max_bytes:
                if frames:
                    break
                raise FrameError(self._too_large(length))
            end = offset + _HEADER.size + length
            if end > size:
                missing = end - size
                break
            frames.append(bytes(buffer[offset + _HEADER.size : end]))
            offset = end
        if offset:
            del buffer[:offset]
        return frames, missing
