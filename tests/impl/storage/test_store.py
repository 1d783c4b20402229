"""`ReplicaStore`: the state a replica restarts with, after clean shutdowns, compactions, torn or
corrupted log tails, and damaged snapshots."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impl.paxos.durable import DurableState
from impl.paxos.types import (
    Chosen,
    Promised,
    Record,
    Recovering,
    Snapshot,
    Voted,
    record_decoder,
)
from impl.storage.errors import StorageError
from impl.storage.snapshots import write_snapshot
from impl.storage.store import ReplicaStore
from impl.storage.wal import WriteAheadLog
from tests.impl.storage.helpers import counting, cut, flip, records, sample_records, segments

SNAPSHOT = Snapshot(slot=3, applied=3, state=b"kv", sessions=b"")


def slot_of(record: Record) -> int:
    match record:
        case Voted(vote):
            return vote.slot
        case Chosen(entry):
            return entry.slot
    return 0


def reopen(data_dir: Path, *, fsync: bool = True) -> tuple[DurableState, bool]:
    """The state `data_dir` loads to, and whether the log was damaged."""
    store, state, damage = ReplicaStore.open(data_dir, fsync=fsync)
    store.close()
    return state, damage is not None


def persisted(data_dir: Path, batches: list[list[Record]], *, fsync: bool = True) -> list[int]:
    """Persist each batch; the size of the log's last segment before each."""
    store, _, _ = ReplicaStore.open(data_dir, fsync=fsync)
    sizes = []
    for batch in batches:
        sizes.append(segments(data_dir / "log")[-1].stat().st_size)
        store.persist(batch)
    store.close()
    return sizes


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(records, max_size=4), max_size=5))
def test_records_survive_reopen(batches: list[list[Record]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        persisted(Path(tmp), batches, fsync=False)
        everything = [record for batch in batches for record in batch]
        assert reopen(Path(tmp), fsync=False) == (DurableState.load(None, everything), False)
        assert stored(Path(tmp)) == everything


def test_a_fresh_store_is_empty_and_leaves_other_files_alone(tmp_path: Path) -> None:
    (tmp_path / "myid").write_text("2\n")
    assert reopen(tmp_path) == (DurableState(), False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log", "myid"]
    assert (tmp_path / "myid").read_text() == "2\n"


def test_persist_syncs_once_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    for name in ("fsync", "fdatasync"):
        monkeypatch.setattr(os, name, counting(getattr(os, name), calls))
    for fsync, expected in [(True, [1, 1, 0]), (False, [0, 0, 0])]:
        store, _, _ = ReplicaStore.open(tmp_path / str(fsync), fsync=fsync)
        counts = []
        for batch in [sample_records(1), sample_records(5), []]:
            calls.clear()
            store.persist(batch)
            counts.append(len(calls))
        store.close()
        assert counts == expected


def test_compaction_keeps_the_state(tmp_path: Path) -> None:
    history = sample_records(6)
    persisted(tmp_path, [history[:9], history[9:]])
    before, _ = reopen(tmp_path)

    # Slots 1..3 go into the snapshot; the live records describe the rest.
    live = [Promised(before.promised), *[r for r in history if slot_of(r) > SNAPSHOT.slot]]
    store, _, _ = ReplicaStore.open(tmp_path)
    store.install_snapshot(SNAPSHOT, live)
    store.persist([Promised((9, 2))])
    store.close()

    after, damaged = reopen(tmp_path)
    expected = DurableState.load(SNAPSHOT, [*history, Promised((9, 2))])
    assert (after, damaged) == (expected, False)
    assert after.snapshot == SNAPSHOT and min(after.chosen) == 4
    assert [p.name for p in segments(tmp_path / "log")] == ["log.00000002"]


def test_a_crash_between_snapshot_and_compaction_loads_the_same_state(tmp_path: Path) -> None:
    history = sample_records(6)
    persisted(tmp_path, [history])
    write_snapshot(tmp_path, SNAPSHOT)  # install_snapshot got this far
    assert reopen(tmp_path) == (DurableState.load(SNAPSHOT, history), False)


def stored(data_dir: Path) -> list[Record]:
    """The records in the log, read without repairing anything."""
    log, found, damage = WriteAheadLog.open(data_dir / "log", record_decoder.decode, fsync=False)
    log.close()
    assert damage is None
    return found


def assert_recovers(data_dir: Path, kept: list[Record], offset: int, *, fsync: bool = True) -> None:
    """The log lost its last record, from byte `offset` of its segment on: the rest loads, in
    recovery, and stays in recovery across restarts (with the cut made and reported only once)
    until the core says it has caught up."""
    store, state, damage = ReplicaStore.open(data_dir, fsync=fsync)
    store.close()
    assert damage is not None and damage.offset == offset
    assert state == DurableState.load(None, kept, damaged=True) and state.recovering
    assert stored(data_dir) == [*kept, Recovering(True)]

    state, damaged = reopen(data_dir, fsync=fsync)
    assert not damaged and state.recovering
    assert state == DurableState.load(None, [*kept, Recovering(True)])

    persisted(data_dir, [[Recovering(False)]], fsync=fsync)
    state, damaged = reopen(data_dir, fsync=fsync)
    assert not damaged and not state.recovering


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_torn_tail_loses_only_the_last_record(data: st.DataObject) -> None:
    history = sample_records(3)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        sizes = persisted(data_dir, [history[:-1], history[-1:]], fsync=False)
        segment = segments(data_dir / "log")[-1]
        size = data.draw(st.integers(sizes[-1] + 1, segment.stat().st_size - 1), label="torn size")
        cut(segment, size)
        assert_recovers(data_dir, history[:-1], sizes[-1], fsync=False)


def test_a_corrupted_last_record_is_caught_by_its_checksum(tmp_path: Path) -> None:
    history = sample_records(3)
    sizes = persisted(tmp_path, [history[:-1], history[-1:]])
    segment = segments(tmp_path / "log")[-1]
    for offset in range(sizes[-1] + 8, segment.stat().st_size, 3):
        flip(segment, offset)
    assert_recovers(tmp_path, history[:-1], sizes[-1])


def test_a_record_that_does_not_decode_is_damage(tmp_path: Path) -> None:
    history = sample_records(2)
    persisted(tmp_path, [history])
    offset = segments(tmp_path / "log")[-1].stat().st_size
    log, _, _ = WriteAheadLog.open(tmp_path / "log", bytes)
    log.append([b"\x92\xa1Z\xc3"])  # a well-formed frame holding no known record
    log.sync()
    log.close()
    assert_recovers(tmp_path, history, offset)


def test_a_corrupted_snapshot_refuses_to_start_and_touches_nothing(tmp_path: Path) -> None:
    store, _, _ = ReplicaStore.open(tmp_path)
    store.persist(sample_records(4))
    store.install_snapshot(SNAPSHOT, [r for r in sample_records(4) if slot_of(r) > SNAPSHOT.slot])
    store.close()
    flip(tmp_path / "snapshot", 20)
    files = {p: p.read_bytes() for p in [tmp_path / "snapshot", *segments(tmp_path / "log")]}
    with pytest.raises(StorageError, match=re.escape(f"corrupt snapshot {tmp_path / 'snapshot'}")):
        ReplicaStore.open(tmp_path)
    assert {p: p.read_bytes() for p in files} == files


def test_a_store_can_be_open_only_once(tmp_path: Path) -> None:
    store, _, _ = ReplicaStore.open(tmp_path)
    with pytest.raises(StorageError, match="in use"):
        ReplicaStore.open(tmp_path)
    store.close()
