"""Single-decree Paxos: deterministic acceptor, proposer and learner cores.

This is `spec/paxos.py` (Lamport's `Paxos.tla`) as code that runs. Each spec action is one
method, and its `require` is the method's guard:

    Phase1a(b)       Proposer.prepare(round)      b = (round, proposer's node id)
    Phase1b(a, b)    Acceptor.on_prepare(msg)     only if b > maxBal[a]
    Phase2a(b, v)    Proposer.on_promise(msg)     once a majority promised b; v as the spec says
    Phase2b(a, b, v) Acceptor.on_propose(msg)     only if b >= maxBal[a]
    chosen(v)        Learner.on_vote(msg)         a majority voted for v in one ballot

The messages are the spec's four record types (`Prepare` is 1a, `Promise` 1b, `Propose` 2a,
`Vote` 2b), plus `Nack`, which the spec lacks: an acceptor sends it instead of a 1b or 2b it
may not send, so the proposer learns of a higher ballot. It changes no state (a stuttering step).

Ballots are `(round, node id)` (see `impl.paxos.types`): each proposer owns the ballots with its
node id, so no two proposers run the same ballot. `NO_BALLOT` is the spec's bottom (-1).

The cores do no I/O. Each input is a method call and the outputs are return values. A `Step`
holds a durable record and messages, and the driver must *persist `Step.persist` (and fsync)
before sending `Step.send`*. A node restarts by building its core from its last persisted
record. Messages go:

    Prepare, Propose    to every acceptor
    Promise, Nack       to the proposer that owns the ballot: node `msg.ballot[1]`
    Vote                to every learner

Why the proposer persists its round: the spec allows one 2a message per ballot. Suppose a
proposer restarted and ran one of its old ballots again. The network could deliver it
duplicates of the promises its previous life collected for that ballot, and it could then
propose a second value in that ballot. `ProposerState` ensures that a proposer never starts
the same ballot twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import msgspec

from impl.paxos.faults import Fault
from impl.paxos.types import NO_BALLOT, Ballot

# --- messages: the spec's msgs, one struct per record type -----------------------------------


class Prepare(msgspec.Struct, frozen=True, array_like=True, tag="1a"):
    """Phase 1a: the owner of `ballot` asks the acceptors to join it."""

    ballot: Ballot


class Promise(msgspec.Struct, frozen=True, array_like=True, tag="1b"):
    """Phase 1b: `acceptor` joins `ballot`. It reports its last vote: its ballot `vbal` and its
    value `vval`. If it never voted, they are `NO_BALLOT` and None."""

    acceptor: int
    ballot: Ballot
    vbal: Ballot
    vval: bytes | None


class Propose(msgspec.Struct, frozen=True, array_like=True, tag="2a"):
    """Phase 2a: the owner of `ballot` asks the acceptors to vote for `value` in it."""

    ballot: Ballot
    value: bytes


class Vote(msgspec.Struct, frozen=True, array_like=True, tag="2b"):
    """Phase 2b: `acceptor` voted for `value` in `ballot`."""

    acceptor: int
    ballot: Ballot
    value: bytes


class Nack(msgspec.Struct, frozen=True, array_like=True, tag="nack"):
    """Not in the spec: `acceptor` refused the Prepare or Propose of `ballot` because it has
    promised `promised`. For a Prepare, `promised` >= `ballot`; for a Propose, it is higher."""

    acceptor: int
    ballot: Ballot
    promised: Ballot


Message = Prepare | Promise | Propose | Vote | Nack


# --- durable records -------------------------------------------------------------------------


class AcceptorState(msgspec.Struct, frozen=True, array_like=True, tag="acceptor"):
    """An acceptor's whole state: the spec's maxBal[a], maxVBal[a] and maxVal[a]. The acceptor
    persists all of it whenever it changes. `max_val` is None exactly when `max_vbal` is
    `NO_BALLOT`, which means the acceptor never voted."""

    max_bal: Ballot = NO_BALLOT
    max_vbal: Ballot = NO_BALLOT
    max_val: bytes | None = None


class ProposerState(msgspec.Struct, frozen=True, array_like=True, tag="proposer"):
    """The last round the proposer started (0: none yet). It never starts that round or a
    lower one again. This is why a restart cannot reuse a ballot; see the module docstring."""

    round: int = 0


Record = AcceptorState | ProposerState

encoder = msgspec.msgpack.Encoder()
message_decoder: msgspec.msgpack.Decoder[Message] = msgspec.msgpack.Decoder(Message)
record_decoder: msgspec.msgpack.Decoder[Record] = msgspec.msgpack.Decoder(Record)


@dataclass
class Step:
    """What a core asks of its driver: persist `persist` (if any), and only then send `send`."""

    persist: Record | None = None
    send: list[Message] = field(default_factory=list)


def majority(members: Iterable[int]) -> int:
    """The size of the smallest majority of `members`: any two such sets share a member."""
    return len(set(members)) // 2 + 1


# --- acceptor --------------------------------------------------------------------------------


class Acceptor:
    """Acceptor `node_id`. `state` None is a new acceptor. To restart one, pass the last
    `AcceptorState` it persisted: restarting it from None instead would make it forget its
    promises and votes, which breaks agreement (the tests show how)."""

    def __init__(
        self,
        node_id: int,
        state: AcceptorState | None = None,
        faults: frozenset[Fault] = frozenset(),
    ) -> None:
        self.node_id = node_id
        self.faults = faults
        self._state = state if state is not None else AcceptorState()
        if state is not None and Fault.FORGET_VOTES_ON_RESTART in faults:
            self._state = AcceptorState(state.max_bal)

    @property
    def state(self) -> AcceptorState:
        return self._state

    def on_prepare(self, msg: Prepare) -> Step:
        """Phase1b(a, b): promise ballot b if b > maxBal[a], reporting the last vote."""
        old = self._state
        if not msg.ballot > old.max_bal:
            return Step(send=[Nack(self.node_id, msg.ballot, promised=old.max_bal)])
        self._state = AcceptorState(msg.ballot, old.max_vbal, old.max_val)
        promise = Promise(self.node_id, msg.ballot, old.max_vbal, old.max_val)
        if Fault.UNPERSISTED_PROMISE in self.faults:
            return Step(send=[promise])
        return Step(self._state, [promise])

    def on_propose(self, msg: Propose) -> Step:
        """Phase2b(a, b, v): vote for v in ballot b if b >= maxBal[a]. As in the spec, no
        Promise for b is needed first. A duplicate Propose gets its Vote again, and since the
        state does not change, there is nothing new to persist."""
        old = self._state
        if msg.ballot == NO_BALLOT:  # the spec's bottom: no proposer owns it, no 2a is in it
            return Step()
        if not msg.ballot >= old.max_bal:
            return Step(send=[Nack(self.node_id, msg.ballot, promised=old.max_bal)])
        self._state = AcceptorState(msg.ballot, msg.ballot, msg.value)
        persist = self._state if self._state != old else None
        return Step(persist, [Vote(self.node_id, msg.ballot, msg.value)])


# --- proposer --------------------------------------------------------------------------------


class Proposer:
    """The proposer (leader) that owns the ballots `(round, node_id)`.

    Call `prepare(next_round())` to start a ballot. Then deliver the Promises and Nacks that
    come back. `value` is the value this proposer wants chosen; it may also be given later
    with `propose`. To restart the proposer, pass its last persisted `ProposerState`.
    """

    def __init__(
        self,
        node_id: int,
        acceptors: Iterable[int],
        value: bytes | None = None,
        state: ProposerState | None = None,
        faults: frozenset[Fault] = frozenset(),
    ) -> None:
        self.node_id = node_id
        self.faults = faults
        self.value = value
        self._acceptors = frozenset(acceptors)
        self._quorum = majority(self._acceptors)
        self._state = state if state is not None else ProposerState()
        self._highest_seen: Ballot = NO_BALLOT  # the highest ballot an acceptor told us about
        self._ballot: Ballot | None = None  # the ballot being run; None before the first one
        self._promises: dict[int, Promise] = {}  # this ballot's promises, by acceptor
        self._proposal: bytes | None = None  # the value proposed in this ballot, once sent

    @property
    def state(self) -> ProposerState:
        return self._state

    @property
    def ballot(self) -> Ballot | None:
        return self._ballot

    @property
    def proposal(self) -> bytes | None:
        """The value proposed in the current ballot; None until one is proposed."""
        return self._proposal

    def next_round(self) -> int:
        """A round above every round this proposer started and every round a Nack reported.
        Its ballot is above every ballot an acceptor is known to have promised."""
        return max(self._state.round, self._highest_seen[0]) + 1

    def prepare(self, round: int) -> Step:
        """Phase1a(b) for b = (round, node_id). This abandons the previous ballot. The round
        must be above every round this proposer started: a ballot is run once."""
        if round <= self._state.round:
            raise ValueError(
                f"round {round} is not above round {self._state.round}, started before"
            )
        self._state = ProposerState(round)
        owner = 0 if Fault.BALLOT_NOT_UNIQUE in self.faults else self.node_id
        self._ballot = (round, owner)
        self._promises = {}
        self._proposal = None
        return Step(self._state, [Prepare(self._ballot)])

    def on_promise(self, msg: Promise) -> list[Propose]:
        """Count a Promise for the current ballot. The one that completes a majority triggers
        Phase2a(b, v): a single Propose. Promises for other ballots, from unknown acceptors, or
        arriving after the Propose change nothing."""
        if msg.ballot != self._ballot or msg.acceptor not in self._acceptors:
            return []
        self._promises[msg.acceptor] = msg
        return self._try_propose()

    def on_nack(self, msg: Nack) -> None:
        """Note the higher ballot, so that `next_round()` goes above it. The current ballot goes
        on: the other acceptors may still form a majority."""
        self._highest_seen = max(self._highest_seen, msg.promised)

    def propose(self, value: bytes) -> list[Propose]:
        """Set the value this proposer wants chosen. If a majority already promised and
        reported no vote, this value is proposed now."""
        self.value = value
        return self._try_propose()

    def _try_propose(self) -> list[Propose]:
        if self._ballot is None or self._proposal is not None:
            return []
        if len(self._promises) < self._quorum:
            return []
        value = self._safe_value()
        if value is None:
            return []
        self._proposal = value
        return [Propose(self._ballot, value)]

    def _safe_value(self) -> bytes | None:
        """Phase2a's choice of v: the value of the highest-ballot vote that the promisers
        report. If they report none, v is our own value. (The spec's Q1bv.)

        A majority of promisers is enough. With more (after a late `propose`), take one
        majority that contains the highest vote's reporter; that vote is highest there too."""
        votes = [(p.vbal, p.vval) for p in self._promises.values() if p.vval is not None]
        if not votes or Fault.IGNORE_REPORTED_VOTES in self.faults:
            return self.value
        _, value = max(votes, key=lambda vote: vote[0])
        return value


# --- learner ---------------------------------------------------------------------------------


class Learner:
    """Learns the chosen value from Votes. A value is chosen once a majority of the acceptors
    voted for it in one ballot. A learner keeps nothing durable: a chosen value stays chosen
    whether or not a learner remembers it, so a restarted learner only has to hear the votes
    again."""

    def __init__(self, acceptors: Iterable[int], faults: frozenset[Fault] = frozenset()) -> None:
        self._acceptors = frozenset(acceptors)
        self._quorum = 1 if Fault.COMMIT_WITHOUT_MAJORITY in faults else majority(self._acceptors)
        self._voters: dict[tuple[Ballot, bytes], set[int]] = {}
        self._chosen: bytes | None = None

    @property
    def chosen(self) -> bytes | None:
        return self._chosen

    def on_vote(self, msg: Vote) -> bytes | None:
        """Count a Vote (duplicates count once). Returns the chosen value once known, else
        None."""
        if self._chosen is None and msg.acceptor in self._acceptors:
            voters = self._voters.setdefault((msg.ballot, msg.value), set())
            voters.add(msg.acceptor)
            if len(voters) >= self._quorum:
                self._chosen = msg.value
        return self._chosen
