"""A Multi-Paxos replica as a deterministic core: messages and clock ticks in, effects out.

Every replica is acceptor, learner and (when elected) leader:

- **Election.** A follower that hears no leader for a randomised timeout first asks the others
  whether they would promise a new ballot (`PreVote`; each says no while it hears from a
  leader, so a replica that merely lost touch cannot depose one, or from a candidate whose
  phase 1 is under way, so a phase 1 of many pages is not cut short by one candidacy after
  another). With a majority of yeses it runs phase 1 once for every slot from its first
  undecided one: `Prepare(ballot, first_slot)`.
  Each `Promise` reports the acceptor's votes and the decisions it knows for those slots (in
  pages, if large: `campaign.py`). With a majority of promises the candidate leads: it
  re-proposes, per slot, the value of the highest-ballot vote reported (or a no-op where
  nothing was reported), so a value that may have been chosen stays chosen.
- **Replication.** The leader batches queued client commands into one slot and sends
  `Accept(ballot, slot, batch, commit)` (phase 2a); acceptors vote and answer `Accepted` to the
  leader alone. A majority decides the slot; the leader tells the others at once (`Commit`,
  before it applies the slot itself), and `commit` on every Accept and Heartbeat repeats it: a
  follower that voted for the same ballot in such a slot knows the value; otherwise it asks
  for it (`CatchupRequest`), and a replica far behind receives a snapshot, in chunks.
- **Bounded messages** (`transfer.py`). Whatever a peer message carries in variable number (a
  batch's commands, catch-up entries, a promise's reports, forwarded commands, a snapshot's
  bytes) stays within `message_bytes` (one item alone excepted), which follows from the peer
  frame limit; commands too large for a frame are refused. The leader keeps at most
  `max_inflight_bytes` proposed and undecided, and a follower as much forwarded and unapplied.
- **Reads** are linearizable without a log write (a "read index"): a read waits for a
  heartbeat round, started after it arrived, that a majority acknowledged, and for the state to
  include every slot proposed before it. With quorum leases (`ReplicaOptions.lease_reads`,
  `leases.py`), a replica holding leases from a majority answers reads from its own state, with
  no round at all, and a slot is decided only once the holders its voters name voted too.
- **Forwarding** (`ReplicaOptions.forward`, for services whose clients talk to any server;
  `forwarding.py`). A follower sends client commands on to the leader (`Forward`) and replies
  once it has applied them itself; for reads it asks the leader for a read index
  (`ReadIndexRequest`), and answers once it has applied up to that index. What it forwarded
  fails when the leader changes.
- **Amnesia.** A replica that lost the tail of its log (the storage noticed a torn or corrupt
  end) may have forgotten promises and votes that others relied on. It votes again only after
  every other replica told it its promise and highest slot, it has raised its own promise to the
  highest of those, and it has learned the decision of every slot up to the highest. (Every
  ballot it could have promised was recorded by its proposer, and every slot it could have voted
  in by that slot's leader, so the answers of all the others cover what it lost.)

**Observers** (ZooKeeper's): replicas that learn and serve but have no say. They are not
asked for promises, their acks (accepts, heartbeats) count toward no majority, and they never
campaign; a majority is a majority of the participants. An observer accepts a leader's
proposals like anyone (that is how it learns values with the commit index), but nobody relies
on its votes, so they are only a copy of the log.

A replica's acceptor serves its own leadership exactly as it serves another's: a candidate
sends its Prepare, and a leader its Accepts, to itself too, and counts its own Promise and
Accepted when they come back. So its own promise and vote count only once durable, and every
step of the spec (a promise, a vote) is one step here — which is what lets conformance drive
the acceptor and the leader separately.

Inputs: `on_tick`, `on_message` (from any replica, itself included), `on_request`, `on_read`;
then `flush()` answers reads its leases allow, proposes what is queued and returns the
`Effects` (see `impl/paxos/types.py` for the order a driver must keep). Leases alone read a
clock (`Replica(clock=)`), at the moment of each decision.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from impl.paxos.campaign import Campaign, Report
from impl.paxos.durable import DurableState
from impl.paxos.faults import Fault
from impl.paxos.forwarding import Forwarder
from impl.paxos.leases import Holder, LeaseTable, short_receipts
from impl.paxos.leases import cleared as lease_cleared
from impl.paxos.leases import decided as lease_decided
from impl.paxos.membership import Config, Member, Membership, check_members, is_majority
from impl.paxos.transfer import (
    MESSAGE_TARGET_BYTES,
    SnapshotTransfer,
    batch_size,
    command_size,
    entries_from,
    fitting,
    limits_for_frame,
    promise_report,
)
from impl.paxos.types import (
    NO_BALLOT,
    NOOP,
    Accept,
    Accepted,
    Ballot,
    Batch,
    Catchup,
    CatchupRequest,
    Chosen,
    Command,
    Commit,
    Effects,
    Entry,
    Forward,
    Gossip,
    Heartbeat,
    HeartbeatAck,
    LeaseGrant,
    LeaseRequest,
    PeerMessage,
    Prepare,
    PreVote,
    PreVoteReply,
    Promise,
    Promised,
    Read,
    ReadIndexReply,
    ReadIndexRequest,
    Record,
    Recovering,
    Reject,
    Reply,
    Snapshot,
    SnapshotChunk,
    Status,
    StatusReply,
    StatusRequest,
    Vote,
    Voted,
    value_id,
)
from impl.sm.base import StateMachine
from impl.sm.sessions import Sessions


@dataclass(frozen=True)
class ReplicaOptions:
    election_ticks: int = 30  # a follower waits uniformly in [election_ticks, 2 * election_ticks)
    heartbeat_ticks: int = 5
    max_batch: int = 1024  # commands per slot
    max_inflight: int = 128  # slots proposed and not yet decided
    # Their batches' bytes (`batch_size`); a new slot is proposed only below this, so a burst of
    # large commands cannot pile up in the leader's sockets and the followers' disks at once.
    max_inflight_bytes: int = 8 * MESSAGE_TARGET_BYTES
    snapshot_every: int = 10_000  # decided slots between snapshots (0: never)
    catchup_batch: int = 512  # decided slots per Catchup message
    # What the items of one peer message (a batch, catch-up entries, a promise's reports,
    # forwarded commands, a snapshot chunk) add up to at most, one item alone excepted; and the
    # largest command taken, so that a message carrying one alone fits a peer frame. Both
    # follow from the peer frame limit (`transfer.limits_for_frame`); these suit 64 MiB.
    message_bytes: int = MESSAGE_TARGET_BYTES
    max_command_bytes: int = limits_for_frame(64 << 20).max_command_bytes
    retry_ticks: int = 10  # before asking again (catch-up, status) or resending an Accept
    # α: a configuration decided in slot s governs from slot s + config_delay on (see
    # `membership.py`); the leader proposes at most this far beyond what it has applied.
    config_delay: int = 128
    # How long a leader still tells a member removed by a reconfiguration what is decided,
    # when it does not answer that it has learned the slots that removed it.
    departed_ticks: int = 600
    faults: frozenset[Fault] = frozenset()  # known bugs, switched on to test the tests
    events: bool = False  # report what happens in Effects.events (for an event log)
    # A follower forwards client commands and reads to the leader instead of refusing them
    # (a ZooKeeper-style service, where clients talk to any server). What it forwarded fails
    # (a reply with ok=False) when the leader changes or nothing came back within the timeout.
    forward: bool = False
    forward_timeout_ticks: int = 1_000
    # Quorum-lease reads (`leases.py`): a replica holding leases from a majority answers reads
    # from its own state, with no leader round; writes wait for the holders. Off, a replica
    # neither holds nor grants leases. `lease_ms` (D) is on the lease clock (`Replica(clock=)`,
    # by default `tick_ms` per tick); None: ten heartbeat periods. `lease_drift` (ρ): how far
    # a clock's rate may err, relatively.
    lease_reads: bool = False
    lease_ms: int | None = None
    lease_drift: float = 0.05
    lease_renew_ticks: int | None = None  # how often a holder asks again; None: heartbeat_ticks
    tick_ms: int = 10  # what a tick stands for, where the lease clock is made of ticks

    @property
    def lease_duration(self) -> int:
        """D, in ms of the lease clock."""
        if self.lease_ms is not None:
            return self.lease_ms
        return 10 * self.heartbeat_ticks * self.tick_ms


class Role(StrEnum):
    FOLLOWER = "follower"
    CANDIDATE = "candidate"
    LEADER = "leader"


@dataclass
class _Proposal:
    value: Batch
    acks: set[int]
    sent_at: int
    size: int  # batch_size(value)
    resent: int = 0  # how often; each resend waits twice as long as the one before
    # Each voter's lease holders, as its last Accepted reported them (None: everyone).
    reports: dict[int, frozenset[Holder] | None] = field(default_factory=dict)
    receipts: set[Holder] = field(default_factory=set)  # asked only to acknowledge, and did
    asked_to_vote: set[int] = field(default_factory=set)  # receivers asked again, for a vote


@dataclass
class _ReadRound:
    index: int  # every slot up to here must be applied before these reads are answered
    reads: list[Read]
    acks: set[int]
    remote: list[tuple[int, int]]  # (follower, nonce): read-index requests to answer
    # Whose acks confirm the leadership: a majority of each configuration that could govern a
    # slot another leader decides meanwhile (those of the next config_delay slots).
    configs: list[Config]


class Replica:
    def __init__(
        self,
        node_id: int,
        nodes: Sequence[int],
        machine: StateMachine,
        durable: DurableState | None = None,
        options: ReplicaOptions | None = None,
        seed: int = 0,
        on_applied: Callable[[int], None] | None = None,
        on_reply: Callable[[Reply], None] | None = None,
        observers: Sequence[int] = (),
        members: Sequence[Member] = (),
        clock: Callable[[], int] | None = None,
        send_now: Callable[[int, PeerMessage], None] | None = None,
        stored_snapshot: Callable[[], Snapshot | None] | None = None,
    ) -> None:
        """`send_now`: send a message that depends on nothing not yet durable (the leader's
        `Commit` notice) the moment it exists, instead of in `Effects` after the work that
        follows it (a server's replica applies what it decided, then flushes).
        `on_reply`: hand each reply over the moment it exists instead of in `Effects`
        (every reply is safe to send at once: it reports decided or refused work). A service
        that keeps per-client order between replies and state changes needs that.
        `observers`: the nodes (among `nodes`) that learn and serve but do not vote.
        `members`: the initial configuration with addresses, instead of `nodes`/`observers`.
        Later configurations come from the log (`membership.py`).
        `clock`: the lease clock, in ms, monotonic, and running while the process is stopped
        (the server's is `time.monotonic`); by default, ticks times `options.tick_ms`.
        `stored_snapshot`: the driver's latest durable snapshot, read back; a replica behind
        my log's start is sent that one (if it is of the slot before my log's start) instead
        of one made on the spot from the state, which costs the time a snapshot takes."""
        durable = durable or DurableState()
        self.options = options or ReplicaOptions()
        self._faults = self.options.faults
        if Fault.FORGET_VOTES_ON_RESTART in self._faults:
            durable = DurableState(durable.promised, {}, durable.chosen, durable.recovering)
        if Fault.SKIP_RECOVERY in self._faults:
            durable.recovering = False
        self.id = node_id
        if not members:
            members = [Member(n, n in set(observers)) for n in nodes]
        initial = Config(0, check_members(members))
        self.membership = Membership(initial, self.options.config_delay)
        self.machine = machine
        self.sessions = Sessions()
        self._effects = Effects()
        self._random = random.Random(seed)
        self._on_applied = on_applied
        self._stored_snapshot = stored_snapshot
        self._on_reply = on_reply
        self._send_now = send_now

        # Acceptor and learner state (durable).
        self.promised: Ballot = durable.promised
        self.votes: dict[int, Vote] = dict(durable.votes)
        self.chosen: dict[int, Batch] = dict(durable.chosen)
        self.recovering = durable.recovering
        self.log_start = 1  # the first slot not covered by the snapshot
        self.applied_slot = 0  # every slot up to here is decided and applied
        self.applied = 0  # commands applied (the index of the last one)
        if durable.snapshot is not None:
            self._restore(durable.snapshot)
        self._voted_slot = max([self.applied_slot, *self.votes])  # the highest I voted in
        # This run of me, for lease grants and receipts (`leases.py`): drawn from the seed,
        # which differs per run as the nonces' does.
        self.incarnation = random.Random(f"incarnation {seed}").getrandbits(48)
        # Values the leader asked me only to acknowledge (`Accept.vote` false), by slot: what
        # I learn the slot by when it is decided, and pending until then. Volatile, as my
        # leases are; dropped once applied.
        self._received: dict[int, Vote] = {}

        # Leadership (volatile).
        self.role = Role.FOLLOWER
        self.ballot: Ballot = NO_BALLOT  # my ballot while candidate or leader
        self.leader = 0  # who I believe leads (0: nobody known)
        self.leader_ballot: Ballot = NO_BALLOT
        self._leader_heard_at = 0  # when I last heard from the leader I follow
        # When I last promised a candidate (a page of its phase 1): never, so far
        self._phase1_heard_at = -self.options.election_ticks
        self._highest_round = self.promised[0]
        self._prevote_round = 0  # the round of my pre-vote in progress (0: none)
        self._prevotes: set[int] = set()  # who granted it
        self._campaign = Campaign(NO_BALLOT, 0)  # my candidacy's promises, as they come
        self.next_slot = 0
        self._proposals: dict[int, _Proposal] = {}
        # As leader: values that phase 1 found for slots beyond what I may propose yet (their
        # configuration is not known, or not enough of it has promised), and who was asked.
        self._deferred: dict[int, tuple[Ballot, Batch]] = {}  # (the vote's ballot, value)
        # Where phase 1's values end (None: some are not proposed yet), and whether phase 1
        # is over: the leader serves reads only then (`_serves_reads`).
        self._frontier: int | None = None
        self._phase1_over = False
        self._asked: set[int] = set()
        self._queue: list[Command] = []
        self._waiting: set[tuple[int, int]] = set()
        # Replies to membership changes, each held until the slot before the one from which
        # its configuration governs is applied here and by a majority of that configuration
        # (so that it governs even if every other server goes away then): (that slot, client,
        # seq, result). The leader learns what each follower applied from its acks.
        self._held: list[tuple[int, int, int, bytes]] = []
        self._settled = 0  # a majority of the leader's configuration applied up to here
        self._applied_by: dict[int, int] = {}  # as leader: each follower's last acked slot
        self._reads: list[Read] = []
        self._read_rounds: dict[int, _ReadRound] = {}
        self._round = 0
        self._heard_at: dict[int, int] = {}  # when each follower last answered this leader
        # Members of configurations no longer in force and of none later: node -> (the last
        # slot of its last configuration, when it left). Heartbeats still go to them until they
        # answer that they have applied that slot (else a replica that lagged when it was
        # removed would never learn the slots that remove it), or for `departed_ticks` at most.
        self.departing: dict[int, tuple[int, int]] = {}

        # Forwarding (options.forward). As follower: what I send on to the leader. As leader:
        # forwarded commands queued, read-index requests to confirm.
        # Nonces of read-index and status requests start where no earlier incarnation's do
        # (drawn apart from `_random`, so the schedule of elections stays as it was): a late
        # reply to a request sent before a crash must not answer one sent after it.
        nonces = random.Random(f"nonces {seed}").getrandbits(48) << 14
        self._forwarder = Forwarder(
            self.options.message_bytes,
            self.options.max_inflight_bytes,
            self.options.forward_timeout_ticks,
            first_nonce=nonces,
        )
        # As leader: forwarded commands queued or proposed, and who forwarded each.
        self._forward_queued: dict[tuple[int, int], int] = {}
        self._index_requests: list[tuple[int, int]] = []
        self._commit_sent = 0  # the highest commit index this leader has told its followers

        # Timers, in ticks.
        self.now = 0

        # Quorum leases (options.lease_reads): mine and those I granted, and reads answered
        # from my state at the next flush if my leases still allow it then.
        self._clock = clock or (lambda: self.now * self.options.tick_ms)
        self._leases: LeaseTable | None = None
        # may_read_locally's (1): until when it holds, and what that was computed from.
        self._quorum_key: tuple[LeaseTable, int, tuple[frozenset[int], ...]] | None = None
        self._quorum_until = 0
        if self.options.lease_reads:
            self._leases = LeaseTable(
                self.options.lease_duration,
                self.options.lease_drift,
                self._clock(),
                no_margin=Fault.LEASE_NO_DRIFT_MARGIN in self._faults,
            )
        self._lease_at = 0  # when to ask for leases again
        self._local_reads: list[Read] = []
        self.lease_reads_served = 0  # reads answered from my state under leases, in all
        self._election_at = self._election_deadline()
        self._heartbeat_at = 0
        self._catchup_at = 0
        self._status_at = 0
        self._status: dict[int, StatusReply] = {}
        self._status_nonce = nonces
        self._rejoin_at_slot: int | None = None  # set once every other replica answered
        self._transfer = SnapshotTransfer()  # snapshots in chunks, sent and received

        self._digest = (-1, "")  # (applied, the state's digest then), for status()
        self._apply_decided()

    # --- membership --------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        """The configuration of the next slot to apply."""
        return self.membership.current

    @property
    def voters(self) -> frozenset[int]:
        return self.membership.current_voters

    @property
    def majority(self) -> int:
        return len(self.voters) // 2 + 1

    @property
    def nodes(self) -> tuple[int, ...]:
        """Everyone in the current configuration or one decided after it, in order."""
        return self.membership.ids

    @property
    def others(self) -> list[int]:
        return [node for node in self.membership.ids if node != self.id]

    # --- inputs ------------------------------------------------------------------------------

    def on_tick(self) -> None:
        self.now += 1
        if self.departing:
            limit = self.options.departed_ticks
            for node, (_, since) in list(self.departing.items()):
                if node in self.membership.ids or self.now - since > limit:
                    del self.departing[node]  # a member again, or gone for good
        if self._forwarder:
            self._refuse(self._forwarder.expire(self.now), self.leader)
        self._transfer.expire(self.now, idle=2 * self.options.election_ticks)
        if self._leases is not None and self.now >= self._lease_at and not self.recovering:
            self._ask_leases()
        if self.recovering:
            if self._rejoin_at_slot is None and self.now >= self._status_at:
                self._ask_status()
        elif self.role is Role.LEADER:
            if self.now >= self._heartbeat_at:
                self._heartbeat()
                self._resend_accepts()
                self._asked = self._campaign.promisers()  # ask the rest again (it may be lost)
            if not self._majority_heard() or self.id not in self.voters:
                # No majority answered for a long while (another leader may be serving), or
                # a configuration without me governs now: a participant of it takes over.
                self._step_down(NO_BALLOT)
                self._election_at = self._election_deadline()
        elif self.now >= self._election_at:
            self._prevote()

    def on_message(self, sender: int, message: PeerMessage) -> None:
        # From anyone: a replica that lags may not know yet of a member that leads now.
        match message:
            case Prepare():
                self._on_prepare(sender, message)
            case Promise():
                self._on_promise(sender, message)
            case Accept():
                self._on_accept(sender, message)
            case Accepted():
                self._on_accepted(sender, message)
            case Reject():
                self._on_reject(message)
            case Heartbeat():
                self._on_heartbeat(sender, message)
            case Commit():
                self._on_commit(sender, message)
            case HeartbeatAck():
                self._on_heartbeat_ack(sender, message)
            case CatchupRequest():
                self._on_catchup_request(sender, message)
            case Catchup():
                self._on_catchup(sender, message)
            case SnapshotChunk():
                self._on_snapshot_chunk(sender, message)
            case PreVote():
                self._send(sender, PreVoteReply(message.round, self._grants_prevote()))
            case PreVoteReply():
                self._on_prevote_reply(sender, message)
            case StatusRequest():
                self._send(sender, StatusReply(message.nonce, self.promised, self._max_slot()))
            case StatusReply():
                self._on_status_reply(sender, message)
            case Forward():
                self._on_forward(sender, message)
            case ReadIndexRequest():
                self._on_read_index_request(sender, message)
            case ReadIndexReply():
                self._on_read_index_reply(message)
            case LeaseRequest():
                if self._leases is not None and not self.recovering:
                    # (A recovering replica may have forgotten votes: it cannot say `voted`.)
                    self._leases.grant(sender, self._clock(), message.incarnation)
                    self._send(sender, LeaseGrant(message.stamp, self._voted_slot))
            case LeaseGrant():
                if self._leases is not None:
                    now = self._clock()
                    self._leases.take(sender, message.stamp, message.voted, now)
            case Gossip():
                pass  # for the service around the replica, not for the core

    def on_request(self, command: Command) -> None:
        """A client command. Only the leader accepts it; the reply comes once it is applied.
        One too large for any peer message is refused (as if there were no leader)."""
        done = self.sessions.lookup(command)
        if command_size(command) > self.options.max_command_bytes:
            self._reply(command.client_id, command.seq, False, b"", leader=0)
        elif done is not None:
            self._reply(command.client_id, command.seq, True, done)
        elif self.role is Role.LEADER:
            self._queue.append(command)
            self._waiting.add((command.client_id, command.seq))
        elif self._can_forward():
            self._waiting.add((command.client_id, command.seq))
            self._forwarder.add_command(command, self.now)
        else:
            self._reply(command.client_id, command.seq, False, b"")

    def on_read(self, read: Read) -> None:
        if self._local_reads or self.may_read_locally():
            # Answered at the next flush (if the lease still holds then: it asks again, for
            # all of them, so a burst of reads asks once): a reply handed over from within
            # on_read would let a service submit its next read from within it.
            self._local_reads.append(read)
        else:
            self._route_read(read)

    def read_now(self, read: Read) -> bytes | None:
        """The answer to `read` from my own state, if `lease_read_now`; None: hand it to
        `on_read` instead."""
        return self.machine.query(read.query) if self.lease_read_now() else None

    def lease_read_now(self) -> bool:
        """May a read be answered from my own state now: my leases allow it, and no earlier
        local read waits for the next flush? If so, it counts as served, and the caller
        answers it from `machine` at once, within the turn the request arrived in, with no
        wait for the flush (the checks are `on_read`'s and the flush's, made at the moment of
        the answer)."""
        if self._local_reads or not self.may_read_locally():
            return False
        self.lease_reads_served += 1
        return True

    def _route_read(self, read: Read) -> None:
        """A read not served by a lease: a read round, if I lead; else to the leader."""
        if self.role is Role.LEADER:
            self._reads.append(read)
        elif self._can_forward():
            if Fault.STALE_FOLLOWER_READS in self._faults:
                self._answer([read])
            else:
                self._forwarder.add_read(read)
        else:
            self._reply(read.client_id, read.seq, False, b"")

    def flush(self) -> Effects:
        """Answer reads my leases allow, propose queued commands, start a read round if reads
        wait, and hand over effects."""
        if self._local_reads:
            reads, self._local_reads = self._local_reads, []
            if self.may_read_locally():
                self.lease_reads_served += len(reads)
                self._answer(reads)
            else:
                for read in reads:
                    self._route_read(read)
        if self.role is Role.LEADER:
            self._propose_queued()
            if self.applied_slot > self._commit_sent:
                # Tell the followers now, not at the next heartbeat: a client waiting on a
                # follower (which forwarded its write) gets its reply one round trip later.
                self._heartbeat()
            if (self._reads or self._index_requests) and self._serves_reads():
                self._read_rounds[self._round + 1] = _ReadRound(
                    self.next_slot - 1,
                    self._reads,
                    set(),
                    self._index_requests,
                    self._window(),
                )
                self._reads, self._index_requests = [], []
                self._heartbeat()
        elif self._forwarder.has_outgoing():
            for message in self._forwarder.outgoing(self.now):
                self._send(self.leader, message)
        if self._effects.snapshot_due and not self._snapshot_due():
            self._effects.snapshot_due = False  # one was stored since it was asked for
        effects, self._effects = self._effects, Effects()
        return effects

    def status(self) -> Status:
        # A digest reads the whole state (a 100 MB tree takes the event loop ~0.3 s), and the
        # state changes only as commands are applied: asked again, the last one serves.
        if self._digest[0] != self.applied:
            self._digest = (self.applied, self.machine.digest())
        return Status(
            node=self.id,
            role=str(self.role),
            leader=self.leader,
            ballot=self.leader_ballot,
            commit=self.applied_slot,
            applied=self.applied,
            digest=self._digest[1],
            recovering=self.recovering,
        )

    # --- election (phase 1) ------------------------------------------------------------------

    def _election_deadline(self) -> int:
        ticks = self.options.election_ticks
        return self.now + ticks + self._random.randrange(ticks)

    def _hears_leader(self) -> bool:
        """Do I lead, or have I heard from my leader within the shortest election timeout?"""
        if self.role is Role.LEADER:
            return True
        recent = self.now - self._leader_heard_at < self.options.election_ticks
        return self.leader not in (0, self.id) and recent

    def _grants_prevote(self) -> bool:
        """Would I promise a new ballot now? Not while I hear from a leader, nor while a
        candidate's phase 1 (mine included) is under way: within the shortest election
        timeout of its last page I promised. A phase 1 of many pages (a long backlog of
        undecided slots, messages that arrive late) outlasts a replica's election timeout;
        granting each timed-out replica its candidacy then, each cutting the one before it
        short, had three replicas campaign in turn for ever after the faults stopped (the
        simulation's seed 904,384 with clocks drifting 40 %). Once no page comes for that
        long, the candidate is taken for gone."""
        if self._hears_leader():
            return False
        return self.now - self._phase1_heard_at >= self.options.election_ticks

    def _prevote(self) -> None:
        """The election timeout passed: ask the others whether they would promise a new ballot
        before asking them to (a Prepare would make them drop a leader they still hear).
        Whatever they answer, I no longer know a leader (ZooKeeper's LOOKING): what I forwarded
        is refused to its clients, and I serve none until I follow a leader again."""
        self._election_at = self._election_deadline()
        if self.leader not in (0, self.id):
            self._drop_forwarded()
            self.leader = 0
        if self.id not in self.voters:
            # An observer, or a replica that lags behind the change that made it a
            # participant: catch up from anyone meanwhile (it may learn that it takes part).
            if self.others:
                self._request_catchup(self._random.choice(self.others), force=True)
            return
        self._prevote_round = max(self._highest_round, self.promised[0]) + 1
        self._prevotes = {self.id}
        if self.config.is_quorum(self._prevotes):
            self.campaign()
            return
        for node in sorted(self.voters - {self.id}):
            self._send(node, PreVote(self._prevote_round))

    def _on_prevote_reply(self, sender: int, reply: PreVoteReply) -> None:
        if not reply.granted or reply.round != self._prevote_round or self.recovering:
            return
        if self.id not in self.voters:
            return  # a configuration without me came to govern since I asked
        self._prevotes.add(sender)
        if self.config.is_quorum(self._prevotes):
            self.campaign()

    def campaign(self, round_: int | None = None) -> None:
        """Start a ballot: by default the next round above every one seen (an election
        timeout does this); a conformance driver may name the round."""
        if self.id not in self.voters:
            raise ValueError(f"node {self.id} is an observer: it does not campaign")
        self._step_down(NO_BALLOT)
        self._prevote_round, self._prevotes = 0, set()
        if round_ is None:
            round_ = max(self._highest_round, self.promised[0]) + 1
        self._highest_round = max(self._highest_round, round_)
        owner = 0 if Fault.BALLOT_NOT_UNIQUE in self._faults else self.id
        self.ballot = (round_, owner)
        self.role = Role.CANDIDATE
        self._drop_forwarded()
        self.leader = 0
        self._election_at = self._election_deadline()
        self._event("campaign", ballot=self.ballot)
        self._campaign = Campaign(self.ballot, self.applied_slot + 1)
        # Phase 1 with a majority of each configuration I know of: those of the next
        # config_delay slots (others, later, as their slots come within reach).
        self._asked = set()
        self._ask_promises(self._window())

    def _window(self) -> list[Config]:
        """The configurations of the slots I may propose in now (applied + 1 .. + α)."""
        return self.membership.reach(self.applied_slot + 1)

    def _ask_promises(self, configs: list[Config]) -> None:
        """Send my Prepare to the participants of `configs` not yet asked (myself included:
        my own promise comes back as any other)."""
        # A leader asks only about the slots it has not proposed in.
        first = self.next_slot if self.role is Role.LEADER else self._campaign.first_slot
        for node in sorted(frozenset().union(*(c.voters for c in configs)) - self._asked):
            self._asked.add(node)
            self._send(node, Prepare(self.ballot, self._campaign.awaiting(node, first)))

    def _on_prepare(self, sender: int, prepare: Prepare) -> None:
        if self.recovering:
            return  # it may have forgotten a promise: it must not make a new one yet
        # Whoever is asked answers, observer or not: whether its promise counts is the
        # candidate's business, and one that lags may not know yet that it takes part.
        self._note_round(prepare.ballot)
        if prepare.ballot < self.promised:
            self._send(sender, Reject(self.promised))
            return
        if prepare.ballot > self.promised:
            # Its acceptor promising a ballot below its own candidacy does not end it.
            if self.role is not Role.FOLLOWER and prepare.ballot > self.ballot:
                self._step_down(prepare.ballot)
            self._set_promised(prepare.ballot)
            self._event("promise", acceptor=self.id, ballot=prepare.ballot)
        # Someone is trying (each page of a long report shows it still is): give it time,
        # and let no one else's candidacy cut it short (`_grants_prevote`).
        self._election_at = self._election_deadline()
        self._phase1_heard_at = self.now
        self._send(sender, self._promise(prepare.ballot, prepare.first_slot))

    def _promise(self, ballot: Ballot, first_slot: int) -> Promise:
        """My report from `first_slot` on, as much as one message carries (the rest from
        `more_from`, when asked)."""
        limit = self.options.message_bytes
        votes, chosen, more_from = promise_report(self.chosen, self.votes, first_slot, limit)
        return Promise(ballot, votes, chosen, self.log_start, first_slot, more_from)

    def _on_promise(self, sender: int, promise: Promise) -> None:
        if self.role is Role.FOLLOWER or promise.ballot != self.ballot:
            return
        if self.role is Role.LEADER:
            # A participant of a later configuration, asked once its slots came within reach.
            ask_from = self._campaign.take(sender, promise)
            if ask_from:
                self._send(sender, Prepare(self.ballot, ask_from))
            else:
                self._take_report(self._campaign.report(lambda nodes: True))
                self._apply_decided()
                self._propose_queued()
            return
        if promise.log_start > promise.first_slot:
            # It compacted slots I have not learned: I cannot lead them. Catch up first.
            self._step_down(NO_BALLOT)
            self._request_catchup(sender, force=True)
            return
        ask_from = self._campaign.take(sender, promise)
        if ask_from:
            # Ask for the next page; the campaign is progressing, so give it time to finish.
            self._election_at = self._election_deadline()
            self._send(sender, Prepare(self.ballot, ask_from))
        else:
            self._maybe_lead()

    def _maybe_lead(self) -> None:
        window = self._window()
        report = self._campaign.report(lambda nodes: all(c.is_quorum(nodes) for c in window))
        if report is None:
            return
        self.role = Role.LEADER
        self.leader, self.leader_ballot = self.id, self.ballot
        self._heard_at = dict.fromkeys(self.voters - {self.id}, self.now)
        # Every slot phase 1 reported, a no-op where no vote was: proposed as soon as its
        # configuration allows (`_propose_queued`), before any new command.
        self.next_slot = self._campaign.first_slot
        self._deferred = {}
        self._take_report(report)
        self._apply_decided()
        self._propose_queued()
        self._heartbeat()

    def _take_report(self, report: Report | None) -> None:
        """Learn what phase 1 reported decided, and take its values for the slots I have not
        proposed in yet: the highest-ballot vote reported so far, or a no-op."""
        if report is None:
            return
        self._campaign.forget_reports()
        for entry in report.chosen:
            self._learn(entry.slot, entry.value)
        if report.last >= self.next_slot:
            self._frontier = None  # more to propose before reads are served
        for slot in range(self.next_slot, report.last + 1):
            vote = report.highest.get(slot)
            if vote is None or Fault.IGNORE_REPORTED_VOTES in self._faults:
                self._deferred.setdefault(slot, (NO_BALLOT, NOOP))
            elif slot not in self._deferred or vote.ballot > self._deferred[slot][0]:
                self._deferred[slot] = (vote.ballot, vote.value)

    def _on_reject(self, reject: Reject) -> None:
        self._note_round(reject.promised)
        if self.role is not Role.FOLLOWER and reject.promised > self.ballot:
            self._step_down(reject.promised)
            self._election_at = self._election_deadline()

    def _step_down(self, new_ballot: Ballot) -> None:
        """Stop leading (or campaigning): tell waiting clients to go elsewhere."""
        if self.role is Role.FOLLOWER:
            return
        self.role = Role.FOLLOWER
        self._campaign = Campaign(NO_BALLOT, 0)
        self._proposals, self._deferred, self._asked = {}, {}, set()
        self._frontier, self._phase1_over = None, False
        hint = self.leader if self.leader != self.id else 0
        if new_ballot > self.ballot:
            hint = new_ballot[1]
        for client_id, seq in sorted(self._waiting):
            self._reply(client_id, seq, False, b"", leader=hint)
        for read in self._reads + [r for rr in self._read_rounds.values() for r in rr.reads]:
            self._reply(read.client_id, read.seq, False, b"", leader=hint)
        self._waiting, self._queue, self._reads, self._read_rounds = set(), [], [], {}
        self._forward_queued, self._index_requests = {}, []
        if self.leader == self.id:
            self.leader = 0

    def _note_round(self, ballot: Ballot) -> None:
        self._highest_round = max(self._highest_round, ballot[0])

    def _set_promised(self, ballot: Ballot) -> None:
        self.promised = ballot
        if Fault.UNPERSISTED_PROMISE not in self._faults:
            self._record(Promised(ballot))

    # --- replication (phase 2) ---------------------------------------------------------------

    def _serves_reads(self) -> bool:
        """Is my phase 1 over, so that no write decided before my ballot can be missing from
        what I proposed? Without reconfiguration, once phase 1's values are proposed. With
        it, a lower ballot may have decided slots whose configuration I did not know when I
        campaigned (so no quorum of it was asked): phase 1 is over once the slots up to the
        frontier F of what phase 1 found are applied (so the configurations of F .. F + α - 1
        are known), and a majority of each of those has promised (reporting nothing at or
        beyond F: else there is more to propose, and a new frontier)."""
        if self._phase1_over:
            return True
        frontier = self._frontier
        if frontier is None or self.applied_slot < frontier - 1:
            return False
        configs = self.membership.reach(frontier)
        promisers = self._campaign.promisers()
        missing = [config for config in configs if not config.is_quorum(promisers)]
        if missing:
            self._ask_promises(missing)
            return False
        self._phase1_over = True
        return True

    def _may_propose(self, slot: int) -> bool:
        """Is slot's configuration known (slot - α applied), and has a majority of it promised
        my ballot? If not enough has, ask the rest of it."""
        if slot - self.membership.delay > self.applied_slot:
            return False
        config = self.membership.at(slot)
        if config.is_quorum(self._campaign.promisers()):
            return True
        self._ask_promises([config])
        return False

    def _propose_queued(self) -> None:
        """Phase 1's values first, then queued commands, into slots: each batch within
        `max_batch` commands and `message_bytes`, and slots in flight within `max_inflight`
        and `max_inflight_bytes`, as far as the slots' configurations allow. With nothing
        queued, no-ops bring a configuration decided but not yet in force into force."""
        options = self.options
        while self._deferred:  # its slots run on from next_slot
            slot = self.next_slot
            if slot in self.chosen or slot < self.log_start:
                del self._deferred[slot]  # decided meanwhile
            elif self._may_propose(slot):
                self._propose(slot, self._deferred.pop(slot)[1])
            else:
                return
            self.next_slot += 1
        if self._frontier is None:
            self._frontier = self.next_slot
        if not self._queue and self.membership.latest is not self.membership.current:
            while len(self._proposals) < options.max_inflight:
                if self.membership.at(self.next_slot) is self.membership.latest:
                    break
                if not self._may_propose(self.next_slot):
                    return
                self._propose(self.next_slot, NOOP)
                self.next_slot += 1
        inflight = sum(proposal.size for proposal in self._proposals.values())
        while self._queue and len(self._proposals) < options.max_inflight:
            if self._proposals and inflight >= options.max_inflight_bytes:
                return
            if not self._may_propose(self.next_slot):
                return
            head = self._queue[: options.max_batch]
            room = options.message_bytes - batch_size(NOOP)
            batch = tuple(head[: fitting(head, command_size, room)])
            del self._queue[: len(batch)]
            self._propose(self.next_slot, batch)
            inflight += self._proposals[self.next_slot].size
            self.next_slot += 1

    def _propose(self, slot: int, value: Batch) -> None:
        # Accepts depend on nothing in this batch (the promise is durable since phase 1), so
        # they leave before the disk is done; the leader's own vote comes back as any other.
        self._event("propose", value, ballot=self.ballot, slot=slot, early=True)
        if Fault.CONFIG_AT_PROPOSAL in self._faults:
            for change in (c.config for c in value if c.config is not None):
                self.membership.adopt(slot - self.membership.delay, change, -slot)
        self._proposals[slot] = _Proposal(value, set(), self.now, batch_size(value))
        self._commit_sent = max(self._commit_sent, self.applied_slot)
        receivers = self._receivers(slot, value)
        # The voters first: their fsyncs decide the slot; a receiver answers at once.
        for node in sorted(self.nodes, key=lambda node: node in receivers):
            accept = Accept(self.ballot, slot, value, self.applied_slot, node not in receivers)
            self._effects.early.append((node, accept))

    def _receivers(self, slot: int, value: Batch) -> frozenset[int]:
        """Whom to ask only for a receipt of `value` (`Accept.vote` false), not for a vote: the
        followers that forwarded its commands. Such a follower answers its clients as soon as
        it learns the slot decided, with no vote of its own to make durable first (and the
        disk it may share with the others has one fsync fewer to do). Only while the other
        voters, me included, are a majority of which all have answered me within a heartbeat
        period: one of them slow would hold the slot up until it is resent, asking everyone
        for a vote. With leases, a receiver that holds one is waited for as a voter is."""
        if not self._forward_queued or not value:
            return frozenset()
        keys = ((command.client_id, command.seq) for command in value)
        origins = {self._forward_queued[key] for key in keys if key in self._forward_queued}
        voters = self.membership.voters_at(slot)
        rest = voters - origins
        lately = self.now - self.options.heartbeat_ticks
        if not is_majority(rest, voters) or any(
            self._heard_at.get(node, lately - 1) < lately for node in rest - {self.id}
        ):
            return frozenset()
        return frozenset(origins & voters)

    def _on_accept(self, sender: int, accept: Accept) -> None:
        if self.recovering:
            self._follow(sender, accept.ballot)
            self._learn_commit(sender, accept.ballot, accept.commit)
            return
        self._note_round(accept.ballot)
        if accept.ballot < self.promised:
            self._send(sender, Reject(self.promised))
            return
        self._follow(sender, accept.ballot)
        vote = Vote(accept.slot, accept.ballot, accept.value)
        if (
            not accept.vote
            and accept.slot >= self.log_start
            and self.votes.get(accept.slot) != vote
        ):
            # Only a receipt is asked for: keep the value to learn the slot by, hold the write
            # pending (no lease reads until it is applied), and answer at once: the answer
            # promises nothing my disk must keep.
            self._received[accept.slot] = vote
            receipt = self._accepted(accept.ballot, accept.slot, receipt=True)
            self._effects.early.append((sender, receipt))
            self._learn_commit(sender, accept.ballot, accept.commit)
            return
        if accept.slot < self.log_start:
            # Folded into the snapshot: decided, so the vote itself no longer matters.
            if accept.ballot > self.promised:
                self._set_promised(accept.ballot)
        elif self.votes.get(accept.slot) != vote:
            # Voting raises the promise to the vote's ballot; the Voted record implies it.
            # (A resent Accept finds its vote recorded already, and is only acknowledged
            # again: not written again, which matters when it carries a megabyte.)
            self.promised = accept.ballot
            self.votes[accept.slot] = vote
            self._voted_slot = max(self._voted_slot, accept.slot)
            self._record(Voted(vote))
            self._event(
                "vote", accept.value, acceptor=self.id, ballot=accept.ballot, slot=accept.slot
            )
        self._send(sender, self._accepted(accept.ballot, accept.slot))
        self._learn_commit(sender, accept.ballot, accept.commit)

    def _accepted(self, ballot: Ballot, slot: int, *, receipt: bool = False) -> Accepted:
        """My vote (or receipt), with the holders of my active lease grants (`leases.py`)."""
        me = self.incarnation if receipt else 0  # a vote stands for every run of me
        if self._leases is None:
            return Accepted(ballot, slot, receipt=receipt, incarnation=me)
        holders = self._leases.holders(self._clock())
        if holders is None:
            return Accepted(ballot, slot, quarantined=True, receipt=receipt, incarnation=me)
        return Accepted(ballot, slot, tuple(sorted(holders)), receipt=receipt, incarnation=me)

    def _on_accepted(self, sender: int, accepted: Accepted) -> None:
        if self.role is not Role.LEADER or accepted.ballot != self.ballot:
            return
        proposal = self._proposals.get(accepted.slot)
        if proposal is None:
            return
        voters = self.membership.voters_at(accepted.slot)
        if sender in voters or Fault.OBSERVERS_VOTE in self._faults:
            self._heard_at[sender] = self.now
            if accepted.receipt:  # no vote: it reports no grants either
                proposal.receipts.add((sender, accepted.incarnation))
                if Fault.RECEIPT_COUNTS_AS_VOTE in self._faults:
                    proposal.acks.add(sender)
            else:
                proposal.acks.add(sender)
                holders = None if accepted.quarantined else frozenset(accepted.holders)
                proposal.reports[sender] = holders
            if not self._check_decided(accepted.slot):
                self._ask_short_receivers(accepted.slot, proposal, voters)

    def _ask_short_receivers(self, slot: int, proposal: _Proposal, voters: frozenset[int]) -> None:
        """Ask at once for the vote of each receiver whose receipt cannot stand for it (a
        voter named another incarnation of it, or reported in quarantine: `leases.py`)."""
        short = short_receipts(proposal.reports, voters, proposal.receipts)
        for node in sorted(short - proposal.acks - proposal.asked_to_vote):
            proposal.asked_to_vote.add(node)
            self._ask_vote(node, slot, proposal.value)

    def _ask_vote(self, node: int, slot: int, value: Batch) -> None:
        """Ask `node` for its vote (not a receipt) on `value` in `slot`."""
        self._send(node, Accept(self.ballot, slot, value, self.applied_slot))

    def _majority_heard(self) -> bool:
        window = 2 * self.options.election_ticks
        for node in self.voters:  # a member new to me gets the window every member gets when
            self._heard_at.setdefault(node, self.now)  # I start to lead
        recent = {node for node, tick in self._heard_at.items() if self.now - tick <= window}
        return self.config.is_quorum(recent | {self.id})

    def _check_decided(self, slot: int) -> bool:
        """Decide `slot` if its acknowledgments suffice; say whether it is decided."""
        proposal = self._proposals[slot]
        voters = self.membership.voters_at(slot)
        if Fault.COMMIT_WITHOUT_MAJORITY in self._faults:
            decided = bool(proposal.acks)
        elif Fault.OBSERVERS_VOTE in self._faults:
            decided = 2 * len(proposal.acks) > len(voters)
        elif Fault.WRITE_IGNORES_LEASES in self._faults:
            decided = is_majority(proposal.acks, voters)
        else:  # a majority, and every lease holder its members reported (`leases.py`)
            decided = lease_decided(proposal.acks, proposal.reports, voters, proposal.receipts)
        if decided:
            del self._proposals[slot]
            self._learn(slot, proposal.value, self.ballot)
            self._announce_commit(first={node for node, _ in proposal.receipts})
            self._apply_decided()
        return decided

    def _resend_accepts(self) -> None:
        """Resend what a majority has not acknowledged in a while, less often each time: a
        follower that is slow (say, writing large values to its disk) is not flooded. A slot
        that a majority voted for waits only for lease holders: each retry period, the holders
        and the voters that named them are asked again (so they report their grants anew),
        until the holders vote or the grants to them lapse."""
        for slot, proposal in self._proposals.items():
            voters = self.membership.voters_at(slot)
            holders_only = is_majority(proposal.acks, voters)
            wait = self.options.retry_ticks << (0 if holders_only else min(proposal.resent, 3))
            if self.now - proposal.sent_at >= wait:
                proposal.sent_at = self.now
                proposal.resent += 1
                waiting = proposal.acks - lease_cleared(
                    proposal.acks, proposal.reports, voters, proposal.receipts
                )
                for node in self.nodes:  # each asked for a vote now, receivers included
                    if node not in proposal.acks or node in waiting:
                        self._ask_vote(node, slot, proposal.value)

    def _follow(self, leader: int, ballot: Ballot) -> None:
        if ballot < self.leader_ballot or leader == self.id:
            return  # (my own message, sent while I led, arriving after I stepped down)
        if self.role is not Role.FOLLOWER and ballot > self.ballot:
            self._step_down(ballot)
        if self.role is Role.FOLLOWER:
            if leader != self.leader:
                self._drop_forwarded(leader)
            self.leader, self.leader_ballot = leader, ballot
            self._leader_heard_at = self.now
            self._election_at = self._election_deadline()
            self._prevote_round, self._prevotes = 0, set()

    # --- heartbeats, commit, reads ----------------------------------------------------------

    def _heartbeat(self) -> None:
        self._commit_sent = max(self._commit_sent, self.applied_slot)
        self._round += 1
        self._heartbeat_at = self.now + self.options.heartbeat_ticks
        for node in self.others:
            self._send(node, Heartbeat(self.ballot, self.applied_slot, self._round, self._settled))
        for node in self.departing:
            self._send(node, Heartbeat(self.ballot, self.applied_slot, self._round, self._settled))
        self._confirm_reads(self._round, self.id)

    def _announce_commit(self, first: Collection[int] = ()) -> None:
        """As leader, tell the others at once how far the slots are decided, before I apply
        them (`send_now`): a follower that forwarded a client's write replies when it applied
        it, and need not wait for my own apply and the next flush. `first`: whom to tell
        first (the forwarders of the slot just decided, which have clients waiting)."""
        commit = self.applied_slot
        while commit + 1 in self.chosen:
            commit += 1
        if commit <= self._commit_sent:
            return
        self._commit_sent = commit
        message = Commit(self.ballot, commit)
        nodes = [*self.others, *self.departing]
        for node in sorted(nodes, key=lambda node: node not in first):
            if self._send_now is not None:
                self._send_now(node, message)
            else:
                self._send(node, message)

    def _on_commit(self, sender: int, commit: Commit) -> None:
        self._note_round(commit.ballot)
        if commit.ballot < self.promised and not self.recovering:
            self._send(sender, Reject(self.promised))
            return
        self._follow(sender, commit.ballot)
        self._learn_commit(sender, commit.ballot, commit.commit)

    def _on_heartbeat(self, sender: int, heartbeat: Heartbeat) -> None:
        self._note_round(heartbeat.ballot)
        if heartbeat.ballot < self.promised and not self.recovering:
            self._send(sender, Reject(self.promised))
            return
        self._follow(sender, heartbeat.ballot)
        self._learn_commit(sender, heartbeat.ballot, heartbeat.commit)
        self._settle(heartbeat.settled)
        if not self.recovering:
            ack = HeartbeatAck(heartbeat.ballot, heartbeat.round, self.applied_slot, self._settled)
            self._send(sender, ack)

    def _on_heartbeat_ack(self, sender: int, ack: HeartbeatAck) -> None:
        if sender in self.departing:
            if min(ack.commit, ack.settled) >= self.departing[sender][0]:
                del self.departing[sender]  # it knows it is out, for sure
            return
        if self.role is Role.LEADER and ack.ballot == self.ballot:
            self._heard_at[sender] = self.now
            if ack.commit > self._applied_by.get(sender, 0):
                self._applied_by[sender] = ack.commit
                self._settle()
            self._confirm_reads(ack.round, sender)

    def _confirm_reads(self, round_: int, node: int) -> None:
        """An ack of round r shows that `node` had promised nothing higher after every read of
        rounds <= r arrived."""
        for r, rr in self._read_rounds.items():
            if r <= round_:
                rr.acks.add(node)
        self._answer_reads()

    def _answer_reads(self) -> None:
        # A configuration that governs no slot past what I applied no longer matters: another
        # leader's decisions in its slots are applied here (and its members may be gone).
        live = self.membership.configs
        for r in sorted(self._read_rounds):
            rr = self._read_rounds[r]
            if not all(c.is_quorum(rr.acks) for c in rr.configs if c in live):
                break
            for node, nonce in rr.remote:  # the follower waits for its own state to get there
                self._send(node, ReadIndexReply(nonce, rr.index))
            rr.remote = []
            if self.applied_slot < rr.index:
                break
            self._answer(rr.reads)
            del self._read_rounds[r]
        # A follower's reads, in the order it asked for their index.
        self._answer(self._forwarder.answerable(self.applied_slot))

    # --- lease reads (options.lease_reads, `leases.py`) ----------------------------------

    def _ask_leases(self) -> None:
        """Ask every other voter for a lease, each heartbeat period (`lease_renew_ticks`) and on
        my first tick."""
        self._lease_at = self.now + (self.options.lease_renew_ticks or self.options.heartbeat_ticks)
        voters = frozenset().union(*(c.voters for c in self.membership.configs))
        if self.id in voters:
            stamp = self._clock()
            for node in sorted(voters - {self.id}):
                self._send(node, LeaseRequest(stamp, self.incarnation))

    def may_read_locally(self) -> bool:
        """May I answer a read from my own state now (`leases.py`)? Only if (1) I take part in
        every configuration that may govern a slot soon, and my leases' grantors (myself
        included) are a majority of each; (2) I have applied every slot they had voted in when
        they granted; (3) I have voted in, or received, no slot I have not applied yet."""
        leases = self._leases
        if leases is None or self.recovering or self.applied_slot < leases.need:
            return False
        voted = self._voted_slot > self.applied_slot
        if voted and Fault.LEASE_READ_WHILE_PENDING not in self._faults:
            return False
        received = any(slot > self.applied_slot for slot in self._received)
        if received and Fault.RECEIPT_NOT_PENDING not in self._faults:
            return False
        # (1), as the time until which it holds: it changes only with a grant or a configuration.
        key = (leases, leases.changes, self.membership.voter_sets)
        if self._quorum_key != key:
            self._quorum_key = key
            self._quorum_until = leases.quorum_until(self.id, self.membership.voter_sets)
        return self._clock() < self._quorum_until

    def _answer(self, reads: list[Read]) -> None:
        for read in reads:
            self._reply(read.client_id, read.seq, True, self.machine.query(read.query))

    def _learn_commit(self, leader: int, ballot: Ballot, commit: int) -> None:
        """The leader of `ballot` says every slot up to `commit` is decided. Where I voted in
        that ballot, my vote is the decided value; anything else I must ask for."""
        slot = self.applied_slot + 1
        while slot <= commit:
            if slot not in self.chosen:
                vote = self.votes.get(slot)
                if vote is None or vote.ballot != ballot:
                    vote = self._received.get(slot)
                if vote is None or vote.ballot != ballot:
                    self._request_catchup(leader)
                    break
                self._learn(slot, vote.value)
            slot += 1
        self._apply_decided()
        for slot in [slot for slot in self._received if slot <= self.applied_slot]:
            del self._received[slot]

    # --- catch-up -------------------------------------------------------------------------

    def _request_catchup(self, node: int, force: bool = False, until: int = 0) -> None:
        if force or self.now >= self._catchup_at:
            self._catchup_at = self.now + self.options.retry_ticks
            # Chunks of a snapshot go on from where they stopped, if `node` is sending them.
            slot, offset = self._transfer.position(node)
            self._send(node, CatchupRequest(self.applied_slot + 1, until, slot, offset))

    def _on_catchup_request(self, sender: int, request: CatchupRequest) -> None:
        if self.role is Role.LEADER:
            # A recovering replica waits for slots that some replica proposed or voted in; in
            # a quiet cluster nothing else would ever decide them, so close them with no-ops.
            # (Safe: this leader's phase 1 found no vote at or beyond next_slot.)
            last = min(request.until, self.next_slot + self.options.max_inflight)
            while (
                self.next_slot <= last and not self._deferred and self._may_propose(self.next_slot)
            ):
                self._propose(self.next_slot, NOOP)
                self.next_slot += 1
        options = self.options
        if request.first_slot < self.log_start:  # it needs my snapshot: the next chunk
            chunk = self._transfer.next_chunk(
                request, self.log_start, self._snapshot_to_send, options.message_bytes, self.now
            )
            self._send(sender, chunk)
            return
        limit, most = options.message_bytes, options.catchup_batch
        entries = entries_from(self.chosen, request.first_slot, limit, most)
        if entries:
            self._send(sender, Catchup(entries, self.applied_slot))

    def _on_catchup(self, sender: int, catchup: Catchup) -> None:
        for entry in catchup.entries:
            self._learn(entry.slot, entry.value)
        self._apply_decided()
        if self.applied_slot < catchup.commit:
            self._request_catchup(sender, force=True)

    def _on_snapshot_chunk(self, sender: int, chunk: SnapshotChunk) -> None:
        """Assemble a snapshot from its chunks, in order; install it once complete."""
        if chunk.slot <= self.applied_slot or not self._transfer.receive(sender, chunk, self.now):
            return  # nothing I lack, or not the piece I wait for (my next request names it)
        snapshot = self._transfer.take_complete()
        if snapshot is not None and snapshot.slot > self.applied_slot:
            self._restore(snapshot)
            self._effects.snapshot = (snapshot, self._live_records())
            self._apply_decided()
        self._request_catchup(sender, force=True)

    # --- recovery after losing the log's tail -------------------------------------------

    def _ask_status(self) -> None:
        self._status_nonce += 1
        self._status = {}
        self._status_at = self.now + self.options.retry_ticks
        for node in self.others:
            self._send(node, StatusRequest(self._status_nonce))
        self._try_rejoin()

    def _on_status_reply(self, sender: int, reply: StatusReply) -> None:
        if self.recovering and reply.nonce == self._status_nonce:
            self._status[sender] = reply
            self._try_rejoin()

    def _try_rejoin(self) -> None:
        if self._rejoin_at_slot is None:
            if len(self._status) < len(self.others):
                return
            promised = max([self.promised, *(r.promised for r in self._status.values())])
            if promised > self.promised:
                self._set_promised(promised)
            self._note_round(promised)
            self._rejoin_at_slot = max([0, *(r.max_slot for r in self._status.values())])
        if self.applied_slot >= self._rejoin_at_slot:
            self.recovering = False
            self._record(Recovering(False))
            self._election_at = self._election_deadline()
        elif self.leader:
            self._request_catchup(self.leader, until=self._rejoin_at_slot)

    # --- forwarding to the leader (options.forward) -------------------------------------------

    def _can_forward(self) -> bool:
        return self.options.forward and self.leader not in (0, self.id)

    def _on_forward(self, sender: int, forward: Forward) -> None:
        """Queue what a follower forwarded, once: it may have been decided or queued already
        (the follower replies to its client when it applies the command itself)."""
        if self.role is not Role.LEADER:
            return  # the follower gives up on it when it learns of the new leader
        for command in forward.commands:
            key = (command.client_id, command.seq)
            if key in self._waiting or key in self._forward_queued:
                continue
            if command_size(command) > self.options.max_command_bytes:
                continue  # its follower refuses it when it times out
            if self.sessions.lookup(command) is None:
                self._queue.append(command)
                self._forward_queued[key] = sender

    def _on_read_index_request(self, sender: int, request: ReadIndexRequest) -> None:
        if self.role is Role.LEADER:
            self._index_requests.append((sender, request.nonce))
        else:
            self._send(sender, ReadIndexReply(request.nonce, -1))

    def _on_read_index_reply(self, reply: ReadIndexReply) -> None:
        refused = self._forwarder.index_reply(reply)
        self._refuse([(r.client_id, r.seq) for r in refused], 0)
        self._answer_reads()

    def _drop_forwarded(self, hint: int = 0) -> None:
        """The leader changed: what went to the old one may or may not be decided. Tell the
        clients so (they decide whether to retry) rather than wait for it forever."""
        self._refuse(self._forwarder.drop(), hint)

    def _refuse(self, keys: list[tuple[int, int]], hint: int) -> None:
        for client_id, seq in keys:
            self._waiting.discard((client_id, seq))
            self._reply(client_id, seq, False, b"", leader=hint)

    def _max_slot(self) -> int:
        return max([self.applied_slot, self.next_slot - 1, *self.votes, *self.chosen])

    # --- learning and applying ------------------------------------------------------------

    def _learn(self, slot: int, value: Batch, ballot: Ballot | None = None) -> None:
        """Slot `slot` is decided: by me as leader of `ballot`, or as I was told."""
        if slot > self.applied_slot and slot not in self.chosen:
            self.chosen[slot] = value
            self._record(Chosen(Entry(slot, value)))
            self._event("learn", value, slot=slot, ballot=ballot)

    def _apply_decided(self) -> None:
        while self.applied_slot + 1 in self.chosen:
            slot = self.applied_slot + 1
            for command in self.chosen[slot]:
                result = self.sessions.lookup(command)
                if result is None:
                    result = self._apply(slot, command)
                    self.sessions.record(command, result)
                key = (command.client_id, command.seq)
                self._forward_queued.pop(key, None)
                self._forwarder.applied(key)
                if key in self._waiting:
                    self._waiting.discard(key)
                    if command.config is not None and result:
                        # Answered once the configuration governs (the old one's majority
                        # may go away then), as ZooKeeper answers a reconfig.
                        in_force = slot + self.membership.delay - 1
                        self._held.append((in_force, command.client_id, command.seq, result))
                    else:
                        self._reply(command.client_id, command.seq, True, result)
            self.votes.pop(slot, None)
            self.applied_slot = slot
            before = self.membership.ids
            self.membership.forget_before(slot + 1)
            if self.membership.ids is not before:  # configurations were forgotten
                left = set(before) - set(self.membership.ids) - {self.id}
                self.departing.update(dict.fromkeys(left, (slot, self.now)))
            if self._on_applied is not None:
                self._on_applied(slot)
        self._settle()
        self._answer_reads()
        if self.recovering and self._rejoin_at_slot is not None:
            self._try_rejoin()
        if self._snapshot_due():
            self._effects.snapshot_due = True

    def _settle(self, settled: int | None = None) -> None:
        """Learn how far a majority has applied (`settled`, from my leader; as leader, from
        the acks), and answer the membership changes whose configuration governs for sure."""
        if self.role is Role.LEADER:
            applied = sorted(
                (self.applied_slot if v == self.id else self._applied_by.get(v, 0))
                for v in self.voters
            )
            settled = applied[(len(applied) - 1) // 2]  # what a majority has applied
        if settled is not None and settled > self._settled:
            self._settled = settled
        done = min(self.applied_slot, self._settled)
        if self._held and self._held[0][0] <= done:
            for _, client_id, seq, result in (h for h in self._held if h[0] <= done):
                self._reply(client_id, seq, True, result)
            self._held = [h for h in self._held if h[0] > done]

    def _apply(self, slot: int, command: Command) -> bytes:
        """Apply a command new to this log (not a retry); b"" for a membership change that
        names a configuration no longer the latest (it has no effect)."""
        if command.config is not None:
            config = self.membership.adopt(slot, command.config, self.applied + 1)
            if config is None:
                return b""
            self._event("config", slot=slot, version=config.version)
            self._effects.config = self.membership.latest
        self.applied += 1
        return self.machine.apply(self.applied, command.op)

    def _snapshot_due(self) -> bool:
        every = self.options.snapshot_every
        return every > 0 and self.applied_slot - (self.log_start - 1) >= every

    def take_snapshot(self) -> Snapshot:
        """The applied state as it is now, for the driver to store when asked
        (`Effects.snapshot_due`). It only reads, so a forked copy of this process may take it
        while this one goes on (the server does: `impl.storage.background`)."""
        return self._snapshot()

    def snapshot_stored(self, slot: int) -> list[Record] | None:
        """A snapshot of `slot` (`take_snapshot`) is durable now: forget my log up to it. Returns
        the records to rewrite the log to (all it says beyond the snapshot), or None if there
        is nothing to forget (a newer snapshot was installed meanwhile)."""
        if slot <= self.log_start - 1 or slot > self.applied_slot:
            return None
        self._compact(slot)
        return self._live_records()

    def snapshot_now(self) -> tuple[Snapshot, list[Record]] | None:
        """`take_snapshot` and `snapshot_stored` at once, for a driver that stores the snapshot
        before it goes on: the snapshot and the records to rewrite the log to, or None if
        there is nothing to forget."""
        snapshot = self.take_snapshot()
        live = self.snapshot_stored(snapshot.slot)
        return None if live is None else (snapshot, live)

    def _snapshot_to_send(self) -> Snapshot:
        """A snapshot of at least my log's start, for a replica behind it."""
        stored = self._stored_snapshot() if self._stored_snapshot is not None else None
        if stored is not None and stored.slot == self.log_start - 1:
            return stored
        return self._snapshot()

    def _snapshot(self) -> Snapshot:
        return Snapshot(
            self.applied_slot,
            self.applied,
            self.machine.snapshot(),
            self.sessions.snapshot(),
            self.membership.encode(),
        )

    def _restore(self, snapshot: Snapshot) -> None:
        self.machine.restore(snapshot.state)
        self.sessions.restore(snapshot.sessions)
        if snapshot.membership:
            self.membership.restore(snapshot.membership)
            self._effects.config = self.membership.latest
        self.applied_slot, self.applied = snapshot.slot, snapshot.applied
        self._compact(snapshot.slot)

    def _compact(self, upto: int) -> None:
        self.log_start = upto + 1
        self.chosen = {s: v for s, v in self.chosen.items() if s > upto}
        self.votes = {s: v for s, v in self.votes.items() if s > upto}

    def _live_records(self) -> list[Record]:
        """Records that describe this replica's durable state beyond its snapshot."""
        records: list[Record] = [Promised(self.promised)]
        if self.recovering:
            records.append(Recovering(True))
        records += [Voted(v) for _, v in sorted(self.votes.items())]
        records += [Chosen(Entry(s, v)) for s, v in sorted(self.chosen.items())]
        return records

    # --- effects --------------------------------------------------------------------------

    def _event(
        self, name: str, value: Batch | None = None, early: bool = False, **params: Any
    ) -> None:
        """Report `name` (with `value` named by its `value_id`, which hashes the whole batch:
        only when events are on)."""
        if self.options.events:
            if value is not None:
                params["value"] = value_id(value)
            log = self._effects.early_events if early else self._effects.events
            log.append({"event": name, **params})

    def _record(self, record: Record) -> None:
        self._effects.records.append(record)

    def _send(self, node: int, message: PeerMessage) -> None:
        self._effects.messages.append((node, message))

    def _reply(self, client_id: int, seq: int, ok: bool, result: bytes, leader: int = -1) -> None:
        hint = self.leader if leader < 0 else leader
        reply = Reply(client_id, seq, ok, result, hint)
        if self._on_reply is not None:
            self._on_reply(reply)
        else:
            self._effects.replies.append(reply)
