"""Peer messages bounded in bytes, and snapshots sent in chunks.

Every peer message that carries a variable number of things stays within a byte bound: a slot's
batch of commands, the entries of a `Catchup`, the votes and decisions of a `Promise` (paged:
the candidate asks for the rest), the commands of a `Forward`, and a snapshot, whose encoded
bytes travel as `SnapshotChunk`s that the receiver assembles and installs only once complete.
Items are added while the next one fits; one item alone may exceed the bound, so a single large
command still goes through. What bounds such an item is `max_command_bytes`: a command larger
than that is refused where it enters the core, so every message fits a peer frame.

Sizes here are upper bounds of the msgpack encoding (`peer_encoder`), computed without
encoding: cheap enough to run per command, and deterministic, as the core must be. They are
deliberately generous; `ENVELOPE_BYTES` covers each message's fixed fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec

from impl.paxos.types import (
    Batch,
    CatchupRequest,
    Command,
    Entry,
    Snapshot,
    SnapshotChunk,
    Vote,
    peer_encoder,
)

# A command's fields around its op: a 4-element array header, three 64-bit integers and the
# op's own bin header (1 + 3 * 9 + 5 bytes), rounded up.
COMMAND_OVERHEAD = 40
# An Entry's or Vote's fields around its batch (slot, ballot), and the batch's array header.
ITEM_OVERHEAD = 64
# A peer message's fixed part (its tag, ballot, slots and counters, the arrays' headers),
# with room to spare: a message's variable part may use the peer frame limit minus this.
ENVELOPE_BYTES = 4096
# What a message aims at when it has many items to carry (raft's MaxSizePerMsg is 1 MiB by
# default in etcd, for the same reasons): small enough that encoding, sending and decoding one
# never holds up a replica's event loop for long, large enough that per-message costs vanish.
MESSAGE_TARGET_BYTES = 1 << 20

T = TypeVar("T")


@dataclass(frozen=True)
class MessageLimits:
    """`message_bytes`: what a message's items may add up to (one item alone may exceed it);
    `max_command_bytes`: the largest command accepted (by `command_size`), so that any message
    carrying one alone fits a peer frame."""

    message_bytes: int
    max_command_bytes: int


def limits_for_frame(max_frame_bytes: int) -> MessageLimits:
    """The bounds for a peer frame limit of `max_frame_bytes` (`paxoscope.maxFrameBytes`)."""
    room = max_frame_bytes - ENVELOPE_BYTES
    if room <= 2 * ITEM_OVERHEAD:
        raise ValueError(f"a peer frame limit of {max_frame_bytes} bytes leaves no room")
    return MessageLimits(min(MESSAGE_TARGET_BYTES, room), room - ITEM_OVERHEAD)


def command_size(command: Command) -> int:
    return len(command.op) + COMMAND_OVERHEAD


def batch_size(batch: Batch) -> int:
    """A batch's bytes as the value of an Accept, Entry or Vote, fields around it included."""
    return ITEM_OVERHEAD + sum(len(command.op) + COMMAND_OVERHEAD for command in batch)


def fitting(items: Sequence[T], size: Callable[[T], int], limit: int) -> int:
    """How many of `items`, from the first, fit in `limit` bytes together; at least one (an item
    larger than the limit goes alone), none only if there are none."""
    used = 0
    for count, item in enumerate(items):
        used += size(item)
        if used > limit and count > 0:
            return count
    return len(items)


# --- pages --------------------------------------------------------------------------------


def entries_from(
    chosen: Mapping[int, Batch], first_slot: int, limit: int, most: int
) -> tuple[Entry, ...]:
    """The decided slots from `first_slot` on, up to the first gap: at most `most` of them,
    and within `limit` bytes (at least one, if there is one)."""
    slots: list[int] = []
    while first_slot + len(slots) in chosen and len(slots) < most:
        slots.append(first_slot + len(slots))
    count = fitting(slots, lambda slot: batch_size(chosen[slot]), limit)
    return tuple(Entry(slot, chosen[slot]) for slot in slots[:count])


def promise_report(
    chosen: Mapping[int, Batch], votes: Mapping[int, Vote], first_slot: int, limit: int
) -> tuple[tuple[Vote, ...], tuple[Entry, ...], int]:
    """An acceptor's report from `first_slot` on, as a Promise's `votes`, `chosen` and
    `more_from`: for each slot in order its decided value or else its vote, within `limit`
    bytes (at least one); `more_from` is the first slot left for the next page (0: none)."""
    slots = sorted(slot for slot in {*chosen, *votes} if slot >= first_slot)

    def size(slot: int) -> int:
        return batch_size(chosen[slot] if slot in chosen else votes[slot].value)

    count = fitting(slots, size, limit)
    page = slots[:count]
    reported = tuple(votes[slot] for slot in page if slot not in chosen)
    decided = tuple(Entry(slot, chosen[slot]) for slot in page if slot in chosen)
    return reported, decided, slots[count] if count < len(slots) else 0


