"""A follower's client work, forwarded to the leader (`ReplicaOptions.forward`).

Commands go on in the order they came, as `Forward` messages within the message bound, and at
most a window of bytes of them is sent and not yet applied here: a follower that many clients
write large values through keeps the rest in its queue, not in its socket to the leader (past
the peer buffer a socket drops messages, and a dropped forward would only time out). Reads ask
the leader for a read index and are answered once this replica has applied that far.

Everything forwarded fails (the replica refuses it to its clients) when the leader changes or
when it is not done within the timeout; it is never sent again, since a write resent could be
applied after a later one of the same session and break the session's order.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from impl.paxos.transfer import command_size
from impl.paxos.types import Command, Forward, PeerMessage, Read, ReadIndexReply, ReadIndexRequest

Key = tuple[int, int]  # (client_id, seq)


@dataclass
class _IndexWait:
    """Reads waiting for the leader to name their index (`index` >= 0) and for this replica
    to apply up to it."""

    reads: list[Read]
    deadline: int
    index: int = -1


class Forwarder:
    def __init__(self, message_bytes: int, window: int, timeout: int, first_nonce: int = 0) -> None:
        """`first_nonce`: where this incarnation's read-index nonces start. Unique per
        incarnation (the replica draws it at random): a reply to a request of the process
        before a crash, delivered late, must not answer a read of this one."""
        self._message_bytes, self._window, self._timeout = message_bytes, window, timeout
        self._deadlines: dict[Key, int] = {}  # every command forwarded or to forward, in order
        self._outbox: deque[Command] = deque()  # not sent yet
        self._sent: dict[Key, int] = {}  # sent and not applied yet: their sizes
        self._sent_bytes = 0
        self._reads: list[Read] = []  # to ask a read index for
        self._waits: dict[int, _IndexWait] = {}  # by nonce, in the order asked
        self._nonce = first_nonce

    def __bool__(self) -> bool:
        """Is anything forwarded or waiting to be (that could time out)?"""
        return bool(self._deadlines or self._waits or self._reads)

    def add_command(self, command: Command, now: int) -> None:
        self._deadlines[(command.client_id, command.seq)] = now + self._timeout
        self._outbox.append(command)

    def add_read(self, read: Read) -> None:
        self._reads.append(read)

    def has_outgoing(self) -> bool:
        return bool(self._reads) or (bool(self._outbox) and self._sent_bytes < self._window)

    def outgoing(self, now: int) -> list[PeerMessage]:
        """What to send the leader now: commands while the window has room, in pages, and a
        read-index request for the reads that came since the last one."""
        messages: list[PeerMessage] = []
        while self._outbox and self._sent_bytes < self._window:
            room = min(self._message_bytes, self._window - self._sent_bytes)
            page: list[Command] = []
            used = 0
            while self._outbox:
                command = self._outbox[0]
                key = (command.client_id, command.seq)
                size = command_size(command)
                if key not in self._deadlines:  # it expired while it waited
                    self._outbox.popleft()
                    continue
                if page and used + size > room:
                    break
                self._outbox.popleft()
                page.append(command)
                used += size
                self._sent[key] = size
            self._sent_bytes += used
            if page:
                messages.append(Forward(tuple(page)))
        if self._reads:
            self._nonce += 1
            self._waits[self._nonce] = _IndexWait(self._reads, now + self._timeout)
            self._reads = []
            messages.append(ReadIndexRequest(self._nonce))
        return messages

    def applied(self, key: Key) -> None:
        """The command `key` was applied here: done, if it was one of mine."""
        if self._deadlines.pop(key, None) is not None:
            self._sent_bytes -= self._sent.pop(key, 0)

    def index_reply(self, reply: ReadIndexReply) -> list[Read]:
        """The leader named the index of some reads; if it does not lead (-1), those reads
        are returned, to be refused."""
        wait = self._waits.get(reply.nonce)
        if wait is None:
            return []
        if reply.index < 0:
            del self._waits[reply.nonce]
            return wait.reads
        wait.index = reply.index
        return []

    def answerable(self, applied_slot: int) -> list[Read]:
        """The reads whose index this replica has applied, in the order they were asked."""
        ready: list[Read] = []
        for nonce, wait in list(self._waits.items()):
            if wait.index < 0 or applied_slot < wait.index:
                break
            del self._waits[nonce]
            ready += wait.reads
        return ready

    def drop(self) -> list[Key]:
        """The leader changed: give up on everything (returned, to be refused)."""
        keys = [*self._deadlines, *_keys(self._reads)]
        keys += [key for wait in self._waits.values() for key in _keys(wait.reads)]
        self._deadlines, self._outbox, self._sent, self._sent_bytes = {}, deque(), {}, 0
        self._reads, self._waits = [], {}
        return list(dict.fromkeys(keys))

    def expire(self, now: int) -> list[Key]:
        """Give up on what is past its deadline (returned, to be refused)."""
        expired: list[Key] = []
        for key, deadline in self._deadlines.items():  # deadlines grow in insertion order
            if deadline > now:
                break
            expired.append(key)
        for key in expired:
            del self._deadlines[key]
            self._sent_bytes -= self._sent.pop(key, 0)
        for nonce, wait in list(self._waits.items()):
            if wait.deadline > now:
                break
            del self._waits[nonce]
            expired += _keys(wait.reads)
        return expired


def _keys(reads: list[Read]) -> list[Key]:
    return [(read.client_id, read.seq) for read in reads]
