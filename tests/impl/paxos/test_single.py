"""The single-decree Paxos cores (`impl/paxos/single.py`) against `spec/paxos.py`.

First, each core on its own. The acceptor's guards are the spec's, the proposer proposes what
Phase2a allows, and the learner counts as the spec's `chosen` does. Then the whole protocol: a
simulated cluster runs random schedules with delivery in any order, drops, duplicates, and
restarts from disk. No two values are ever chosen, and every vote is one the spec's invariant
allows. The harness can fail: if acceptors restart with empty memory, Hypothesis finds a
schedule in which two values are chosen. A scripted scenario shows why proposers persist their
round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from impl.paxos.single import (
    Acceptor,
    AcceptorState,
    Learner,
    Message,
    Nack,
    Prepare,
    Promise,
    Propose,
    Proposer,
    ProposerState,
    Record,
    Step,
    Vote,
    encoder,
    message_decoder,
    record_decoder,
)
from impl.paxos.types import NO_BALLOT, Ballot

ACCEPTORS = [1, 2, 3]
PROPOSERS = [11, 12, 13]
LEARNERS = [21, 22]
P = 11  # the proposer of the unit tests

R = TypeVar("R", AcceptorState, ProposerState)
M = TypeVar("M", Prepare, Promise, Propose, Vote, Nack)


def ballot(round: int, node: int = P) -> Ballot:
    return (round, node)


def sent(step: Step, kind: type[M]) -> M:
    """The one message `step` sends, which is a `kind`."""
    [msg] = step.send
    assert isinstance(msg, kind)
    return msg


def acceptor_at(max_bal: Ballot, vote: tuple[Ballot, bytes] | None = None) -> Acceptor:
    vbal, vval = vote if vote is not None else (NO_BALLOT, None)
    return Acceptor(1, AcceptorState(max_bal, vbal, vval))


# --- acceptor: Phase1b and Phase2b -----------------------------------------------------------


def test_acceptor_promises_a_higher_ballot_and_persists_it_first() -> None:
    step = Acceptor(1).on_prepare(Prepare(ballot(1)))
    assert step == Step(
        persist=AcceptorState(ballot(1), NO_BALLOT, None),
        send=[Promise(1, ballot(1), NO_BALLOT, None)],
    )


def test_a_promise_reports_the_last_vote() -> None:
    acceptor = acceptor_at(ballot(2), vote=(ballot(2), b"x"))
    step = acceptor.on_prepare(Prepare(ballot(3, 12)))
    assert step.send == [Promise(1, ballot(3, 12), vbal=ballot(2), vval=b"x")]
    assert step.persist == AcceptorState(ballot(3, 12), ballot(2), b"x") == acceptor.state


@pytest.mark.parametrize(
    "b", [ballot(2), ballot(1, 12), ballot(2, 5)], ids=["equal", "lower", "lower id"]
)
def test_no_promise_unless_the_ballot_is_above_max_bal(b: Ballot) -> None:
    """Phase1b requires b > maxBal[a]: a Prepare at or below max_bal gets a Nack, no Promise."""
    acceptor = acceptor_at(ballot(2))
    before = acceptor.state
    assert acceptor.on_prepare(Prepare(b)) == Step(persist=None, send=[Nack(1, b, ballot(2))])
    assert acceptor.state == before


@pytest.mark.parametrize(
    "b", [ballot(2), ballot(3), ballot(2, 12)], ids=["equal", "above", "higher id"]
)
def test_votes_at_or_above_max_bal(b: Ballot) -> None:
    """Phase2b requires b >= maxBal[a]; as in the spec, no Promise for b is needed first."""
    acceptor = acceptor_at(ballot(2))
    step = acceptor.on_propose(Propose(b, b"v"))
    assert step == Step(persist=AcceptorState(b, b, b"v"), send=[Vote(1, b, b"v")])
    assert acceptor.state == AcceptorState(b, b, b"v")


@pytest.mark.parametrize("b", [ballot(1), ballot(2, 5)], ids=["lower round", "lower id"])
def test_no_vote_below_max_bal(b: Ballot) -> None:
    acceptor = acceptor_at(ballot(2))
    before = acceptor.state
    assert acceptor.on_propose(Propose(b, b"v")) == Step(send=[Nack(1, b, ballot(2))])
    assert acceptor.state == before


def test_a_duplicate_propose_gets_its_vote_again_with_nothing_to_persist() -> None:
    acceptor = Acceptor(1)
    first = acceptor.on_propose(Propose(ballot(1), b"v"))
    again = acceptor.on_propose(Propose(ballot(1), b"v"))
    assert again == Step(persist=None, send=first.send)


def test_nobody_votes_in_no_ballot() -> None:
    assert Acceptor(1).on_propose(Propose(NO_BALLOT, b"v")) == Step()
    assert Acceptor(1).on_prepare(Prepare(NO_BALLOT)).send == [Nack(1, NO_BALLOT, NO_BALLOT)]


def spec_step(state: AcceptorState, msg: Prepare | Propose) -> tuple[AcceptorState, bool]:
    """Phase1b and Phase2b of spec/paxos.py for one acceptor: the state after the message, and
    whether the action is enabled (so that the acceptor sends its 1b or 2b)."""
    match msg:
        case Prepare(b) if b > state.max_bal:
            return AcceptorState(b, state.max_vbal, state.max_val), True
        case Propose(b, v) if b >= state.max_bal:
            return AcceptorState(b, b, v), True
    return state, False


ballots = st.tuples(st.integers(1, 3), st.sampled_from(PROPOSERS))
acceptor_inputs = st.lists(
    st.one_of(
        st.builds(Prepare, ballots), st.builds(Propose, ballots, st.sampled_from([b"x", b"y"]))
    )
)


@given(acceptor_inputs)
def test_acceptor_follows_the_spec_and_restarts_from_what_it_persisted(
    inputs: list[Prepare | Propose],
) -> None:
    acceptor, spec_state, disk = Acceptor(1), AcceptorState(), None
    for msg in inputs:
        step = acceptor.on_prepare(msg) if isinstance(msg, Prepare) else acceptor.on_propose(msg)
        spec_state, enabled = spec_step(spec_state, msg)
        assert acceptor.state == spec_state
        if enabled:
            assert len(step.send) == 1 and isinstance(step.send[0], Promise | Vote)
        else:
            assert step.persist is None and all(isinstance(m, Nack) for m in step.send)
        if step.persist is not None:
            disk = encoder.encode(step.persist)
        on_disk = record_decoder.decode(disk) if disk else None
        assert on_disk is None or isinstance(on_disk, AcceptorState)
        assert Acceptor(1, on_disk).state == acceptor.state, "the disk has the whole state"


# --- proposer: Phase1a and Phase2a -----------------------------------------------------------


def promise(acceptor: int, b: Ballot, vote: tuple[Ballot, bytes] | None = None) -> Promise:
    vbal, vval = vote if vote is not None else (NO_BALLOT, None)
    return Promise(acceptor, b, vbal, vval)


def test_prepare_persists_the_round_then_broadcasts_the_ballot() -> None:
    proposer = Proposer(P, ACCEPTORS, b"mine")
    assert proposer.next_round() == 1
    assert proposer.prepare(1) == Step(persist=ProposerState(1), send=[Prepare(ballot(1))])
    assert proposer.ballot == ballot(1) and proposer.next_round() == 2


def test_a_proposer_never_runs_a_round_twice_even_across_restarts() -> None:
    proposer = Proposer(P, ACCEPTORS, b"mine")
    proposer.prepare(3)
    with pytest.raises(ValueError, match="round 3"):
        proposer.prepare(3)
    restarted = Proposer(P, ACCEPTORS, b"mine", state=proposer.state)
    with pytest.raises(ValueError):
        restarted.prepare(2)
    assert restarted.next_round() == 4


def test_proposes_own_value_once_a_majority_of_distinct_acceptors_promised() -> None:
    proposer = Proposer(P, ACCEPTORS, b"mine")
    proposer.prepare(1)
    assert proposer.on_promise(promise(1, ballot(1))) == []
    assert proposer.on_promise(promise(1, ballot(1))) == [], "a duplicate is not a second promise"
    assert proposer.on_promise(promise(7, ballot(1))) == [], "7 is not an acceptor"
    assert proposer.on_promise(promise(2, ballot(1, 12))) == [], "another proposer's ballot"
    assert proposer.on_promise(promise(2, ballot(1))) == [Propose(ballot(1), b"mine")]
    assert proposer.on_promise(promise(3, ballot(1))) == [], "one Propose per ballot"
    assert proposer.proposal == b"mine"


def test_proposes_the_value_of_the_highest_reported_vote() -> None:
    proposer = Proposer(P, [1, 2, 3, 4, 5], b"mine")
    proposer.prepare(5)
    assert proposer.on_promise(promise(1, ballot(5), vote=(ballot(2, 12), b"old"))) == []
    assert proposer.on_promise(promise(2, ballot(5))) == []
    assert proposer.on_promise(promise(3, ballot(5), vote=(ballot(3, 12), b"newer"))) == [
        Propose(ballot(5), b"newer")
    ]


def test_same_round_higher_node_id_is_the_higher_vote() -> None:
    proposer = Proposer(P, ACCEPTORS, b"mine")
    proposer.prepare(5)
    proposer.on_promise(promise(1, ballot(5), vote=(ballot(3, 13), b"high")))
    assert proposer.on_promise(promise(2, ballot(5), vote=(ballot(3, 12), b"low"))) == [
        Propose(ballot(5), b"high")
    ]


def test_without_a_value_the_proposer_waits_for_one() -> None:
    proposer = Proposer(P, ACCEPTORS)
    proposer.prepare(1)
    proposer.on_promise(promise(1, ballot(1)))
    assert proposer.on_promise(promise(2, ballot(1))) == []
    assert proposer.propose(b"late") == [Propose(ballot(1), b"late")]
    assert proposer.propose(b"later") == [], "the ballot has its proposal"


def test_a_reported_vote_beats_the_value_given_later() -> None:
    proposer = Proposer(P, ACCEPTORS)
    proposer.prepare(1)
    proposer.on_promise(promise(1, ballot(1), vote=(ballot(0, 12), b"voted")))
    assert proposer.on_promise(promise(2, ballot(1))) == [Propose(ballot(1), b"voted")]


def test_a_new_ballot_ignores_the_promises_of_the_old_one() -> None:
    proposer = Proposer(P, ACCEPTORS, b"mine")
    proposer.prepare(1)
    proposer.on_promise(promise(1, ballot(1)))
    proposer.prepare(2)
    assert proposer.on_promise(promise(2, ballot(1))) == []
    assert proposer.on_promise(promise(2, ballot(2))) == []
    assert proposer.on_promise(promise(3, ballot(2))) == [Propose(ballot(2), b"mine")]


def test_a_nack_makes_the_next_round_go_above_the_promised_ballot() -> None:
    proposer = Proposer(P, ACCEPTORS, b"mine")
    proposer.prepare(1)
    proposer.on_nack(Nack(2, ballot(1), promised=ballot(7, 13)))
    proposer.on_nack(Nack(3, ballot(1), promised=ballot(4, 12)))
    assert proposer.next_round() == 8
    assert proposer.prepare(proposer.next_round()).send == [Prepare(ballot(8))]
    assert ballot(8) > ballot(7, 13)


# --- learner ---------------------------------------------------------------------------------


def test_learner_needs_a_majority_for_one_value_in_one_ballot() -> None:
    learner = Learner(ACCEPTORS)
    assert learner.on_vote(Vote(1, ballot(1), b"x")) is None
    assert learner.on_vote(Vote(1, ballot(1), b"x")) is None, "a duplicate counts once"
    assert learner.on_vote(Vote(9, ballot(1), b"x")) is None, "9 is not an acceptor"
    assert learner.on_vote(Vote(2, ballot(2), b"x")) is None, "votes in two ballots"
    assert learner.on_vote(Vote(3, ballot(1), b"y")) is None, "two values in one ballot"
    assert learner.on_vote(Vote(2, ballot(1), b"x")) == b"x"
    assert learner.chosen == b"x"
    assert learner.on_vote(Vote(3, ballot(3), b"z")) == b"x"


# --- wire and disk ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "msg",
    [
        Prepare(ballot(1)),
        promise(1, ballot(2)),
        promise(1, ballot(2), vote=(ballot(1), b"v")),
        Propose(ballot(2), b"v"),
        Vote(1, ballot(2), b"v"),
        Nack(1, ballot(2), ballot(3, 12)),
    ],
)
def test_messages_round_trip(msg: Message) -> None:
    assert message_decoder.decode(encoder.encode(msg)) == msg


@pytest.mark.parametrize(
    "record", [AcceptorState(), AcceptorState(ballot(3), ballot(2), b"v"), ProposerState(4)]
)
def test_records_round_trip(record: Record) -> None:
    assert record_decoder.decode(encoder.encode(record)) == record


# --- the whole protocol: a simulated cluster -------------------------------------------------

COLORS = {11: "red", 12: "green", 13: "blue"}


@dataclass
class Cluster:
    """3 acceptors, 2 or 3 proposers and 2 learners on a network that delays, reorders, drops
    and duplicates messages. A node restarts from what it persisted, except that with
    `forgetful_acceptors` an acceptor restarts from nothing: a broken disk, the negative control.

    Each proposer incarnation wants its own value ("red", then "red'" after a restart). The
    ghost variables `votes` and `proposals` are the spec's msg_2b and msg_2a: every Vote and
    Propose ever sent."""

    proposers_count: int = 3
    forgetful_acceptors: bool = False
    acceptors: dict[int, Acceptor] = field(init=False)
    proposers: dict[int, Proposer] = field(init=False)
    learners: dict[int, Learner] = field(init=False)
    disks: dict[int, bytes] = field(default_factory=dict)
    in_flight: list[tuple[int, Message]] = field(default_factory=list)
    votes: set[Vote] = field(default_factory=set)
    proposals: set[Propose] = field(default_factory=set)
    unsafe_votes: list[Vote] = field(default_factory=list)  # votes the spec's inv_voting forbids

    def __post_init__(self) -> None:
        self.acceptors = {a: Acceptor(a) for a in ACCEPTORS}
        self.proposers = {
            p: Proposer(p, ACCEPTORS, COLORS[p].encode()) for p in PROPOSERS[: self.proposers_count]
        }
        self.learners = {n: Learner(ACCEPTORS) for n in LEARNERS}

    # -- the schedule's steps

    def start(self, n: int) -> None:
        """A proposer starts a ballot above any it knows of."""
        p = list(self.proposers)[n % len(self.proposers)]
        self.carry_out(p, self.proposers[p].prepare(self.proposers[p].next_round()))

    def deliver(self, n: int, *, keep: bool = False) -> None:
        """Deliver the n-th message in flight. If `keep` is set, a copy stays in flight, to be
        delivered again later."""
        if self.in_flight:
            i = n % len(self.in_flight)
            to, msg = self.in_flight[i] if keep else self.in_flight.pop(i)
            self.receive(to, msg)

    def drop(self, n: int) -> None:
        if self.in_flight:
            self.in_flight.pop(n % len(self.in_flight))

    def restart(self, n: int) -> None:
        """Restart a node: its memory is lost, its disk is not (unless it is forgetful)."""
        nodes = [*ACCEPTORS, *self.proposers, *LEARNERS]
        node = nodes[n % len(nodes)]
        if node in self.acceptors:
            state = None if self.forgetful_acceptors else self.load(node, AcceptorState)
            self.acceptors[node] = Acceptor(node, state)
        elif node in self.proposers:
            value = (self.proposers[node].value or b"") + b"'"
            self.proposers[node] = Proposer(node, ACCEPTORS, value, self.load(node, ProposerState))
        else:
            self.learners[node] = Learner(ACCEPTORS)

    def heal(self) -> None:
        """Deliver everything in flight, oldest first, until the network is quiet."""
        while self.in_flight:
            self.receive(*self.in_flight.pop(0))

    # -- the plumbing

    def receive(self, to: int, msg: Message) -> None:
        match msg:
            case Prepare():
                self.carry_out(to, self.acceptors[to].on_prepare(msg))
            case Propose():
                self.carry_out(to, self.acceptors[to].on_propose(msg))
            case Promise():
                self.send(self.proposers[to].on_promise(msg))
            case Nack():
                self.proposers[to].on_nack(msg)
            case Vote():
                self.learners[to].on_vote(msg)

    def carry_out(self, node: int, step: Step) -> None:
        """The driver's rule: persist, then send."""
        if step.persist is not None:
            self.disks[node] = encoder.encode(step.persist)
        self.send(step.send)

    def send(self, messages: Iterable[Message]) -> None:
        for msg in messages:
            match msg:
                case Prepare() | Propose():
                    to = ACCEPTORS
                case Promise() | Nack():
                    to = [msg.ballot[1]]
                case Vote():
                    to = LEARNERS
            self.note(msg)
            self.in_flight.extend((node, msg) for node in to)

    def note(self, msg: Message) -> None:
        """Update the ghost variables. Check each new vote against the spec's invariant at once:
        `safe_at` only ever turns from false to true, so the moment of the vote is the moment
        to check it."""
        if isinstance(msg, Propose):
            self.proposals.add(msg)
        if isinstance(msg, Vote) and msg not in self.votes:
            self.votes.add(msg)
            if not self.safe_at(msg.ballot, msg.value):
                self.unsafe_votes.append(msg)

    def load(self, node: int, kind: type[R]) -> R | None:
        if node not in self.disks:
            return None
        record = record_decoder.decode(self.disks[node])
        assert isinstance(record, kind)
        return record

    # -- what happened

    def chosen(self) -> set[bytes]:
        """Every value the spec's `chosen` holds for: a majority voted for it in one ballot."""
        voters: dict[tuple[Ballot, bytes], set[int]] = defaultdict(set)
        for vote in self.votes:
            voters[vote.ballot, vote.value].add(vote.acceptor)
        return {value for (_, value), who in voters.items() if len(who) >= 2}

    def safe_at(self, b: Ballot, v: bytes) -> bool:
        """The spec's `safe_at(b, v)` (Voting's SafeAt): no value but v is or can ever be chosen
        in a ballot below b. For each ballot c < b, a majority of the acceptors each voted
        for v in c, or promised above c and did not vote in c."""
        voted: dict[tuple[int, Ballot], set[bytes]] = defaultdict(set)
        for vote in self.votes:
            voted[vote.acceptor, vote.ballot].add(vote.value)

        def vouches(a: int, c: Ballot) -> bool:
            in_c = voted.get((a, c), set())
            return v in in_c or (self.acceptors[a].state.max_bal > c and not in_c)

        below_b = [(r, p) for r in range(b[0] + 1) for p in PROPOSERS if (r, p) < b]
        return all(sum(vouches(a, c) for a in ACCEPTORS) >= 2 for c in below_b)

    def learned(self) -> set[bytes]:
        return {learner.chosen for learner in self.learners.values() if learner.chosen is not None}

    def ballots_with_two_proposals(self) -> set[Ballot]:
        seen: dict[Ballot, bytes] = {}
        return {p.ballot for p in self.proposals if seen.setdefault(p.ballot, p.value) != p.value}


