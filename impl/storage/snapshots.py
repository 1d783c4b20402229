"""The snapshot file: the latest `Snapshot`, replaced whole.

The file is two frames (see `frames`), a header naming the format and the msgpack-encoded
snapshot, and it is only ever replaced by `atomic_write`. A crash therefore leaves the old
snapshot or the new one, never a torn one, so a snapshot that fails its checks is damage to the
disk, not the trace of a crash: unlike a torn log tail there is nothing safe to fall back on, and
reading it raises `StorageError`."""

from __future__ import annotations

from pathlib import Path

import msgspec

from impl.paxos.types import Snapshot
from impl.storage.errors import StorageError
from impl.storage.files import atomic_write
from impl.storage.frames import BadFrame, encode_frame, read_frame

SNAPSHOT_FILE = "snapshot"

_HEADER = b"paxoscope snapshot v1"
_decoder = msgspec.msgpack.Decoder(Snapshot)


def write_snapshot(directory: Path, snapshot: Snapshot, *, fsync: bool = True) -> None:
    """Replace the snapshot in `directory` atomically. On failure the old snapshot may still be
    the durable one, so the caller must not go on to discard what only the new one covers."""
    path = directory / SNAPSHOT_FILE
    try:
        atomic_write(path, encode_snapshot(snapshot), fsync=fsync)
    except OSError as exc:
        raise StorageError(f"writing snapshot {path} failed: {exc}") from exc


def encode_snapshot(snapshot: Snapshot) -> bytes:
    """The snapshot file's bytes."""
    return encode_frame(_HEADER) + encode_frame(msgspec.msgpack.encode(snapshot))


def read_snapshot(directory: Path) -> Snapshot | None:
    """The snapshot stored in `directory`, or None if none was ever written."""
    path = directory / SNAPSHOT_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot read snapshot {path}: {exc}") from exc
    try:
        header, offset = read_frame(data, 0)
        if header != _HEADER:
            raise BadFrame("not a paxoscope snapshot (unknown header)")
        payload, offset = read_frame(data, offset)
        if offset != len(data):
            raise BadFrame(f"{len(data) - offset} stray bytes after the snapshot")
        return _decoder.decode(payload)
    except (BadFrame, msgspec.DecodeError) as exc:
        raise StorageError(
            f"corrupt snapshot {path}: {exc}. Snapshots are only ever replaced whole, so this is "
            "damage on disk, not a torn write; refusing to start from it"
        ) from exc
