"""A write-ahead log of opaque payloads, kept as numbered segment files in one directory.

Layout. Segments are named `log.00000001`, `log.00000002`, ... in the order they were made. Each
starts with a header frame saying whether it is a *base* (made by `rewrite`: it supersedes every
segment before it) or a *continuation* (made when the current segment grew past `segment_bytes`:
it extends the one before it), then holds one frame (see `frames`) per payload. The log is the
newest base followed by the continuations after it.

No segment name ever shows a half-made segment: a new segment is written as `<name>.tmp`,
fsync'd, and renamed. So a crash during `rewrite` leaves either the old segments (and a stray
`.tmp`, deleted at the next open) or the complete new base, which supersedes the old segments
however far their deletion got.

Preallocation (`preallocate` bytes at a time, as ZooKeeper's preAllocSize): the segment being
appended to is extended with zeros ahead of its frames, and the extension made durable, so an
append overwrites zeros in place and its sync is an fdatasync that changes no file metadata —
on ext4, no journal commit, which is what makes several replicas' syncs on one disk slow when
they come together. Where the frames end, the rest of a segment is zeros: its clean end.

Recovery. `open` keeps the longest valid prefix of the log. The first frame that is torn, fails
its checksum, or that the caller cannot decode ends the log: it and everything after it are
discarded and reported as `TailDamage`. A torn tail is the normal result of a crash during an
append; damage further back is worse, but the caller must respond the same way (behave as a
replica that forgot what was discarded), so one rule serves both.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from impl.storage.errors import StorageError
from impl.storage.files import atomic_write, fsync_dir, write_all
from impl.storage.frames import HEADER_SIZE, BadFrame, encode_frame, read_frame

T = TypeVar("T")

_BASE = b"paxoscope wal v1: base"
_CONTINUATION = b"paxoscope wal v1: continuation"
_NAME = re.compile(r"log\.(\d{8,})")

DEFAULT_SEGMENT_BYTES = 64 << 20
_NO_FRAME = bytes(HEADER_SIZE)  # a zero header: no frame's (its checksum would not be 0)


def segment_name(number: int) -> str:
    return f"log.{number:08d}"


@dataclass(frozen=True)
class TailDamage:
    """What `WriteAheadLog.open` discarded: everything from byte `offset` of the segment file
    `segment` to the end of the log, `discarded` bytes in all. `removed` names the segment files
    deleted whole: the damaged one when nothing of it was valid, and every one after it."""

    segment: str
    offset: int
    discarded: int
    reason: str
    removed: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = (
            f"{self.segment} at byte {self.offset}: {self.reason}; discarded {self.discarded} bytes"
        )
        if self.removed:
            text += f" (removed {', '.join(self.removed)})"
        return text


class WriteAheadLog:
    """An open log, locked against other openers; make one with `open`.

    Every I/O error leaves the log unusable (later calls raise `StorageError`): after a failed
    write or fsync the file may hold a partial frame or lost pages, and appending after them
    would put acknowledged records behind a tear. The owner should restart, which recovers."""

    def __init__(
        self, directory: Path, lock: int, *, fsync: bool, segment_bytes: int, preallocate: int
    ) -> None:
        self._directory = directory
        self._lock = lock
        self._fsync = fsync
        self._segment_bytes = segment_bytes
        self._preallocate = preallocate
        self._segments: list[int] = []  # the log's segment numbers, oldest first
        self._ends: dict[int, int] = {}  # where each segment's frames end (recovery)
        self._next = 1  # the number the next new segment gets
        self._fd = -1  # the last segment, open for writing
        self._size = 0  # where its frames end: the next append goes there
        self._allocated = 0  # its file's size (beyond _size: zeros)
        self._unsynced = False
        self._broken: OSError | None = None

    @classmethod
    def open(
        cls,
        directory: Path,
        decode: Callable[[bytes], T],
        *,
        marker: bytes | None = None,
        fsync: bool = True,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
        preallocate: int = 0,
    ) -> tuple[WriteAheadLog, list[T], TailDamage | None]:
        """Open (or create) the log in `directory` and read it back, each payload through
        `decode` (a `ValueError` from it marks the payload as damage). Damage is repaired before
        this returns: the log is cut at the first bad frame and the cut fsync'd.

        `marker`, if given, is a payload written where the damage began, and made durable before
        anything is discarded, so the fact that something was lost survives a crash during the
        repair itself (a separate append after the repair would leave a window where it does not).
        It is not among the returned payloads."""
        if not directory.exists():
            directory.mkdir(parents=True)
            if fsync:
                fsync_dir(directory.parent)
        log = cls(
            directory,
            _lock(directory),
            fsync=fsync,
            segment_bytes=segment_bytes,
            preallocate=preallocate,
        )
        try:
            payloads, damage = log._recover(decode, marker)
        except BaseException:
            log.close()
            raise
        return log, payloads, damage

    def append(self, payloads: Sequence[bytes]) -> None:
        """Write one frame per payload, all in one write. They are durable after `sync`."""
        data = b"".join(encode_frame(payload) for payload in payloads)
        if not data:
            return
        with self._io("append"):
            if self._size >= self._segment_bytes:
                self._roll()
            if self._size + len(data) > self._allocated:
                self._extend(self._size + len(data))
            write_all(self._fd, data, self._size)
            self._size += len(data)
            self._allocated = max(self._allocated, self._size)
            self._unsynced = True

    def sync(self) -> None:
        """Make every appended payload durable (unless the log was opened with fsync=False)."""
        with self._io("sync"):
            if self._fsync and self._unsynced:
                # The file's size is durable already (`_extend`): the data alone remains.
                os.fdatasync(self._fd)
            self._unsynced = False

    def rewrite(self, payloads: Sequence[bytes]) -> None:
        """Replace the whole log with `payloads`, durably (compaction): the new base segment is
        complete and its name durable before any old segment is deleted."""
        data = b"".join(encode_frame(payload) for payload in payloads)
        with self._io("rewrite"):
            old = self._segments
            number = self._create(_BASE, data)
            self._switch_to(number)
            self._segments = [number]
            self._remove(old)

    def close(self) -> None:
        """Close the files and release the lock. This does not sync."""
        for fd in (self._fd, self._lock):
            if fd >= 0:
                os.close(fd)
        self._fd = self._lock = -1

    # --- recovery ------------------------------------------------------------------------------

    def _recover(
        self, decode: Callable[[bytes], T], marker: bytes | None
    ) -> tuple[list[T], TailDamage | None]:
        for stray in self._directory.glob("log.*.tmp"):
            stray.unlink()
        numbers = sorted(
            int(match[1]) for p in self._directory.iterdir() if (match := _NAME.fullmatch(p.name))
        )
        self._next = numbers[-1] + 1 if numbers else 1
        kinds = {number: _kind(self._path(number)) for number in numbers}
        for number, kind in kinds.items():
            # An intact header of another kind is no torn write but a format this code does not
            # know (a newer version wrote it, say): discarding it as damage would lose the log.
            if kind is not None and kind not in (_BASE, _CONTINUATION):
                raise StorageError(
                    f"{self._path(number)} is a segment of an unknown format ({kind!r}); "
                    "refusing to open the log"
                )
        bases = [number for number in numbers if kinds[number] == _BASE]
        # Segments before the newest base are left over from a rewrite that crashed before it
        # deleted them: finish the job. (With no base at all, the first segment is damaged.)
        start = bases[-1] if bases else (numbers[0] if numbers else 0)
        self._remove([number for number in numbers if number < start])
        chain = [number for number in numbers if number >= start]

        payloads: list[T] = []
        for i, number in enumerate(chain):
            data = self._path(number).read_bytes()
            kind = kinds[number]
            offset, reason = 0, None
            if i > 0 and number != chain[i - 1] + 1:
                reason = f"{segment_name(chain[i - 1] + 1)} is missing"
            elif kind is None:
                reason = "bad segment header"
            elif i == 0 and kind != _BASE:
                reason = "the log begins with a continuation segment (its base is missing)"
            else:
                offset = len(encode_frame(kind))
            while reason is None and offset < len(data):
                if (
                    data.startswith(_NO_FRAME, offset)
                    and data.count(0, offset) == len(data) - offset
                ):
                    break  # zeros to the end: preallocated space, the clean end
                try:
                    payload, end = read_frame(data, offset)
                    payloads.append(decode(payload))
                except BadFrame as exc:
                    reason = str(exc)
                except ValueError as exc:
                    reason = f"undecodable payload ({exc})"
                else:
                    offset = end
            if reason is not None:
                return payloads, self._repair(chain, i, offset, len(data), reason, marker)
            self._segments.append(number)
            self._ends[number] = offset
        if not self._segments:
            self._segments.append(self._create(_BASE, b""))
        last = self._segments[-1]
        self._switch_to(last, self._ends.get(last))
        return payloads, None

    def _repair(
        self,
        chain: list[int],
        index: int,
        offset: int,
        size: int,
        reason: str,
        marker: bytes | None,
    ) -> TailDamage:
        """Cut the log at byte `offset` of segment `chain[index]` (of `size` bytes), leaving the
        marker at the cut. The order of the steps makes every crash point safe: until the marker
        is in place the damage is still there for the next open to find, and the segments after
        the damaged one are gone before the damage is, so they can never come back to follow the
        marker as if nothing between had been lost."""
        frame = encode_frame(marker) if marker is not None else b""
        later = chain[index + 1 :]
        discarded = size - offset + sum(self._path(n).stat().st_size for n in later)
        self._remove(later)
        if offset > 0:
            keep = chain[: index + 1]
            self._cut(keep[-1], offset, frame)
            removed = later
        else:
            # Nothing of the damaged segment is valid: the marker goes at the end of the one
            # before, or into a fresh base that supersedes them all.
            keep = chain[:index]
            if keep:
                self._cut(keep[-1], self._ends[keep[-1]], frame)
            else:
                keep = [self._create(_BASE, frame)]
            self._remove([chain[index]])
            removed = [chain[index], *later]
        self._segments = keep
        self._switch_to(keep[-1])
        return TailDamage(
            segment=segment_name(chain[index]),
            offset=offset,
            discarded=discarded,
            reason=reason,
            removed=tuple(segment_name(number) for number in removed),
        )

    def _remove(self, numbers: list[int]) -> None:
        for number in numbers:
            self._path(number).unlink()
        if numbers and self._fsync:
            fsync_dir(self._directory)

    def _cut(self, number: int, offset: int, frame: bytes) -> None:
        """Write `frame` at `offset` of segment `number` and end the file after it."""
        fd = os.open(self._path(number), os.O_WRONLY)
        try:
            os.lseek(fd, offset, os.SEEK_SET)
            write_all(fd, frame)
            os.ftruncate(fd, offset + len(frame))
            if self._fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    # --- segments ------------------------------------------------------------------------------

    def _path(self, number: int) -> Path:
        return self._directory / segment_name(number)

    def _create(self, kind: bytes, frames: bytes) -> int:
        number = self._next
        self._next += 1
        atomic_write(self._path(number), encode_frame(kind) + frames, fsync=self._fsync)
        return number

    def _switch_to(self, number: int, end: int | None = None) -> None:
        """Append to segment `number` from byte `end` (by default its file's end) on."""
        fd = os.open(self._path(number), os.O_WRONLY)
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = fd
        self._allocated = os.fstat(fd).st_size
        self._size = self._allocated if end is None else end
        self._unsynced = False

    def _extend(self, needed: int) -> None:
        """Make the current segment at least `needed` bytes long, `preallocate` at a time,
        with zeros written (not a hole, nor fallocate's unwritten extents: overwriting either
        changes metadata again), durably."""
        size = max(needed, self._allocated + self._preallocate)
        if size > needed:  # (without preallocation, appends just grow the file)
            write_all(self._fd, bytes(size - self._allocated), self._allocated)
            if self._fsync:
                os.fsync(self._fd)
            self._allocated = size

    def _roll(self) -> None:
        # The full segment must be durable no later than the new one, or a crash could keep
        # the new one's frames behind a hole; `sync` only reaches the current segment.
        if self._fsync and self._unsynced:
            os.fsync(self._fd)
        number = self._create(_CONTINUATION, b"")
        self._switch_to(number)
        self._segments.append(number)

    @contextmanager
    def _io(self, action: str) -> Iterator[None]:
        if self._fd < 0:
            raise ValueError("write-ahead log is closed")
        if self._broken is not None:
            raise StorageError(
                f"write-ahead log in {self._directory} is unusable after an I/O error "
                f"({self._broken}); restart to recover it"
            )
        try:
            yield
        except OSError as exc:
            self._broken = exc
            raise StorageError(f"{action} failed in {self._directory}: {exc}") from exc


def _kind(path: Path) -> bytes | None:
    """The payload of segment `path`'s header frame (None if that frame is not intact)."""
    with path.open("rb") as file:
        head = file.read(len(encode_frame(max(_BASE, _CONTINUATION, key=len))))
    try:
        payload, _ = read_frame(head, 0)
    except BadFrame:
        return None
    return payload


def _lock(directory: Path) -> int:
    """An exclusive lock on `directory`, held while the log is open: two replicas sharing a
    log would each overwrite what the other promised."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StorageError(f"{directory} is in use (another process has its log open)") from None
    return fd