# A schedule: how many proposers, then the steps. Each step is (what, n): n picks the proposer,
# message or node, modulo how many there are. Deliveries come first and are the most frequent
# steps, so that Hypothesis shrinks toward schedules that only deliver messages. Bugs need
# several ballots to interleave, which takes tens of steps: hence the minimum length.
STEPS = ["deliver", "deliver", "deliver", "deliver", "duplicate", "drop", "start", "restart"]
schedules = st.tuples(
    st.integers(2, 3),
    st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 63)), min_size=20, max_size=80),
)
Schedule = tuple[int, list[tuple[str, int]]]


def run(schedule: Schedule, *, forgetful_acceptors: bool = False) -> Cluster:
    proposers_count, steps = schedule
    cluster = Cluster(proposers_count, forgetful_acceptors)
    for what, n in steps:
        match what:
            case "start":
                cluster.start(n)
            case "deliver":
                cluster.deliver(n)
            case "duplicate":
                cluster.deliver(n, keep=True)
            case "drop":
                cluster.drop(n)
            case "restart":
                cluster.restart(n)
    cluster.heal()
    return cluster


def test_without_faults_the_first_proposer_gets_its_value_chosen() -> None:
    cluster = run((2, [("start", 0)]))
    assert cluster.chosen() == cluster.learned() == {b"red"}


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules)
def test_a_chosen_value_stays_chosen(schedule: Schedule) -> None:
    """Agreement under any schedule: at most one value is chosen, and learners learn only that
    one. Checking at the end is enough: a sent vote stays sent, so `chosen` only grows."""
    cluster = run(schedule)
    assert len(cluster.chosen()) <= 1, cluster.chosen()
    assert cluster.learned() <= cluster.chosen()
    assert not cluster.ballots_with_two_proposals()
    assert not cluster.unsafe_votes


