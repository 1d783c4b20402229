"""A snapshot written by a forked child: the parent learns whether it was written, a failure
leaves the old snapshot, and a cancelled child is gone before anything else writes the file."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from impl.paxos.types import Snapshot
from impl.storage import BackgroundSnapshot, ReplicaStore, read_snapshot, write_snapshot


def finished(child: BackgroundSnapshot, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while (written := child.poll()) is None:
        assert time.monotonic() < deadline, "the child never finished"
        time.sleep(0.01)
    return written


def test_the_child_writes_the_snapshot_taken_from_the_parent_as_it_was(tmp_path: Path) -> None:
    state = {"slot": 7}
    child = BackgroundSnapshot.start(
        lambda: Snapshot(state["slot"], 3, b"tree", b"sessions"), 7, tmp_path, fsync=False
    )
    state["slot"] = 99  # the parent goes on; the child has its own copy of the moment
    assert finished(child) and child.exit_code == 0
    assert read_snapshot(tmp_path) == Snapshot(7, 3, b"tree", b"sessions")
    assert child.poll() is True  # asked again: the same answer, the child long reaped


def test_a_child_that_fails_leaves_the_old_snapshot(tmp_path: Path) -> None:
    write_snapshot(tmp_path, Snapshot(5, 1, b"old", b""), fsync=False)

    def broken() -> Snapshot:
        raise RuntimeError("no memory left to encode the tree")

    child = BackgroundSnapshot.start(broken, 9, tmp_path, fsync=False)
    assert finished(child) is False and child.exit_code == 1
    assert read_snapshot(tmp_path) == Snapshot(5, 1, b"old", b"")


def test_a_cancelled_child_is_stopped_and_reaped(tmp_path: Path) -> None:
    def slow() -> Snapshot:
        time.sleep(60)  # killed long before
        return Snapshot(1, 1, b"late", b"")

    child = BackgroundSnapshot.start(slow, 1, tmp_path, fsync=False)
    assert child.poll() is None
    child.cancel()
    assert child.exit_code is not None and child.exit_code < 0  # killed by a signal
    assert child.poll() is False
    assert read_snapshot(tmp_path) is None
    assert list(tmp_path.iterdir()) == []  # nor anything it began


def test_the_child_holds_none_of_the_parents_descriptors(tmp_path: Path) -> None:
    """If the parent is killed, an orphan must not keep its lock on the log (a flock lasts
    while any copy of the descriptor is open), nor its sockets."""
    lock = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        child = BackgroundSnapshot.start(held_open, 1, tmp_path, fsync=False)
        assert finished(child)
        assert read_snapshot(tmp_path) == Snapshot(1, 1, b"", b"")
    finally:
        os.close(lock)


def held_open() -> Snapshot:
    """In the child: fail unless every inherited descriptor but stdio is closed."""
    inherited = [int(fd) for fd in os.listdir("/proc/self/fd")]
    assert all(fd <= 2 for fd in inherited if os.path.exists(f"/proc/self/fd/{fd}")), inherited
    return Snapshot(1, 1, b"", b"")


def test_a_stray_file_of_an_orphaned_child_is_removed_when_the_store_opens(
    tmp_path: Path,
) -> None:
    store, _, _ = ReplicaStore.open(tmp_path, fsync=False)
    store.close()
    (tmp_path / "snapshot.4242.tmp").write_bytes(b"half a snapshot")
    store, state, _ = ReplicaStore.open(tmp_path, fsync=False)
    store.close()
    assert not (tmp_path / "snapshot.4242.tmp").exists() and state.snapshot is None
