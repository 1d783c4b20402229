"""`ReplicaStore`: what a replica server keeps on disk, in the types the replica core speaks.

A data directory holds `snapshot` (see `snapshots`) and `log/` (a `WriteAheadLog` of msgpack
`Record`s); anything else there (such as `myid`) is not ours and is left alone. The state a
replica restarts with is `DurableState.load` of the snapshot and the records, the same reading
of a log that the simulator uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from impl.paxos.durable import DurableState
from impl.paxos.types import Record, Recovering, Snapshot, peer_encoder, record_decoder
from impl.storage.background import STRAY_PATTERN, BackgroundSnapshot
from impl.storage.files import fsync_dir
from impl.storage.snapshots import read_snapshot, write_snapshot
from impl.storage.wal import TailDamage, WriteAheadLog

LOG_DIR = "log"


class ReplicaStore:
    def __init__(self, data_dir: Path, log: WriteAheadLog, *, fsync: bool) -> None:
        self._data_dir = data_dir
        self._log = log
        self._fsync = fsync

    @classmethod
    def open(
        cls, data_dir: Path, *, fsync: bool = True, preallocate: int = 0
    ) -> tuple[ReplicaStore, DurableState, TailDamage | None]:
        """Open the store in `data_dir` (created if missing) and load the replica's state.

        A damaged log is cut back to its valid prefix (see `WriteAheadLog.open`) and the state
        starts in recovery: the replica may have forgotten promises or votes, so it must not vote
        until it has caught up. The cut carries a `Recovering(True)` record, so a later restart
        still knows, until the core persists `Recovering(False)`.

        `preallocate`: grow the log's segments this many bytes at a time, ahead of the records
        (see `impl.storage.wal`), so that each sync writes data and no file metadata.

        Raises `StorageError` on a corrupt snapshot (before touching the log) or when another
        process has the store open."""
        if not data_dir.exists():
            data_dir.mkdir(parents=True)
            if fsync:
                fsync_dir(data_dir.parent)
        for stray in data_dir.glob(STRAY_PATTERN):  # of a child killed with its parent
            stray.unlink(missing_ok=True)
        snapshot = read_snapshot(data_dir)
        log, records, damage = WriteAheadLog.open(
            data_dir / LOG_DIR,
            record_decoder.decode,
            marker=peer_encoder.encode(Recovering(active=True)),
            fsync=fsync,
            preallocate=preallocate,
        )
        state = DurableState.load(snapshot, records, damaged=damage is not None)
        return cls(data_dir, log, fsync=fsync), state, damage

    def persist(self, records: Sequence[Record], *, sync: bool = True) -> None:
        """Make `records` durable with one write and one fsync: callers batch (group commit).
        With sync=False they are only written (the next sync covers them)."""
        if records:
            self._log.append([peer_encoder.encode(record) for record in records])
            if sync:
                self._log.sync()

    def install_snapshot(self, snapshot: Snapshot, live: Sequence[Record]) -> None:
        """Store `snapshot`, then compact the log to `live`. The old records are gone after
        this, so `live` must carry all they said beyond the snapshot: the promise and an active
        `Recovering` too, not only votes and decisions. A crash in between leaves the new
        snapshot with the old log, which loads to the same state (`DurableState.load` ignores
        records of slots the snapshot covers)."""
        write_snapshot(self._data_dir, snapshot, fsync=self._fsync)
        self.compact(live)

    def snapshot_in_background(self, take: Callable[[], Snapshot], slot: int) -> BackgroundSnapshot:
        """Have a forked child write `take()`, the snapshot of `slot` (see `background`); once
        it has, `compact` the log. Raises OSError if the process cannot fork."""
        return BackgroundSnapshot.start(take, slot, self._data_dir, fsync=self._fsync)

    def compact(self, live: Sequence[Record]) -> None:
        """Rewrite the log to `live`, once a snapshot covers everything else it held."""
        self._log.rewrite([peer_encoder.encode(record) for record in live])

    def close(self) -> None:
        self._log.close()