def test_the_harness_finds_disagreement_if_acceptors_forget_their_state() -> None:
    """Negative control: if an acceptor restarts with empty memory, it forgets its promises
    and its votes, and the harness finds two values chosen. The schedule it finds is safe when
    the acceptors restart from their disks.

    Hypothesis needs about a hundred schedules to find one; the agreement test above tries
    500. Shrinking is skipped because it takes seconds. (A shrunk schedule still has 20 steps.)"""
    schedule = find(
        schedules,
        lambda s: len(run(s, forgetful_acceptors=True).chosen()) > 1,
        settings=settings(
            max_examples=2000, database=None, derandomize=True, phases=[Phase.generate]
        ),
    )
    assert len(run(schedule, forgetful_acceptors=True).chosen()) == 2
    assert len(run(schedule).chosen()) <= 1


def test_a_proposer_that_forgot_its_round_could_choose_a_second_value() -> None:
    """Why `ProposerState` exists. A proposer gets b"red" chosen in ballot (1, P) and restarts,
    and its clients now want b"blue". The network then delivers the two promises for (1, P)
    again. A proposer that lost its round runs (1, P) again, takes those duplicates for new
    promises, and gets b"blue" chosen in the same ballot. Random schedules rarely line this
    up, so here it is, step by step."""
    acceptors = {a: Acceptor(a) for a in ACCEPTORS}
    proposer = Proposer(P, ACCEPTORS, b"red")
    prepare = sent(proposer.prepare(1), Prepare)
    promises = [sent(acceptors[a].on_prepare(prepare), Promise) for a in (1, 2)]
    [propose] = [msg for promise in promises for msg in proposer.on_promise(promise)]
    first = Learner(ACCEPTORS)
    for a in (1, 2):
        first.on_vote(sent(acceptors[a].on_propose(propose), Vote))
    assert first.chosen == b"red"

    restarted = Proposer(P, ACCEPTORS, b"blue", state=proposer.state)
    restarted.prepare(restarted.next_round())
    assert restarted.ballot == ballot(2)
    assert [msg for promise in promises for msg in restarted.on_promise(promise)] == []

    forgetful = Proposer(P, ACCEPTORS, b"blue")
    forgetful.prepare(forgetful.next_round())
    assert forgetful.ballot == ballot(1)
    [again] = [msg for promise in promises for msg in forgetful.on_promise(promise)]
    assert again == Propose(ballot(1), b"blue"), "a second value in one ballot"
    second = Learner(ACCEPTORS)
    for a in (1, 2):
        second.on_vote(sent(acceptors[a].on_propose(again), Vote))
    assert second.chosen == b"blue"
