"""The write-ahead log: what it gives back after reopening, after damage, and after a crash in
the middle of a compaction."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impl.storage.errors import StorageError
from impl.storage.frames import HEADER_SIZE, encode_frame
from impl.storage.wal import TailDamage, WriteAheadLog
from tests.impl.storage.helpers import counting, cut, flip, segments

PAYLOADS = [b"alpha", b"", b"gamma" * 20, bytes(range(256))]
# Ten payloads that fill five segments of at most 100 bytes, two payloads to a segment.
ROLLING = [b"%d" % i * 30 for i in range(10)]
MARK = b"MARK"


def open_log(
    directory: Path, **options: Any
) -> tuple[WriteAheadLog, list[bytes], TailDamage | None]:
    return WriteAheadLog.open(directory, bytes, **options)


def reopen(directory: Path, **options: Any) -> tuple[list[bytes], TailDamage | None]:
    log, payloads, damage = open_log(directory, **options)
    log.close()
    return payloads, damage


def written(directory: Path, batches: list[list[bytes]], **options: Any) -> list[int]:
    """Append and sync each batch; the size of the last segment before each batch."""
    log, _, _ = open_log(directory, **options)
    sizes = []
    for batch in batches:
        sizes.append(segments(directory)[-1].stat().st_size)
        log.append(batch)
        log.sync()
    log.close()
    return sizes


def test_a_new_log_is_empty_and_payloads_survive_reopen(tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    assert reopen(log_dir) == ([], None)
    written(log_dir, [PAYLOADS[:2], PAYLOADS[2:]])
    assert reopen(log_dir) == (PAYLOADS, None)
    assert [p.name for p in segments(log_dir)] == ["log.00000001"]


def test_a_group_append_is_one_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log, _, _ = open_log(tmp_path)
    calls = []
    real_pwrite = os.pwrite

    def counting_pwrite(fd: int, data: Any, offset: int) -> int:
        calls.append(len(data))
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", counting_pwrite)
    log.append(PAYLOADS)
    log.close()
    assert calls == [sum(HEADER_SIZE + len(p) for p in PAYLOADS)]


@settings(max_examples=30, deadline=None)
@given(keep=st.integers(0, 3), data=st.data())
def test_a_torn_last_frame_is_cut_off(keep: int, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        sizes = written(log_dir, [[p] for p in PAYLOADS[:keep]] + [[b"the last one"]], fsync=False)
        segment = segments(log_dir)[-1]
        start, end = sizes[-1], segment.stat().st_size
        torn = data.draw(st.integers(start + 1, end - 1), label="torn size")
        cut(segment, torn)

        payloads, damage = reopen(log_dir, fsync=False)
        assert payloads == PAYLOADS[:keep]
        assert damage is not None
        assert (damage.segment, damage.offset, damage.discarded) == (
            segment.name,
            start,
            torn - start,
        )
        assert damage.reason.startswith("short")
        assert segment.stat().st_size == start
        assert reopen(log_dir, fsync=False) == (PAYLOADS[:keep], None)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_flipped_bit_in_the_last_frame_fails_its_checksum(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        sizes = written(log_dir, [PAYLOADS, [b"the last one"]], fsync=False)
        segment = segments(log_dir)[-1]
        start, end = sizes[-1], segment.stat().st_size
        # Anywhere but the length field, which fails differently (see the next test).
        at = data.draw(st.sampled_from([*range(start + 4, end)]), label="offset")
        flip(segment, at, 1 << data.draw(st.integers(0, 7), label="bit"))

        payloads, damage = reopen(log_dir, fsync=False)
        assert payloads == PAYLOADS
        assert damage == TailDamage(segment.name, start, end - start, "checksum mismatch")
        assert reopen(log_dir, fsync=False) == (PAYLOADS, None)


@pytest.mark.parametrize(
    ("length", "reason"),
    [(0, "checksum mismatch"), (1 << 31, "absurd frame length 2147483648"), (999, "short payload")],
)
def test_a_damaged_length_field_is_caught(tmp_path: Path, length: int, reason: str) -> None:
    sizes = written(tmp_path, [PAYLOADS, [b"the last one"]])
    segment = segments(tmp_path)[-1]
    data = bytearray(segment.read_bytes())
    data[sizes[-1] : sizes[-1] + 4] = length.to_bytes(4, "little")
    segment.write_bytes(bytes(data))
    payloads, damage = reopen(tmp_path)
    assert payloads == PAYLOADS
    assert damage is not None and damage.reason.startswith(reason)


def test_a_zero_filled_tail_is_the_clean_end(tmp_path: Path) -> None:
    """Zeros to the end of a segment are space preallocated for appends — or what a file
    system may leave when an append's new size reached the disk but its data did not. Either
    way nothing there was synced, so nothing that depended on it left the process: the log
    ends there, undamaged, and appends go on from there."""
    written(tmp_path, [PAYLOADS])
    segment = segments(tmp_path)[-1]
    with segment.open("ab") as file:
        file.write(bytes(100))
    assert reopen(tmp_path) == (PAYLOADS, None)
    written(tmp_path, [[b"more"]])
    assert reopen(tmp_path) == ([*PAYLOADS, b"more"], None)


def test_zeros_followed_by_data_are_damage(tmp_path: Path) -> None:
    written(tmp_path, [PAYLOADS])
    segment = segments(tmp_path)[-1]
    size = segment.stat().st_size
    with segment.open("ab") as file:
        file.write(bytes(100) + b"x")
    payloads, damage = reopen(tmp_path)
    assert payloads == PAYLOADS
    assert damage == TailDamage(segment.name, size, 101, "checksum mismatch")


def test_an_undecodable_payload_is_damage(tmp_path: Path) -> None:
    written(tmp_path, [[b"1", b"2", b"x", b"4"]])

    def decode(payload: bytes) -> int:
        return int(payload)

    log, numbers, damage = WriteAheadLog.open(tmp_path, decode)
    log.close()
    assert numbers == [1, 2]
    assert damage is not None and damage.reason.startswith("undecodable payload")
    assert reopen(tmp_path)[0] == [b"1", b"2"]


def test_the_marker_is_written_at_the_cut(tmp_path: Path) -> None:
    sizes = written(tmp_path, [PAYLOADS, [b"the last one"]])
    segment = segments(tmp_path)[-1]
    cut(segment, segment.stat().st_size - 1)
    payloads, damage = reopen(tmp_path, marker=b"MARK")
    assert payloads == PAYLOADS and damage is not None
    assert segment.stat().st_size == sizes[-1] + HEADER_SIZE + len(b"MARK")
    assert reopen(tmp_path, marker=b"MARK") == ([*PAYLOADS, b"MARK"], None)


def test_a_log_with_nothing_valid_starts_again_from_the_marker(tmp_path: Path) -> None:
    written(tmp_path, [PAYLOADS])
    flip(segments(tmp_path)[0], 10)  # inside the segment's header frame
    payloads, damage = reopen(tmp_path, marker=b"MARK")
    assert payloads == [] and damage is not None
    assert (damage.segment, damage.offset, damage.reason) == (
        "log.00000001",
        0,
        "bad segment header",
    )
    assert damage.removed == ("log.00000001",)
    assert [p.name for p in segments(tmp_path)] == ["log.00000002"]
    assert reopen(tmp_path) == ([b"MARK"], None)


def test_segments_roll_over_and_read_back_in_order(tmp_path: Path) -> None:
    written(tmp_path, [[p] for p in ROLLING], segment_bytes=100)
    assert len(segments(tmp_path)) == 5
    assert reopen(tmp_path, segment_bytes=100) == (ROLLING, None)


def test_damage_in_an_earlier_segment_removes_the_later_ones(tmp_path: Path) -> None:
    written(tmp_path, [[p] for p in ROLLING], segment_bytes=100)
    files = segments(tmp_path)
    size = files[1].stat().st_size
    flip(files[1], size - 1)  # the last payload byte of the second segment
    later = sum(f.stat().st_size for f in files[2:])

    payloads, damage = reopen(tmp_path, segment_bytes=100)
    assert damage is not None
    assert damage.segment == files[1].name and damage.reason == "checksum mismatch"
    assert damage.removed == tuple(f.name for f in files[2:])
    assert damage.discarded == size - damage.offset + later
    assert payloads == ROLLING[: len(payloads)]
    assert segments(tmp_path) == files[:2]
    # Appends go on after the cut.
    log, _, _ = open_log(tmp_path, segment_bytes=100)
    log.append([b"more"])
    log.sync()
    log.close()
    assert reopen(tmp_path) == ([*payloads, b"more"], None)


def test_a_missing_segment_ends_the_log(tmp_path: Path) -> None:
    written(tmp_path, [[p] for p in ROLLING], segment_bytes=100)
    files = segments(tmp_path)
    files[2].unlink()
    payloads, damage = reopen(tmp_path)
    assert damage is not None
    assert (damage.segment, damage.offset) == (files[3].name, 0)
    assert damage.reason == f"{files[2].name} is missing"
    assert damage.removed == tuple(f.name for f in files[3:])
    assert segments(tmp_path) == files[:2]
    assert payloads == ROLLING[: len(payloads)]


def test_rewrite_replaces_the_log(tmp_path: Path) -> None:
    log, _, _ = open_log(tmp_path, segment_bytes=100)
    log.append([b"x" * 60] * 5)
    log.append([b"y" * 60])  # rolls over
    log.rewrite([b"kept", b"also kept"])
    log.append([b"after"])
    log.sync()
    log.close()
    assert [p.name for p in segments(tmp_path)] == ["log.00000003"]
    assert reopen(tmp_path) == ([b"kept", b"also kept", b"after"], None)


def test_a_crash_before_the_rename_keeps_the_old_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, _, _ = open_log(tmp_path)
    log.append(PAYLOADS)
    log.sync()

    def crash(src: Any, dst: Any) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StorageError, match="rewrite failed"):
        log.rewrite([b"new"])
    with pytest.raises(StorageError, match="unusable"):
        log.append([b"more"])
    log.close()
    monkeypatch.undo()
    assert (tmp_path / "log.00000002.tmp").exists()
    assert reopen(tmp_path) == (PAYLOADS, None)
    assert not (tmp_path / "log.00000002.tmp").exists()


def test_a_crash_before_the_old_segments_are_deleted_keeps_the_new_log(tmp_path: Path) -> None:
    log, _, _ = open_log(tmp_path, segment_bytes=100)
    log.append([b"x" * 60] * 3)
    log.append([b"y" * 60])
    log.sync()
    old = {p.name: p.read_bytes() for p in segments(tmp_path)}
    log.rewrite([b"new"])
    log.close()
    for name, data in old.items():  # as if the crash came before their deletion
        (tmp_path / name).write_bytes(data)
    assert len(segments(tmp_path)) == 3
    assert reopen(tmp_path) == ([b"new"], None)
    assert [p.name for p in segments(tmp_path)] == ["log.00000003"]


def test_a_half_written_new_segment_is_never_read(tmp_path: Path) -> None:
    written(tmp_path, [PAYLOADS])
    (tmp_path / "log.00000002.tmp").write_bytes(b"\x01\x02")  # torn while being written
    assert reopen(tmp_path) == (PAYLOADS, None)
    assert [p.name for p in tmp_path.iterdir()] == ["log.00000001"]


def test_fsync_is_called_only_when_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    for name in ("fsync", "fdatasync"):
        monkeypatch.setattr(os, name, counting(getattr(os, name), calls))
    log, _, _ = open_log(tmp_path / "on")
    calls.clear()
    log.append([b"a", b"b"])
    assert calls == []
    log.sync()
    assert len(calls) == 1
    log.sync()  # nothing new to sync
    assert len(calls) == 1
    log.close()

    log, _, _ = open_log(tmp_path / "off", fsync=False, segment_bytes=10)
    log.append([b"a" * 20])
    log.sync()
    log.append([b"b"])  # rolls over
    log.sync()
    log.rewrite([b"c"])
    log.close()
    assert len(calls) == 1


def test_an_io_error_leaves_the_log_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, _, _ = open_log(tmp_path)

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    log.append([b"a"])
    monkeypatch.setattr(os, "fdatasync", failing_fsync)
    with pytest.raises(StorageError, match="sync failed"):
        log.sync()
    monkeypatch.undo()
    with pytest.raises(StorageError, match="unusable after an I/O error"):
        log.append([b"b"])
    log.close()


def test_a_log_can_be_open_only_once(tmp_path: Path) -> None:
    log, _, _ = open_log(tmp_path)
    with pytest.raises(StorageError, match="in use"):
        open_log(tmp_path)
    log.close()
    reopen(tmp_path)


class Crash(Exception):
    """The process dies here."""


def crash_at(monkeypatch: pytest.MonkeyPatch, call: int) -> None:
    """Make the `call`-th file-system change (counting every write, truncate, rename, unlink and
    fsync from now on) crash instead of happening."""
    calls = 0

    def crashing(real: Callable[..., Any]) -> Callable[..., Any]:
        def change(*args: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == call:
                raise Crash
            return real(*args)

        return change

    for name in ("write", "pwrite", "ftruncate", "replace", "unlink", "fsync", "fdatasync"):
        monkeypatch.setattr(os, name, crashing(getattr(os, name)))


def torn_in_the_middle(files: list[Path]) -> None:
    flip(files[1], files[1].stat().st_size - 1)


def bad_header_in_the_middle(files: list[Path]) -> None:
    flip(files[2], 10)


def missing_in_the_middle(files: list[Path]) -> None:
    files[2].unlink()


def bad_header_at_the_start(files: list[Path]) -> None:
    flip(files[0], 10)


@pytest.mark.parametrize(
    ("damage", "kept"),
    [
        (torn_in_the_middle, 3),
        (bad_header_in_the_middle, 4),
        (missing_in_the_middle, 4),
        (bad_header_at_the_start, 0),
    ],
)
def test_a_crash_during_repair_is_repaired_again(
    tmp_path: Path, damage: Callable[[list[Path]], None], kept: int
) -> None:
    """Whatever step of the repair a crash interrupts, the next open finds the valid prefix and
    then either the damage again or the marker, and never a segment from after the damage: the
    marker must not be followed by records that came after the lost ones."""
    crash = 0
    while True:
        crash += 1
        log_dir = tmp_path / str(crash)
        written(log_dir, [[p] for p in ROLLING], segment_bytes=100, fsync=False)
        damage(segments(log_dir))
        with pytest.MonkeyPatch.context() as monkeypatch:
            crash_at(monkeypatch, crash)
            try:
                reopen(log_dir, marker=MARK, segment_bytes=100)
                crashed = False
            except Crash:
                crashed = True

        payloads, found = reopen(log_dir, marker=MARK, fsync=False)
        assert payloads[:kept] == ROLLING[:kept] and set(payloads[kept:]) <= {MARK}
        assert found is not None or MARK in payloads
        payloads, found = reopen(log_dir, marker=MARK, fsync=False)
        assert found is None
        assert payloads[:kept] == ROLLING[:kept] and set(payloads[kept:]) == {MARK}
        if not crashed:  # every step has been interrupted once
            break


def test_a_crash_anywhere_in_rewrite_leaves_the_old_or_the_new_log(tmp_path: Path) -> None:
    old, new = (ROLLING, None), ([b"new", b"log"], None)
    outcomes = []
    crash = 0
    while True:
        crash += 1
        log_dir = tmp_path / str(crash)
        written(log_dir, [[p] for p in ROLLING], segment_bytes=100, fsync=False)
        log, _, _ = open_log(log_dir)
        with pytest.MonkeyPatch.context() as monkeypatch:
            crash_at(monkeypatch, crash)
            try:
                log.rewrite([b"new", b"log"])
                crashed = False
            except Crash:
                crashed = True
        log.close()
        outcomes.append(reopen(log_dir, fsync=False))
        if not crashed:
            break
    assert all(outcome in (old, new) for outcome in outcomes)
    assert outcomes[0] == old and outcomes[-1] == new


def test_a_segment_of_an_unknown_format_is_refused_not_discarded(tmp_path: Path) -> None:
    written(tmp_path, [PAYLOADS])
    alien = tmp_path / "log.00000002"
    alien.write_bytes(encode_frame(b"paxoscope wal v2: base") + encode_frame(b"?"))
    files = {p: p.read_bytes() for p in segments(tmp_path)}
    with pytest.raises(StorageError, match=r"log\.00000002 is a segment of an unknown format"):
        reopen(tmp_path)
    assert {p: p.read_bytes() for p in segments(tmp_path)} == files
    alien.unlink()  # and the refusal let go of the lock
    assert reopen(tmp_path) == (PAYLOADS, None)
