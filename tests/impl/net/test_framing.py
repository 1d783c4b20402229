"""FrameReader: the peers' frames taken as they arrive, however the stream cuts them."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impl.net.framing import FrameError, FrameReader, frame


def _reader(*chunks: bytes) -> asyncio.StreamReader:
    """A stream that holds `chunks` and then ends (made inside a running loop)."""
    reader = asyncio.StreamReader()
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return reader


async def _all(frames: FrameReader) -> list[list[bytes]]:
    batches = []
    while batch := await frames.batch():
        batches.append(batch)
    return batches


def _batches(chunks: tuple[bytes, ...], limit: int) -> list[list[bytes]]:
    """Every batch a FrameReader takes from a stream that holds `chunks` and then ends."""

    async def run() -> list[list[bytes]]:
        return await _all(FrameReader(_reader(*chunks), limit))

    return asyncio.run(run())


def test_frames_that_arrived_together_come_in_one_batch() -> None:
    assert _batches((frame(b"a") + frame(b"") + frame(b"ccc"),), 10) == [[b"a", b"", b"ccc"]]


@settings(max_examples=200, deadline=None)
@given(
    payloads=st.lists(st.binary(max_size=40), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=10),
)
def test_a_stream_cut_anywhere_gives_its_frames_in_order(
    payloads: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(frame(p) for p in payloads)
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]

    async def run() -> list[bytes]:
        reader = asyncio.StreamReader()
        frames = FrameReader(reader, 40)

        async def feed() -> None:
            for chunk in chunks:
                reader.feed_data(chunk)
                await asyncio.sleep(0)  # the reader may take what came so far
            reader.feed_eof()

        feeding = asyncio.create_task(feed())
        got = [payload for batch in await _all(frames) for payload in batch]
        await feeding
        return got

    assert asyncio.run(run()) == payloads


def test_a_frame_larger_than_a_read_is_put_together() -> None:
    big = bytes(range(256)) * 1000  # 256 kB: several reads
    chunks = (frame(big)[:1000], frame(big)[1000:] + frame(b"x"))
    assert [p for batch in _batches(chunks, 1 << 20) for p in batch] == [big, b"x"]


def test_a_frame_over_the_limit_is_refused() -> None:
    with pytest.raises(FrameError, match="frame of 11 bytes exceeds the limit of 10"):
        _batches((frame(b"ok") + frame(b"x" * 11),), 10)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (b"\x00\x00", "inside a frame header"),
        (frame(b"abcd")[:-1], "inside a frame of 4 bytes"),
    ],
)
def test_a_stream_that_ends_inside_a_frame_is_refused(tail: bytes, message: str) -> None:
    async def run() -> None:
        frames = FrameReader(_reader(frame(b"ok") + tail), 10)
        assert await frames.batch() == [b"ok"]
        await frames.batch()

    with pytest.raises(FrameError, match=message):
        asyncio.run(run())


def test_the_frames_before_one_over_the_limit_are_taken_first() -> None:
    async def run() -> None:
        frames = FrameReader(_reader(frame(b"a") + frame(b"x" * 11)), 10, lambda n: f"big: {n}")
        assert await frames.batch() == [b"a"]
        with pytest.raises(FrameError, match="big: 11"):
            await frames.batch()

    asyncio.run(run())
