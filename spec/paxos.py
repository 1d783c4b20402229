"""Lamport's single-decree Paxos, transcribed from `Paxos.tla` (tlaplus/Examples).

The TLA+ spec keeps one set `msgs` of records of four types; here each message type is a
relation whose columns are the record's fields, so `msgs` is the union of `msg_1a` ... `msg_2b`.
Ballots are `0..max_ballot` with bottom -1; values have bottom None. An existential over a
message in TLA+ (`\\E m \\in msgs : m.type = "1a" /\\ ...`) becomes an action parameter for the
message's fields, so the enabled action instances are exactly TLA+'s enabled steps.

With 3 acceptors, 2 values and majority quorums TLC reports 3,921 distinct states (depth 17) for
max_ballot=1 and 185,369 (depth 25) for max_ballot=2; 443 and 17,153 under symmetry.
"""

from __future__ import annotations

from checker import (
    Function,
    MajorityQuorums,
    Message,
    OrderedSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    exists,
    forall,
    implies,
    invariant,
    ite,
    require,
    well_typed,
)
from checker.lang import SymFormula, SymTerm


class Paxos(Spec):
    """Single-decree Paxos without explicit leaders or learners (Lamport, `Paxos.tla`)."""

    # Golden counts (TLC's): `check` fails when the spec drifts from them.
    expected_states = {"max_ballot=1": 3921, "max_ballot=2": 185369, "max_ballot=3": 8220065}

    acceptors = Param(3, doc="number of acceptors")
    values = Param(2, doc="number of proposable values")
    max_ballot = Param(2, doc="ballots are 0..max_ballot")

    acceptor = Sort(acceptors, symmetric=True, labels="a")
    value = Sort(values, symmetric=True, bottom="None", labels="v")
    ballot = OrderedSort(max_ballot + 1, bottom=-1)
    quorum = MajorityQuorums(acceptor)

    # <<maxVBal[a], maxVal[a]>> is the vote with the largest ballot cast by a, or <<-1, None>>.
    max_bal = Function(acceptor, ballot.or_bottom, init=ballot.bottom)
    max_vbal = Function(acceptor, ballot.or_bottom, init=ballot.bottom)
    max_val = Function(acceptor, value.or_bottom, init=value.bottom)

    # msgs, split by message type: [type |-> "1b", acc, bal, mbal, mval] is msg_1b(acc, bal, mbal, mval).
    # For message-sequence charts: the leader of ballot b sends 1a and 2a to every acceptor;
    # an acceptor sends its 1b and 2b to the leader of the ballot.
    msg_1a = Relation(ballot, message=Message(sender=0, to=acceptor))
    msg_1b = Relation(
        acceptor, ballot, ballot.or_bottom, value.or_bottom, message=Message(sender=0, to=1)
    )
    msg_2a = Relation(ballot, value, message=Message(sender=0, to=acceptor))
    msg_2b = Relation(acceptor, ballot, value, message=Message(sender=0, to=1))

    @action
    def phase1a(self, b: ballot) -> None:
        """The leader of ballot b begins it by sending a 1a message."""
        self.msg_1a.insert(b)

    @action
    def phase1b(self, a: acceptor, b: ballot) -> None:
        """Acceptor a answers the 1a message of ballot b if b is above every ballot it has seen."""
        require(self.msg_1a(b) & (b > self.max_bal(a)))
        self.max_bal[a] = b
        self.msg_1b.insert(a, b, self.max_vbal(a), self.max_val(a))

    @action
    def phase2a(self, b: ballot, v: value) -> None:
        """The leader of ballot b proposes v, which a quorum's 1b messages show to be safe."""
        require(~exists(self.value, lambda w: self.msg_2a(b, w)))
        require(exists(self.quorum, lambda q: self.shows_safe_1b(q, b, v)))
        self.msg_2a.insert(b, v)

    def shows_safe_1b(self, q: SymTerm, b: SymTerm, v: SymTerm) -> SymFormula:
        """Phase2a's LET Q1b/Q1bv: every member of q sent a 1b for b, and v is the value of the
        highest-ballot vote they report (or none of them reports a vote)."""
        ballot, value, acceptor = self.ballot.or_bottom, self.value.or_bottom, self.acceptor

        def q1bv(a: SymTerm, mb: SymTerm, mv: SymTerm) -> SymFormula:
            return self.quorum.member(a, q) & self.msg_1b(a, b, mb, mv) & (mb != self.ballot.bottom)

        every_member_answered = forall(
            acceptor,
            lambda a: implies(
                self.quorum.member(a, q),
                exists(ballot, value, lambda mb, mv: self.msg_1b(a, b, mb, mv)),
            ),
        )
        no_votes = ~exists(acceptor, ballot, value, q1bv)
        v_is_highest = exists(
            acceptor,
            ballot,
            lambda a, mb: (
                q1bv(a, mb, v)
                & forall(
                    acceptor,
                    ballot,
                    value,
                    lambda a2, mb2, mv2: implies(q1bv(a2, mb2, mv2), mb >= mb2),
                )
            ),
        )
        return every_member_answered & (no_votes | v_is_highest)

    @action
    def phase2b(self, a: acceptor, b: ballot, v: value) -> None:
        """Acceptor a votes for the 2a message (b, v) unless it promised a higher ballot."""
        require(self.msg_2a(b, v) & (b >= self.max_bal(a)))
        self.max_bal[a] = b
        self.max_vbal[a] = b
        self.max_val[a] = v
        self.msg_2b.insert(a, b, v)

    # -- properties ----------------------------------------------------------------------------

    def voted_for(self, a: SymTerm, b: SymTerm, v: SymTerm) -> SymFormula:
        """The refinement mapping to Voting: votes[a] is the set of 2b messages a sent."""
        return self.msg_2b(a, b, v)

    def chosen(self, v: SymTerm) -> SymFormula:
        return exists(
            self.ballot,
            self.quorum,
            lambda b, q: forall(
                self.acceptor, lambda a: implies(self.quorum.member(a, q), self.voted_for(a, b, v))
            ),
        )

    @invariant
    def type_ok(self) -> SymFormula:
        """TypeOK: every function holds a value of its type (relations are typed by their sorts)."""
        return well_typed()

    @invariant
    def agreement(self) -> SymFormula:
        """No two different values are chosen."""
        return forall(
            self.value,
            self.value,
            lambda v1, v2: implies(self.chosen(v1) & self.chosen(v2), v1 == v2),
        )

    @invariant
    def inv_acceptors(self) -> SymFormula:
        """Inv, second conjunct: an acceptor's last vote is one of its 2b messages."""
        return forall(
            self.acceptor,
            lambda a: ite(
                self.max_vbal(a) == self.ballot.bottom,
                self.max_val(a) == self.value.bottom,
                self.msg_2b(a, self.max_vbal(a), self.max_val(a)),
            ),
        )

    @invariant
    def inv_messages(self) -> SymFormula:
        """Inv, third conjunct: what 1b and 2a messages imply."""
        ballot, value = self.ballot, self.value
        one_b = forall(
            self.acceptor,
            ballot,
            ballot.or_bottom,
            value.or_bottom,
            lambda a, b, mb, mv: implies(
                self.msg_1b(a, b, mb, mv),
                (self.max_bal(a) >= b) & implies(mb != ballot.bottom, self.voted_for(a, mb, mv)),
            ),
        )
        two_a = forall(
            ballot,
            value,
            lambda b, v: implies(
                self.msg_2a(b, v),
                exists(self.quorum, lambda q: self.shows_safe_at(q, b, v))
                & forall(value, lambda w: implies(self.msg_2a(b, w), w == v)),
            ),
        )
        return one_b & two_a

    def shows_safe_at(self, q: SymTerm, b: SymTerm, v: SymTerm) -> SymFormula:
        """Voting's ShowsSafeAt(Q, b, v) under the refinement mapping."""
        ballot, acceptor = self.ballot, self.acceptor

        def member(a: SymTerm) -> SymFormula:
            return self.quorum.member(a, q)

        return forall(acceptor, lambda a: implies(member(a), self.max_bal(a) >= b)) & exists(
            ballot.or_bottom,
            lambda c: (
                (c < b)
                & implies(
                    c != ballot.bottom,
                    exists(acceptor, lambda a: member(a) & self.voted_for(a, c, v)),
                )
                & forall(
                    ballot,
                    acceptor,
                    lambda d, a: implies((c < d) & (d < b) & member(a), self.did_not_vote_at(a, d)),
                )
            ),
        )

    def did_not_vote_at(self, a: SymTerm, b: SymTerm) -> SymFormula:
        return forall(self.value, lambda v: ~self.voted_for(a, b, v))

    def safe_at(self, b: SymTerm, v: SymTerm) -> SymFormula:
        """Voting's SafeAt(b, v): no value other than v is or can be chosen below ballot b."""
        return forall(
            self.ballot,
            lambda c: implies(
                c < b,
                exists(
                    self.quorum,
                    lambda q: forall(
                        self.acceptor,
                        lambda a: implies(
                            self.quorum.member(a, q),
                            self.voted_for(a, c, v)
                            | ((self.max_bal(a) > c) & self.did_not_vote_at(a, c)),
                        ),
                    ),
                ),
            ),
        )

    @invariant
    def inv_voting(self) -> SymFormula:
        """Inv, fourth conjunct: Voting's Inv (VotesSafe and OneValuePerBallot) under the mapping."""
        votes_safe = forall(
            self.acceptor,
            self.ballot,
            self.value,
            lambda a, b, v: implies(self.voted_for(a, b, v), self.safe_at(b, v)),
        )
        one_value_per_ballot = forall(
            self.acceptor,
            self.acceptor,
            self.ballot,
            self.value,
            self.value,
            lambda a1, a2, b, v1, v2: implies(
                self.voted_for(a1, b, v1) & self.voted_for(a2, b, v2), v1 == v2
            ),
        )
        return votes_safe & one_value_per_ballot
