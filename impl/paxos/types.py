"""The vocabulary of the protocol cores: ballots, commands, peer messages, durable records, and
the effects a core asks its driver to carry out.

Everything here is a frozen `msgspec.Struct`, so one encoder serves the network (`impl/net`) and
the disk (`impl/storage`) alike, and tests can compare values with `==`.

The driver's rules, per batch of effects and batches in the order they came:
1. `Effects.early` may be sent at once: they depend on nothing in the batch (log
   `early_events` first, if it keeps an event log).
2. Persist `Effects.records` (fsync'd if `needs_sync`) and `Effects.snapshot`; log `events`.
3. Then send `Effects.messages` and `Effects.replies`.
4. `Effects.snapshot_due`: take a snapshot and store it, now or in the background; once it is
   durable, tell the core (`Replica.snapshot_stored`) and rewrite the log to what that returns.
Messages may be addressed to the sending replica itself (its own Prepare and Accepts): deliver
them like any other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import msgspec

from impl.paxos.membership import Config, ConfigChange

# A ballot is (round, node id). Node ids start at 1, so ballots are unique per node and totally
# ordered by tuple comparison; (0, 0) is "no ballot" and is below every real one.
Ballot = tuple[int, int]
NO_BALLOT: Ballot = (0, 0)


class Command(msgspec.Struct, frozen=True, array_like=True):
    """One client command. (client_id, seq) identifies it, so a retried command is applied
    once; `acked` tells the replicas which of this client's replies it no longer needs."""

    client_id: int
    seq: int
    acked: int
    op: bytes
    # A membership change (`membership.py`): the replica applies it, and `op` only if it
    # takes effect.
    config: ConfigChange | None = None


# The value of a slot: a batch of commands, decided together. The empty batch is a no-op, which
# a new leader proposes to close a gap in the log.
Batch = tuple[Command, ...]
NOOP: Batch = ()


class Vote(msgspec.Struct, frozen=True, array_like=True):
    slot: int
    ballot: Ballot
    value: Batch


class Entry(msgspec.Struct, frozen=True, array_like=True):
    """A decided slot."""

    slot: int
    value: Batch


class Snapshot(msgspec.Struct, frozen=True, array_like=True):
    """The applied state after every slot up to and including `slot`.

    `state` is the state machine's own snapshot; `sessions` the client table (last replies),
    which is replicated state too; `applied` counts applied commands (the next command's index
    is applied + 1)."""

    slot: int
    applied: int
    state: bytes
    sessions: bytes
    membership: bytes = b""  # the configurations then (`Membership.encode`); b"": the initial


# --- peer messages ---------------------------------------------------------------------------


class Prepare(msgspec.Struct, frozen=True, array_like=True, tag="1a"):
    """Phase 1a for every slot from `first_slot` on."""

    ballot: Ballot
    first_slot: int


class Promise(msgspec.Struct, frozen=True, array_like=True, tag="1b"):
    """Phase 1b: the acceptor promises `ballot` and reports, for every slot >= the Prepare's
    `first_slot`, its vote (`votes`) or the decided value it knows (`chosen`). `log_start` is
    the first slot it still holds: below it, slots live only in its snapshot.

    A report too large for one message comes in pages (see `impl.paxos.transfer`): `more_from`
    is then the first slot this page leaves out, and the candidate asks for the rest with a
    Prepare of the same ballot from there (0: the report is complete)."""

    ballot: Ballot
    votes: tuple[Vote, ...]
    chosen: tuple[Entry, ...]
    log_start: int
    first_slot: int
    more_from: int = 0


class Accept(msgspec.Struct, frozen=True, array_like=True, tag="2a"):
    """Phase 2a for one slot; `commit` piggybacks the leader's commit index. With `vote`
    false the leader asks only for a receipt: the receiver keeps the value (to learn the slot
    by it) and the write pending (no lease reads until it applies it), and acknowledges at
    once, voting for nothing (`spec/quorum_leases.py`'s `receive`)."""

    ballot: Ballot
    slot: int
    value: Batch
    commit: int
    vote: bool = True


class Accepted(msgspec.Struct, frozen=True, array_like=True, tag="2b"):
    """Phase 2b. `holders`: the replicas to which the sender's lease grants are active as it
    votes (`impl.paxos.leases`); `quarantined`: it restarted less than a lease ago and does not
    know whom it granted leases before, so every voter may be one. The leader decides the slot
    only once those holders voted for it too."""

    ballot: Ballot
    slot: int
    holders: tuple[tuple[int, int], ...] = ()  # (replica, incarnation)
    quarantined: bool = False
    receipt: bool = False  # an answer to an Accept without `vote`: no vote, nothing durable
    incarnation: int = 0  # on a receipt, the sender's run: it stands for that run only


