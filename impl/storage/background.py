"""A snapshot written by a forked child process, so that the server's event loop does not stop
while a large state is encoded and written.

Encoding the znode tree costs about 2 µs a node here (1 s at 500,000 znodes), and a server that
did it on its event loop answered nobody meanwhile: one write waited 2.9 s, and clients with
short sessions lost their connections. (A leader stalled past the election timeout risks its
leadership too; replicas whose logs start at the same slot stall together, which hid that.) As
Redis's BGSAVE does, `BackgroundSnapshot.start` forks: the child has a copy-on-write image of the
process as it is at that moment, takes the snapshot from it, writes it to a file of its own
(`snapshot.<pid>.tmp`, fsync'd) and exits; the parent goes on at once and asks `poll` now and
then. Only the parent puts the file in place, once the child has succeeded, and only then may
it forget the log the snapshot covers: a crash before then restarts from the old snapshot and
the whole log, as before.

The child first closes every descriptor it inherited but stdin, stdout and stderr: it must not
keep the parent's sockets open, nor its lock on the log (a `flock` lasts while any copy of its
descriptor is open), if the parent is killed first. Such an orphan's file is never renamed;
`ReplicaStore.open` removes it. The child runs no event loop, logs nothing, and leaves by
`os._exit`, so no buffer or handler of the parent runs twice.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from impl.paxos.types import Snapshot
from impl.storage.files import replace_durably, write_file
from impl.storage.snapshots import SNAPSHOT_FILE, encode_snapshot

STRAY_PATTERN = f"{SNAPSHOT_FILE}.*.tmp"  # what a child killed with its parent leaves
# The child syncs its file this many bytes at a time: the servers' log fsyncs on the same disk
# then wait behind at most this much of it, not behind the whole snapshot.
SYNC_PIECE = 1 << 20


class BackgroundSnapshot:
    """One child writing the snapshot of `slot` into `directory`."""

    def __init__(self, pid: int, slot: int, directory: Path, *, fsync: bool) -> None:
        self.pid = pid
        self.slot = slot
        self.started = time.monotonic()
        self.exit_code: int | None = None
        self.error = ""  # why it failed, if the parent could not put the file in place
        self._written = directory / f"{SNAPSHOT_FILE}.{pid}.tmp"
        self._path = directory / SNAPSHOT_FILE
        self._fsync = fsync
        self._done: bool | None = None

    @classmethod
    def start(
        cls, take: Callable[[], Snapshot], slot: int, directory: Path, *, fsync: bool
    ) -> BackgroundSnapshot:
        """Fork a child that writes `take()` (the snapshot of `slot`) for `directory`.
        Raises OSError if the process cannot fork."""
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                with contextlib.suppress(OSError):  # where cores are few, the servers'
                    os.nice(10)  # event loops come first
                written = directory / f"{SNAPSHOT_FILE}.{os.getpid()}.tmp"
                write_file(written, encode_snapshot(take()), fsync=fsync, piece=SYNC_PIECE)
                code = 0
            except BaseException as exc:  # anything: the parent reads the exit code
                with contextlib.suppress(BaseException):
                    sys.stderr.write(f"writing the snapshot of slot {slot} failed: {exc}\n")
                    sys.stderr.flush()
            finally:
                os._exit(code)
        return cls(pid, slot, directory, fsync=fsync)

    def poll(self) -> bool | None:
        """None while the child runs; then whether the snapshot is in place (durably)."""
        if self._done is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return None
            self.exit_code = os.waitstatus_to_exitcode(status)
            self._done = self.exit_code == 0 and self._put_in_place()
            if not self._done:
                self._written.unlink(missing_ok=True)
        return self._done

    def cancel(self) -> None:
        """Stop the child and reap it, before anything else writes the snapshot file: what it
        wrote is never put in place."""
        if self._done is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        self.exit_code = os.waitstatus_to_exitcode(status)
        self._done = False
        self._written.unlink(missing_ok=True)

    def _put_in_place(self) -> bool:
        try:
            replace_durably(self._written, self._path, fsync=self._fsync)
        except OSError as exc:
            self.error = f"putting {self._written} in place failed: {exc}"
            return False
        return True