# --- snapshots in chunks ---------------------------------------------------------------------


@dataclass
class SnapshotSource:
    """A snapshot being sent: its encoding, made once and kept while followers fetch it chunk
    by chunk (each asks for the next at its own pace), then dropped when unused."""

    slot: int
    data: bytes
    used_at: int

    @classmethod
    def of(cls, snapshot: Snapshot, now: int) -> SnapshotSource:
        return cls(snapshot.slot, peer_encoder.encode(snapshot), now)

    def chunk(self, offset: int, limit: int, now: int) -> SnapshotChunk:
        """The chunk at `offset` (from the start again if the asker is confused)."""
        self.used_at = now
        if not 0 <= offset < len(self.data):
            offset = 0
        piece = self.data[offset : offset + limit]
        return SnapshotChunk(self.slot, len(self.data), offset, piece)


_snapshot_decoder = msgspec.msgpack.Decoder(Snapshot)


@dataclass
class SnapshotAssembly:
    """A snapshot arriving from `sender`: chunks are taken strictly in order, so a lost or
    duplicated one is simply asked for again (the receiver's next request names its offset)."""

    sender: int
    slot: int
    total: int
    touched_at: int
    parts: list[bytes] = field(default_factory=list)
    received: int = 0

    def add(self, sender: int, chunk: SnapshotChunk, now: int) -> bool:
        """Take `chunk` if it is the next piece of this snapshot; True if it was."""
        if (sender, chunk.slot, chunk.total) != (self.sender, self.slot, self.total):
            return False
        if chunk.offset != self.received or not chunk.data:
            return False
        if self.received + len(chunk.data) > self.total:
            return False
        self.parts.append(chunk.data)
        self.received += len(chunk.data)
        self.touched_at = now
        return True

    @property
    def complete(self) -> bool:
        return self.received == self.total

    def snapshot(self) -> Snapshot | None:
        """The assembled snapshot, or None if its bytes do not decode to one of `slot` (a
        correct peer never sends that; the transfer then starts over)."""
        try:
            snapshot = _snapshot_decoder.decode(b"".join(self.parts))
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        return snapshot if snapshot.slot == self.slot else None


class SnapshotTransfer:
    """Both ends of a replica's snapshot transfers: the snapshot it sends to replicas behind its
    log start (one encoding serves every chunk and every asker) and the one it receives."""

    def __init__(self) -> None:
        self.source: SnapshotSource | None = None
        self.incoming: SnapshotAssembly | None = None

    def position(self, node: int) -> tuple[int, int]:
        """(slot, offset) of the snapshot I am receiving from `node`; (0, 0) if none."""
        incoming = self.incoming
        if incoming is None or incoming.sender != node:
            return 0, 0
        return incoming.slot, incoming.received

    def next_chunk(
        self,
        request: CatchupRequest,
        log_start: int,
        current: Callable[[], Snapshot],
        limit: int,
        now: int,
    ) -> SnapshotChunk:
        """The chunk `request` asks for. A snapshot is made (`current()`) when there is none,
        or when mine no longer reaches my log start and the asker is not in the middle of it."""
        source = self.source
        if source is None or (source.slot < log_start - 1 and request.snapshot_slot != source.slot):
            source = self.source = SnapshotSource.of(current(), now)
        offset = request.offset if request.snapshot_slot == source.slot else 0
        return source.chunk(offset, limit, now)

    def receive(self, sender: int, chunk: SnapshotChunk, now: int) -> bool:
        """Take `chunk` if it is the next piece of what I assemble; a first chunk of another
        snapshot (a newer one, or another sender's) starts over. True if it was taken."""
        incoming = self.incoming
        if chunk.offset == 0 and (
            incoming is None or (incoming.sender, incoming.slot) != (sender, chunk.slot)
        ):
            incoming = self.incoming = SnapshotAssembly(sender, chunk.slot, chunk.total, now)
        return incoming is not None and incoming.add(sender, chunk, now)

    def take_complete(self) -> Snapshot | None:
        """The snapshot received, once every chunk has arrived (then it is forgotten)."""
        if self.incoming is None or not self.incoming.complete:
            return None
        incoming, self.incoming = self.incoming, None
        return incoming.snapshot()

    def expire(self, now: int, idle: int) -> None:
        """Forget a snapshot nobody fetched for `idle` ticks, and one that stopped arriving."""
        if self.source is not None and now - self.source.used_at > idle:
            self.source = None
        if self.incoming is not None and now - self.incoming.touched_at > idle:
            self.incoming = None