class Reject(msgspec.Struct, frozen=True, array_like=True, tag="nack"):
    """The sender has promised `promised`, which is higher than the ballot it was asked for."""

    promised: Ballot


class Heartbeat(msgspec.Struct, frozen=True, array_like=True, tag="hb"):
    """The leader of `ballot` is alive; all slots up to `commit` are decided with the values it
    proposed. `round` numbers heartbeats so that acks can confirm a linearizable read.
    `settled`: a majority of the leader's configuration has applied every slot up to it."""

    ballot: Ballot
    commit: int
    round: int
    settled: int = 0


class Commit(msgspec.Struct, frozen=True, array_like=True, tag="cm"):
    """The leader of `ballot` has just decided every slot up to `commit`: sent the moment it
    decides, before it applies them itself, so a follower waiting to answer its client hears
    at once (a Heartbeat says the same later, and is acknowledged; this is not)."""

    ballot: Ballot
    commit: int


class HeartbeatAck(msgspec.Struct, frozen=True, array_like=True, tag="hback"):
    """`commit`: every slot up to it is applied here; `settled`: as the Heartbeat's, as I
    know it (from the heartbeat answered, or one before)."""

    ballot: Ballot
    round: int
    commit: int
    settled: int = 0


class CatchupRequest(msgspec.Struct, frozen=True, array_like=True, tag="cq"):
    """Send me the decided slots from `first_slot` on. `until`: I wait for every slot up to
    here to be decided (a recovering replica), so a leader must close any it has not opened.
    If `first_slot` is below the sender's log start, it sends its snapshot instead, in chunks:
    `snapshot_slot` and `offset` say how much of its snapshot of that slot I hold already."""

    first_slot: int
    until: int = 0
    snapshot_slot: int = 0
    offset: int = 0


class Catchup(msgspec.Struct, frozen=True, array_like=True, tag="cu"):
    """Decided slots from the asked-for one on, as many as one message carries; `commit` says
    how far the sender has applied (the asker asks again until it is there too)."""

    entries: tuple[Entry, ...]
    commit: int


class SnapshotChunk(msgspec.Struct, frozen=True, array_like=True, tag="sc"):
    """Bytes `offset` to `offset + len(data)` of the encoded snapshot of `slot`, which is
    `total` bytes long. The receiver installs it only once it has all of them."""

    slot: int
    total: int
    offset: int
    data: bytes


class StatusRequest(msgspec.Struct, frozen=True, array_like=True, tag="sq"):
    """Asked by a replica that lost the tail of its log, before it votes again."""

    nonce: int


class StatusReply(msgspec.Struct, frozen=True, array_like=True, tag="sr"):
    nonce: int
    promised: Ballot
    max_slot: int


class Forward(msgspec.Struct, frozen=True, array_like=True, tag="fw"):
    """Client commands a follower received, for the leader to propose (in this order)."""

    commands: tuple[Command, ...]


class ReadIndexRequest(msgspec.Struct, frozen=True, array_like=True, tag="riq"):
    """A follower has linearizable reads waiting: which slot must it have applied first?"""

    nonce: int


class ReadIndexReply(msgspec.Struct, frozen=True, array_like=True, tag="rir"):
    """Every slot that could have been decided before the reads arrived is at or below
    `index` (confirmed by a majority heartbeat round); -1: I do not lead, ask elsewhere."""

    nonce: int
    index: int


class LeaseRequest(msgspec.Struct, frozen=True, array_like=True, tag="lq"):
    """Grant me a read lease (`impl.paxos.leases`); `stamp`: my lease clock as I asked."""

    stamp: int
    incarnation: int = 0  # this run of the asking replica: the grant is to it


class LeaseGrant(msgspec.Struct, frozen=True, array_like=True, tag="lg"):
    """The lease asked for at `stamp` is granted; `voted`: the highest slot the grantor has
    voted in (or applied), which the holder must apply before it reads."""

    stamp: int
    voted: int


class PreVote(msgspec.Struct, frozen=True, array_like=True, tag="pv"):
    """Would you promise me a ballot of `round` now? Asked before a campaign, which changes
    nothing for anyone: each replica says no while it hears from a leader, so a replica that
    merely lost touch with a working leader cannot depose it (raft's pre-vote)."""

    round: int


class PreVoteReply(msgspec.Struct, frozen=True, array_like=True, tag="pvr"):
    round: int
    granted: bool


