"""The write-ahead log with preallocated segments (`WriteAheadLog.open(preallocate=...)`): the
frames end before the file does, and everything that reads or repairs the log must go by where
the frames end, not by the file's size."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impl.storage.frames import HEADER_SIZE, encode_frame
from impl.storage.wal import WriteAheadLog
from tests.impl.storage.helpers import counting, segments
from tests.impl.storage.test_wal import MARK, PAYLOADS, ROLLING, Crash, crash_at, open_log, reopen

CHUNK = 256


def frames_of(payloads: list[bytes]) -> bytes:
    return b"".join(encode_frame(p) for p in payloads)


def header_size() -> int:
    return len(encode_frame(b"paxoscope wal v1: base"))


def test_appends_fill_preallocated_zeros_and_read_back(tmp_path: Path) -> None:
    log, _, _ = open_log(tmp_path, preallocate=CHUNK)
    log.append(PAYLOADS[:2])
    log.sync()
    log.close()
    [segment] = segments(tmp_path)
    data = segment.read_bytes()
    end = header_size() + len(frames_of(PAYLOADS[:2]))
    assert len(data) == header_size() + CHUNK > end
    assert data[header_size() : end] == frames_of(PAYLOADS[:2]) and not data[end:].strip(b"\0")
    # Reopened, the log goes on where the frames end, not at the end of the file.
    log, payloads, damage = open_log(tmp_path, preallocate=CHUNK)
    assert (payloads, damage) == (PAYLOADS[:2], None)
    log.append(PAYLOADS[2:])  # past the chunk: the file grows by another
    log.sync()
    log.close()
    assert reopen(tmp_path) == (PAYLOADS, None)
    data = segment.read_bytes()
    assert data[header_size() :].rstrip(b"\0") == frames_of(PAYLOADS)


def test_a_sync_within_the_allocation_is_one_fdatasync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's size is made durable when it grows (fsync); an append within it changes
    data only, so its sync is an fdatasync."""
    fsyncs: list[int] = []
    datasyncs: list[int] = []
    monkeypatch.setattr(os, "fsync", counting(os.fsync, fsyncs))
    monkeypatch.setattr(os, "fdatasync", counting(os.fdatasync, datasyncs))
    log, _, _ = open_log(tmp_path, preallocate=1 << 16)
    fsyncs.clear()
    log.append([b"a"])  # the first append allocates
    log.sync()
    assert (len(fsyncs), len(datasyncs)) == (1, 1)
    for _ in range(3):
        log.append([b"b" * 100])
        log.sync()
    assert (len(fsyncs), len(datasyncs)) == (1, 4)
    log.close()


def test_segments_roll_over_by_their_frames(tmp_path: Path) -> None:
    log, _, _ = open_log(tmp_path, segment_bytes=100, preallocate=CHUNK)
    for payload in ROLLING:
        log.append([payload])
        log.sync()
    log.close()
    assert len(segments(tmp_path)) == 5
    assert reopen(tmp_path, segment_bytes=100, preallocate=CHUNK) == (ROLLING, None)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_torn_append_into_the_zeros_is_cut_at_the_frames_end(data: st.DataObject) -> None:
    """A crash during an append leaves part of its frame (at worst, every byte but the last)
    where zeros were: damage, cut where the valid frames end, the marker written there."""
    import tempfile

    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        log, _, _ = open_log(directory, preallocate=CHUNK)
        log.append(PAYLOADS[:2])
        log.sync()
        log.close()
        [segment] = segments(directory)
        end = header_size() + len(frames_of(PAYLOADS[:2]))
        frame = encode_frame(PAYLOADS[2])
        torn = data.draw(st.integers(1, len(frame) - 1), label="bytes of the frame written")
        with segment.open("r+b") as file:
            file.seek(end)
            file.write(frame[:torn])
        payloads, damage = reopen(directory, marker=MARK, preallocate=CHUNK)
        assert payloads == PAYLOADS[:2]
        assert damage is not None and damage.offset == end
        assert segment.read_bytes()[end:] == encode_frame(MARK)
        assert reopen(directory, marker=MARK) == ([*PAYLOADS[:2], MARK], None)


def test_the_marker_goes_where_the_frames_of_the_segment_before_end(tmp_path: Path) -> None:
    """Nothing of the last segment is valid: the marker goes at the end of the frames of the
    one before, not after its preallocated zeros (where the log would not find it)."""
    log, _, _ = open_log(tmp_path, segment_bytes=100, preallocate=CHUNK)
    for payload in ROLLING[:4]:
        log.append([payload])
        log.sync()
    log.close()
    files = segments(tmp_path)
    with files[-1].open("r+b") as file:
        file.seek(2)
        file.write(b"\xff")  # its header frame
    payloads, damage = reopen(tmp_path, marker=MARK, segment_bytes=100, preallocate=CHUNK)
    assert payloads == ROLLING[:2] and damage is not None
    assert reopen(tmp_path, marker=MARK) == ([*ROLLING[:2], MARK], None)


def test_a_crash_anywhere_in_appends_keeps_every_synced_payload(tmp_path: Path) -> None:
    """Crash at each file-system change of a run of appends, syncs and roll-overs: reopened,
    the log holds every payload synced before the crash, in order, then at most the one being
    appended, and nothing else; another reopen finds it the same."""
    crash = 0
    while True:
        crash += 1
        log_dir = tmp_path / str(crash)
        synced = 0
        log, _, _ = open_log(log_dir, segment_bytes=100, preallocate=64)
        with pytest.MonkeyPatch.context() as monkeypatch:
            crash_at(monkeypatch, crash)
            try:
                for payload in ROLLING:
                    log.append([payload])
                    log.sync()
                    synced += 1
                crashed = False
            except Crash:
                crashed = True
        log.close()
        payloads, _ = reopen(log_dir, marker=MARK, segment_bytes=100, preallocate=64)
        kept = [p for p in payloads if p != MARK]
        assert kept[:synced] == ROLLING[:synced] and len(kept) <= synced + 1
        assert kept == ROLLING[: len(kept)]
        again, damage = reopen(log_dir, marker=MARK, segment_bytes=100, preallocate=64)
        assert again == payloads and damage is None
        if not crashed:
            assert kept == ROLLING
            break
    assert crash > len(ROLLING)


def test_without_preallocation_the_file_ends_with_the_frames(tmp_path: Path) -> None:
    log, _, _ = open_log(tmp_path)
    log.append(PAYLOADS)
    log.sync()
    log.close()
    [segment] = segments(tmp_path)
    assert segment.stat().st_size == header_size() + sum(HEADER_SIZE + len(p) for p in PAYLOADS)


def test_preallocation_is_no_format_change(tmp_path: Path) -> None:
    """A log written with preallocation opens without it, and the other way round."""
    log, _, _ = open_log(tmp_path, preallocate=CHUNK)
    log.append(PAYLOADS[:2])
    log.sync()
    log.close()
    log, payloads, _ = WriteAheadLog.open(tmp_path, bytes)
    assert payloads == PAYLOADS[:2]
    log.append(PAYLOADS[2:])
    log.sync()
    log.close()
    assert reopen(tmp_path, preallocate=CHUNK) == (PAYLOADS, None)
