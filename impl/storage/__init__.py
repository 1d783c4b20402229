"""Durable storage for a replica: a write-ahead log of records and an atomically replaced
snapshot, under one data directory.

`ReplicaStore` is what a replica server uses: it loads the `DurableState` at start, persists
each batch of records with one fsync (group commit), and installs snapshots by compacting the
log; its periodic snapshots are written by a forked child (`BackgroundSnapshot`), so that the
server goes on meanwhile. Beneath it, `WriteAheadLog` stores checksummed opaque payloads in
segment files and cuts a damaged tail back to the last valid frame, reporting what it
discarded as `TailDamage`; a damaged log is survivable (the replica recovers), a damaged
snapshot is not, and reading one raises `StorageError`."""

from impl.storage.background import BackgroundSnapshot
from impl.storage.errors import StorageError
from impl.storage.snapshots import read_snapshot, write_snapshot
from impl.storage.store import ReplicaStore
from impl.storage.wal import TailDamage, WriteAheadLog

__all__ = [
    "BackgroundSnapshot",
    "ReplicaStore",
    "StorageError",
    "TailDamage",
    "WriteAheadLog",
    "read_snapshot",
    "write_snapshot",
]
