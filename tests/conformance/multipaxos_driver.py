"""The conformance driver for spec/multipaxos.py and impl/'s Multi-Paxos replica.

Mapping: acceptor "aN" is replica N; spec ballot b is led by replica b mod n + 1, as impl
ballot (b + 1, that replica) — ranked as the spec's ballots are; spec slot s is impl slot s + 1;
value "vK" in slot s is the batch of one command (client K, seq s + 1), so every proposal is a
distinct command and none is deduplicated away.

The replicas never tick: the driver moves every message itself. What a replica produces waits
in its outbox until a spec step delivers (or, for a leader's Accepts, releases) it:
- phase1a(b): the leader of b campaigns (its Prepares, to itself too, wait in its outbox);
- phase1b(a, b): replica a gets the Prepare and must answer with a Promise;
- phase2a(b, s, v): the leader's Accept for slot s is released — after delivering to it the
  Promises of a quorum that shows v safe, if it does not lead yet, or after a client submits
  v, for a new slot; a leader that proposed another value there made another choice the spec
  allows (not followed), unless it did so with that very quorum (unexpected output);
- phase2b(a, b, s, v): replica a gets the released Accept and must answer Accepted;
- commit(s, b, v, q): the leader gets q's Accepted messages one at a time, and must decide the
  slot with the last of them, not before.
The abstraction reads acceptor state from each replica's durable records. The replica is more
deterministic than the spec (it proposes slots in order, opens with all reported slots at once,
and only its leader counts votes), so paths are replayed leniently: a spec step it does not
take ends the path, and the coverage says how much was followed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from checker.conformance import Driver, NotEnabled, UnexpectedOutput
from impl.paxos.durable import DurableState
from impl.paxos.faults import Fault
from impl.paxos.replica import Replica, ReplicaOptions, Role
from impl.paxos.types import (
    NO_BALLOT,
    Accept,
    Accepted,
    Ballot,
    Batch,
    Command,
    PeerMessage,
    Prepare,
    Promise,
    Record,
)
from impl.sm import kv
from impl.sm.kv import KeyValueStore


class MultiPaxosDriver(Driver):
    """Options: faults=NAME[,NAME...] switches on known bugs of the replica."""

    def __init__(self, params: Mapping[str, int], options: Mapping[str, str] | None = None) -> None:
        super().__init__(params, options)
        faults = frozenset(Fault(f) for f in self.options.get("faults", "").split(",") if f)
        self.n, self.slots = params["acceptors"], params["slots"]
        self.ids = list(range(1, self.n + 1))
        replica_options = ReplicaOptions(snapshot_every=0, max_batch=1, faults=faults)
        self.replicas = {
            i: Replica(i, self.ids, KeyValueStore(), None, replica_options, seed=i)
            for i in self.ids
        }
        self.disks: dict[int, list[Record]] = {i: [] for i in self.ids}
        self.outbox: dict[int, list[tuple[int, PeerMessage]]] = {i: [] for i in self.ids}
        self.spec_ballot: dict[Ballot, int] = {NO_BALLOT: -1}
        self.reports: dict[tuple[int, int], dict[int, tuple[int, str]]] = {}  # (a, b) -> 1b
        self.released: set[tuple[int, int, str]] = set()  # msg_2a
        self.accepted: set[tuple[int, int, int, str]] = set()  # msg_2b
        self.quorum_of: dict[int, tuple[int, ...]] = {}  # ballot -> the quorum it led with

    # --- spec actions ----------------------------------------------------------------------

    def phase1a(self, b: int) -> None:
        if b in self.spec_ballot.values():
            return  # its 1a again: a duplicate, nothing new
        leader = self._leader(b)
        self.replicas[leader].campaign(b + 1)
        self.spec_ballot[self.replicas[leader].ballot] = b
        self._flush(leader)

    def phase1b(self, a: str, b: int) -> None:
        node, leader = int(a[1:]), self._leader(b)
        prepare = self._find(leader, node, lambda m: isinstance(m, Prepare) and self._b(m) == b)
        if prepare is None:
            raise NotEnabled(f"no Prepare of ballot {b} waits for {a}")
        before = len(self.outbox[node])
        self._deliver(leader, node, prepare)
        promise = next(
            (m for to, m in self.outbox[node][before:] if isinstance(m, Promise) and to == leader),
            None,
        )
        if promise is None:
            raise NotEnabled(f"{a} does not promise ballot {b}")
        self.reports[(node, b)] = self._report(node, promise, prepare.first_slot)
        self._restart_if_follower(node)

    def phase2a(self, b: int, s: int, v: str) -> None:
        leader = self._leader(b)
        replica = self.replicas[leader]
        if not (replica.role is Role.LEADER and self._b_of(replica.ballot) == b):
            self._make_leader(b, s, v)
        proposed = self._proposed(leader, b, s)
        if proposed is None and s + 1 == replica.next_slot and replica.role is Role.LEADER:
            replica.on_request(self._command(v, s))
            self._flush(leader)
            proposed = self._proposed(leader, b, s)
        if proposed is None:
            raise NotEnabled(f"the leader of ballot {b} does not propose in slot {s} now")
        label = self._label(proposed)
        if label != v:
            quorum = self.quorum_of.get(b)
            if quorum != self._safe_quorum(b, s, v):
                raise NotEnabled(f"the leader of ballot {b} chose {label} in slot {s}, as it may")
            raise UnexpectedOutput(
                f"the leader of ballot {b} proposed {label} in slot {s}, but the promises of its "
                f"quorum {quorum} allow only {v} there"
            )
        self.released.add((b, s, v))

    def phase2b(self, a: str, b: int, s: int, v: str) -> None:
        node, leader = int(a[1:]), self._leader(b)
        accept = self._find(
            leader,
            node,
            lambda m: isinstance(m, Accept) and self._b(m) == b and m.slot == s + 1,
        )
        if accept is None or (b, s, v) not in self.released:
            raise NotEnabled(f"no released Accept ({b}, {s}, {v}) waits for {a}")
        before = len(self.outbox[node])
        self._deliver(leader, node, accept)
        if not any(isinstance(m, Accepted) for _, m in self.outbox[node][before:]):
            raise NotEnabled(f"{a} does not vote in ballot {b}")
        self.accepted.add((node, b, s, v))
        self._restart_if_follower(node)

    def commit(self, s: int, b: int, v: str, q: str) -> None:
        replica = self._vote_counter(b, s)
        if replica is None:
            return  # decided already: committing again changes nothing
        members = [int(x[1:]) for x in q.strip("{}").split(",")]
        for count, member in enumerate(members, start=1):
            self._deliver_vote(member, b, s)
            if s + 1 in replica.chosen and count < len(members) and count < self.n // 2 + 1:
                raise UnexpectedOutput(
                    f"the leader of ballot {b} decided slot {s} after {count} vote(s); a "
                    f"majority is {self.n // 2 + 1}"
                )
        if s + 1 not in replica.chosen:
            raise NotEnabled(f"the leader of ballot {b} did not decide slot {s}")

    # --- the abstraction -------------------------------------------------------------------

    def abstract(self) -> dict[str, Any]:
        votes = {i: self._votes(i) for i in self.ids}
        prepares = {
            self._b(m) for i in self.ids for _, m in self.outbox[i] if isinstance(m, Prepare)
        }
        committed = {
            (slot - 1, self._label(value))
            for r in self.replicas.values()
            for slot, value in r.chosen.items()
        }
        return {
            "max_bal": {f"a{i}": self._b_of(self._durable(i).promised) for i in self.ids},
            "max_vbal": {
                (f"a{i}", s): votes[i].get(s, (-1, "None"))[0]
                for i in self.ids
                for s in range(self.slots)
            },
            "max_val": {
                (f"a{i}", s): votes[i].get(s, (-1, "None"))[1]
                for i in self.ids
                for s in range(self.slots)
            },
            "msg_1a": prepares,
            "msg_1b": {
                (f"a{a}", b, s, *report.get(s, (-1, "None")))
                for (a, b), report in self.reports.items()
                for s in range(self.slots)
            },
            "msg_2a": self.released,
            "msg_2b": {(f"a{a}", b, s, v) for a, b, s, v in self.accepted},
            "committed": committed,
        }

    # --- helpers ---------------------------------------------------------------------------

    def _vote_counter(self, b: int, s: int) -> Replica | None:
        """The leader of ballot b, which counts the votes of slot s; None if it decided the
        slot already (NotEnabled if it no longer leads b)."""
        replica = self.replicas[self._leader(b)]
        if not (replica.role is Role.LEADER and self._b_of(replica.ballot) == b):
            raise NotEnabled(
                f"replica {replica.id} no longer leads ballot {b}: nobody counts votes"
            )
        if s + 1 in replica.chosen or s + 1 <= replica.applied_slot:
            return None
        return replica

    def _deliver_vote(self, member: int, b: int, s: int) -> None:
        """Hand the leader of ballot b acceptor `member`'s Accepted for slot s."""
        leader = self._leader(b)
        accepted = self._find(
            member,
            leader,
            lambda m: isinstance(m, Accepted) and self._b(m) == b and m.slot == s + 1,
        )
        if accepted is None:
            raise NotEnabled(f"a{member}'s vote for slot {s} never reached the leader")
        self._deliver(member, leader, accepted)

    def _leader(self, b: int) -> int:
        return b % self.n + 1

    def _b_of(self, ballot: Ballot) -> int:
        return self.spec_ballot.get(ballot, -2)

    def _b(self, message: Any) -> int:
        return self._b_of(message.ballot)

    @staticmethod
    def _command(v: str, s: int) -> Command:
        return Command(int(v[1:]), s + 1, 0, kv.encode("put", "k", v.encode()))

    @staticmethod
    def _label(value: Batch) -> str:
        return f"v{value[0].client_id}" if value else "noop"

    def _report(self, node: int, promise: Promise, first_slot: int) -> dict[int, tuple[int, str]]:
        """The spec's 1b of this Promise: the votes it reports, slot by slot. Slots it does not
        report (decided ones, which it names instead, and those below the leader's first open
        slot) are the acceptor's own record; a slot it reports nothing for had no vote."""
        report = {v.slot - 1: (self._b_of(v.ballot), self._label(v.value)) for v in promise.votes}
        unreported = {e.slot - 1 for e in promise.chosen} | set(range(first_slot - 1))
        own = self._votes(node)
        for s in unreported & own.keys():
            report.setdefault(s, own[s])
        return report

    def _durable(self, node: int) -> DurableState:
        return DurableState.load(None, self.disks[node])

    def _votes(self, node: int) -> dict[int, tuple[int, str]]:
        durable = self._durable(node)
        return {
            slot - 1: (self._b_of(vote.ballot), self._label(vote.value))
            for slot, vote in durable.votes.items()
        }

    def _restart_if_follower(self, node: int) -> None:
        """Crash and restart a replica that only serves as an acceptor: what it persisted is
        all it keeps. (A leader's or candidate's volatile state is what makes it lead.)"""
        replica = self.replicas[node]
        if replica.role is Role.FOLLOWER:
            self.replicas[node] = Replica(
                node, self.ids, KeyValueStore(), self._durable(node), replica.options, seed=node
            )

    def _flush(self, node: int) -> None:
        effects = self.replicas[node].flush()
        self.disks[node].extend(effects.records)
        self.outbox[node].extend(effects.early)
        self.outbox[node].extend(effects.messages)

    def _deliver(self, src: int, dst: int, message: PeerMessage) -> None:
        self.replicas[dst].on_message(src, message)
        self._flush(dst)

    def _find(self, src: int, dst: int, wanted: Any) -> Any:
        return next((m for to, m in self.outbox[src] if to == dst and wanted(m)), None)

    def _proposed(self, leader: int, b: int, s: int) -> Batch | None:
        accept = self._find(
            leader, leader, lambda m: isinstance(m, Accept) and self._b(m) == b and m.slot == s + 1
        )
        return None if accept is None else accept.value

    def _safe_quorum(self, b: int, s: int, v: str) -> tuple[int, ...] | None:
        """A majority that promised b and whose reported votes in slot s allow v."""
        promised = sorted(a for (a, ballot) in self.reports if ballot == b)
        for quorum in itertools.combinations(promised, self.n // 2 + 1):
            votes = [self.reports[(a, b)][s] for a in quorum if s in self.reports[(a, b)]]
            if not votes or max(votes)[1] == v:
                return quorum
        return None

    def _make_leader(self, b: int, s: int, v: str) -> None:
        quorum = self._safe_quorum(b, s, v)
        if quorum is None:
            raise NotEnabled(f"no quorum's promises for ballot {b} show {v} safe in slot {s}")
        leader = self._leader(b)
        for member in quorum:
            promise = self._find(
                member, leader, lambda m: isinstance(m, Promise) and self._b(m) == b
            )
            if promise is None:
                raise NotEnabled(f"a{member}'s promise for ballot {b} is missing")
            self._deliver(member, leader, promise)
        replica = self.replicas[leader]
        if not (replica.role is Role.LEADER and self._b_of(replica.ballot) == b):
            raise NotEnabled(f"replica {leader} does not lead ballot {b} with quorum {quorum}")
        self.quorum_of[b] = quorum