class Gossip(msgspec.Struct, frozen=True, array_like=True, tag="gos"):
    """A message between the services built on the log (say, which client sessions are
    alive); the replica core neither reads nor answers it."""

    payload: bytes


PeerMessage = (
    Prepare
    | Promise
    | Accept
    | Accepted
    | Reject
    | Heartbeat
    | Commit
    | HeartbeatAck
    | CatchupRequest
    | Catchup
    | SnapshotChunk
    | PreVote
    | PreVoteReply
    | StatusRequest
    | StatusReply
    | Forward
    | ReadIndexRequest
    | ReadIndexReply
    | LeaseRequest
    | LeaseGrant
    | Gossip
)


# --- client messages -------------------------------------------------------------------------


class Request(msgspec.Struct, frozen=True, array_like=True, tag="req"):
    command: Command


class Read(msgspec.Struct, frozen=True, array_like=True, tag="read"):
    client_id: int
    seq: int
    query: bytes


class Reply(msgspec.Struct, frozen=True, array_like=True, tag="rep"):
    """The answer to the Request or Read (client_id, seq). `ok` is False when the server is
    not the leader; `leader` is then its best guess (0 when it has none)."""

    client_id: int
    seq: int
    ok: bool
    result: bytes
    leader: int


class StatusQuery(msgspec.Struct, frozen=True, array_like=True, tag="status"):
    pass


class Status(msgspec.Struct, frozen=True, array_like=True, tag="info"):
    node: int
    role: str
    leader: int
    ballot: Ballot
    commit: int
    applied: int
    digest: str
    recovering: bool


ClientMessage = Request | Read | Reply | StatusQuery | Status


# --- durable records -------------------------------------------------------------------------


class Promised(msgspec.Struct, frozen=True, array_like=True, tag="P"):
    ballot: Ballot


class Voted(msgspec.Struct, frozen=True, array_like=True, tag="V"):
    vote: Vote


class Chosen(msgspec.Struct, frozen=True, array_like=True, tag="C"):
    entry: Entry


class Recovering(msgspec.Struct, frozen=True, array_like=True, tag="R"):
    """`active`: this replica lost part of its log and must not vote until it has caught up
    with every other replica (see `Replica.recovering`)."""

    active: bool


Record = Promised | Voted | Chosen | Recovering


def value_id(value: Batch) -> str:
    """A short name for a slot's value in event logs: "noop", or a digest of the batch."""
    if not value:
        return "noop"
    return hashlib.blake2b(peer_encoder.encode(value), digest_size=6).hexdigest()


def needs_sync(records: list[Record]) -> bool:
    """Must these records be fsync'd before the batch's messages leave? Only a `Chosen` record
    need not: a decision is already durable on a majority of acceptors, and a replica that
    loses it learns it again. (The next fsync covers it anyway.)"""
    return any(not isinstance(record, Chosen) for record in records)


# --- effects ---------------------------------------------------------------------------------


@dataclass
class Effects:
    """What a core asks of its driver after some inputs. See the module docstring for order."""

    records: list[Record] = field(default_factory=list)
    early: list[tuple[int, PeerMessage]] = field(default_factory=list)
    messages: list[tuple[int, PeerMessage]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    # What happened, for the event log (trace validation). `early_events` go to the log
    # before the early messages are sent; `events` once the records are durable (an event
    # that a crash could undo never happened) and before the other messages are sent.
    early_events: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # A snapshot to store, and the records that describe everything after it (the log is
    # rewritten to just these).
    snapshot: tuple[Snapshot, list[Record]] | None = None
    # `snapshot_every` slots applied since the log last started: the driver should take a
    # snapshot (`Replica.take_snapshot`), store it, and then call `Replica.snapshot_stored`
    # with its slot, which forgets the log up to it. Until then the log is kept whole (and
    # the core asks again as it applies more). The driver may store it later, from a copy.
    snapshot_due: bool = False
    # The latest configuration, when one was decided (or restored from a snapshot): the
    # driver connects to its members.
    config: Config | None = None

    def __bool__(self) -> bool:
        return bool(
            self.records
            or self.early
            or self.messages
            or self.replies
            or self.snapshot
            or self.snapshot_due
        )


peer_encoder = msgspec.msgpack.Encoder()
peer_decoder: msgspec.msgpack.Decoder[PeerMessage] = msgspec.msgpack.Decoder(PeerMessage)
client_decoder: msgspec.msgpack.Decoder[ClientMessage] = msgspec.msgpack.Decoder(ClientMessage)
record_decoder: msgspec.msgpack.Decoder[Record] = msgspec.msgpack.Decoder(Record)
