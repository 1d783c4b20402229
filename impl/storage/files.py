"""The file-system steps durability rests on, in one place so that every writer gets them right.

A write is durable once the file is fsync'd; a new or renamed name is durable once its directory
is fsync'd too. `atomic_write` combines both with a rename, so a reader sees either the old file
or the complete new one, never a half-written one."""

from __future__ import annotations

import os
from pathlib import Path


def write_all(fd: int, data: bytes | memoryview, offset: int | None = None) -> None:
    """`os.write` (or `os.pwrite` at `offset`) may write less than asked; loop until all of
    `data` is out."""
    view = memoryview(data)
    while view:
        if offset is None:
            view = view[os.write(fd, view) :]
        else:
            done = os.pwrite(fd, view, offset)
            view, offset = view[done:], offset + done


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, fsync: bool) -> None:
    """Replace `path` with `data`: write `<name>.tmp`, fsync it, rename it over `path`, fsync the
    directory. A crash leaves at worst a stray `.tmp` file beside an untouched `path`."""
    tmp = path.with_name(path.name + ".tmp")
    write_file(tmp, data, fsync=fsync)
    replace_durably(tmp, path, fsync=fsync)


def write_file(path: Path, data: bytes, *, fsync: bool, piece: int = 0) -> None:
    """Create (or truncate) `path` and write `data` to it, fsync'd: the first half of an
    atomic write, which `replace_durably` completes. With `piece`, write and sync that many
    bytes at a time, so that the disk never has much of this file to flush at once (a log's
    fsync on the same disk waits behind whatever is queued before it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        step, whole = piece or max(len(data), 1), memoryview(data)
        for start in range(0, len(data), step):
            write_all(fd, whole[start : start + step])
            if fsync and piece:
                os.fdatasync(fd)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(written: Path, path: Path, *, fsync: bool) -> None:
    """Rename the complete file `written` over `path`, and make the new name durable."""
    os.replace(written, path)
    if fsync:
        fsync_dir(path.parent)
