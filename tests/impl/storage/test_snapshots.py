"""The snapshot file: replaced whole, and refused when damaged."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from impl.paxos.types import Snapshot
from impl.storage.errors import StorageError
from impl.storage.frames import encode_frame
from impl.storage.snapshots import read_snapshot, write_snapshot
from tests.impl.storage.helpers import cut, flip

SNAPSHOT = Snapshot(slot=7, applied=12, state=b"state" * 10, sessions=b"sessions")


def test_no_snapshot_reads_as_none(tmp_path: Path) -> None:
    assert read_snapshot(tmp_path) is None


def test_a_snapshot_round_trips_and_is_replaced(tmp_path: Path) -> None:
    write_snapshot(tmp_path, SNAPSHOT)
    assert read_snapshot(tmp_path) == SNAPSHOT
    newer = Snapshot(slot=9, applied=15, state=b"", sessions=b"")
    write_snapshot(tmp_path, newer)
    assert read_snapshot(tmp_path) == newer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]


def test_a_leftover_temporary_file_is_ignored(tmp_path: Path) -> None:
    # A crash before the rename: the old snapshot is still the snapshot.
    write_snapshot(tmp_path, SNAPSHOT)
    (tmp_path / "snapshot.tmp").write_bytes(b"half a snapsh")
    assert read_snapshot(tmp_path) == SNAPSHOT
    write_snapshot(tmp_path, SNAPSHOT)
    assert not (tmp_path / "snapshot.tmp").exists()


def damage_flip(path: Path) -> None:
    flip(path, path.stat().st_size - 3)


def damage_cut(path: Path) -> None:
    cut(path, path.stat().st_size - 3)


def damage_extend(path: Path) -> None:
    with path.open("ab") as file:
        file.write(b"\0")


def damage_header(path: Path) -> None:
    flip(path, 10)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (damage_flip, "checksum mismatch"),
        (damage_cut, "short payload"),
        (damage_extend, "1 stray bytes after the snapshot"),
        (damage_header, "checksum mismatch"),
    ],
)
def test_a_damaged_snapshot_is_refused_by_name(
    tmp_path: Path, damage: Callable[[Path], None], reason: str
) -> None:
    write_snapshot(tmp_path, SNAPSHOT)
    path = tmp_path / "snapshot"
    damage(path)
    with pytest.raises(StorageError) as caught:
        read_snapshot(tmp_path)
    assert str(path) in str(caught.value) and reason in str(caught.value)


def test_a_snapshot_that_does_not_decode_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "snapshot"
    path.write_bytes(encode_frame(b"paxoscope snapshot v1") + encode_frame(b"\x93\x01\x02\x03"))
    with pytest.raises(StorageError, match="corrupt snapshot"):
        read_snapshot(tmp_path)
    path.write_bytes(encode_frame(b"something else") + encode_frame(b""))
    with pytest.raises(StorageError, match="unknown header"):
        read_snapshot(tmp_path)


def test_a_failed_write_keeps_the_old_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_snapshot(tmp_path, SNAPSHOT)

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(StorageError, match=r"writing snapshot .*snapshot failed"):
        write_snapshot(tmp_path, Snapshot(slot=9, applied=15, state=b"", sessions=b""))
    monkeypatch.undo()
    assert read_snapshot(tmp_path) == SNAPSHOT
