"""The one error the storage layer raises on purpose."""

from __future__ import annotations


class StorageError(Exception):
    """Stored state that cannot be trusted or cannot be written.

    A torn tail of the log is not an error: it is expected after a crash and repaired (see
    `TailDamage`). This is raised for what no repair can make safe, such as a corrupt snapshot
    (snapshots are only ever replaced whole), a data directory another process is using, or a
    log that hit an I/O error and may now hold a partial write. The replica must stop: the
    message names the file so an operator can act on it."""
