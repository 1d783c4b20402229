"""ACP_SB: the atomic commitment protocol with a simple broadcast (Babaoglu and Toueg, in
Mullender's Distributed Systems, 1993), ported from tlaplus/Examples.

TLA+ module: specifications/acp/ACP_SB.tla, model ACP_SB_TLC.tla
TLC model:   specifications/acp/ACP_SB_TLC.cfg (participants = {p0, p1, p2}, SPECIFICATION Spec,
             no properties checked (AC1 AC2 AC3_1 AC4_alt and the rest are commented out),
             CHECK_DEADLOCK FALSE, no symmetry).
TLC's counts (manifest): 54,944 distinct states, depth 21; 2 participants: 1,832, depth 15
(TLC 2.19).

Encoding:
- participant[i], a record [vote, alive, decision, faulty, voteSent], is one symbol per field:
  functions `vote(i)` and `decision(i)`, relations `alive(i)`, `faulty(i)`, `vote_sent(i)`.
- coordinator, a record [request, vote, broadcast, decision, alive, faulty], is the relation
  `request(i)`, the functions `coord_vote(i)` and `broadcast(i)`, the individual
  `coord_decision`, and the nullary relations `coord_alive`, `coord_faulty`.
- The model values become three sorts: `ballot` = {waiting, yes, no} (the coordinator's view of
  a vote; a participant's own vote is one of yes and no, which Init's require states),
  `decision_` = {undecided, commit, abort} and `bcast` = {notsent, commit, abort}; `decide`
  copies a broadcast into a decision through the commit/abort correspondence.
- Init: every participant's vote is arbitrary (yes or no); everything else has its one value
  (`alive` and `coord_alive` are declared `init=True`, every tuple: the port that found the
  explicit engines starting such relations empty).
- The safety properties the SB model leaves commented out (AC1, AC2, AC3_1 as invariants, AC4_alt
  as an action property) are checked here all the same: the file says they hold, and they do;
  they do not change the count. TypeInv holds by construction (`well_typed()`). Deadlock is not
  checked (CHECK_DEADLOCK FALSE). The liveness properties AC3_2 and AC5, and ACP_SB's
  fairness, are not declared here: this model's .cfg checks neither (AC5, which ACP_SB does
  not satisfy, is among its "invalid" properties). ACP_NB_TLC.cfg checks both: they are
  declared, with fairnessNB, in spec/tlaplus/acp_nb.py.
"""

from checker import (
    Function,
    Individual,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    action_property,
    arbitrary,
    exists,
    forall,
    implies,
    init,
    invariant,
    ite,
    require,
    well_typed,
)


class AcpSb(Spec):
    expected_states = {"": 54944, "n=2": 1832}  # TLC
    expected_depth = 21

    n = Param(3, doc="|participants|")

    part = Sort(n, labels="p")
    ballot = Sort(3, labels=("waiting", "yes", "no"))
    decision_ = Sort(3, labels=("undecided", "commit", "abort"))
    bcast = Sort(3, labels=("notsent", "commit", "abort"))

    # participant[i]
    vote = Function(part, ballot, init=arbitrary)
    alive = Relation(part, init=True)
    decision = Function(part, decision_, init=decision_["undecided"])
    faulty = Relation(part)
    vote_sent = Relation(part)
    # coordinator
    request = Relation(part)
    coord_vote = Function(part, ballot, init=ballot["waiting"])
    broadcast = Function(part, bcast, init=bcast["notsent"])
    coord_decision = Individual(decision_, init=decision_["undecided"])
    coord_alive = Relation(init=True)
    coord_faulty = Relation()

    @init
    def start(self) -> None:
        require(forall(self.part, lambda i: self.vote(i) != self.ballot["waiting"]))

    def dec(self, name):
        return self.decision_[name]

    def sent(self, b):
        """The decision a broadcast value (commit or abort) stands for."""
        return ite(b == self.bcast["commit"], self.dec("commit"), self.dec("abort"))

    # -- coordinator statements ---------------------------------------------------------------
    def requested_all(self):
        return forall(self.part, lambda j: self.request(j))

    @action
    def request_vote(self, i: part) -> None:
        """request(i)."""
        require(self.coord_alive() & ~self.request(i))
        self.request.insert(i)

    @action
    def get_vote(self, i: part) -> None:
        require(
            self.coord_alive()
            & (self.coord_decision == self.dec("undecided"))
            & self.requested_all()
            & (self.coord_vote(i) == self.ballot["waiting"])
            & self.vote_sent(i)
        )
        self.coord_vote[i] = self.vote(i)

    @action
    def detect_fault(self, i: part) -> None:
        require(
            self.coord_alive()
            & (self.coord_decision == self.dec("undecided"))
            & self.requested_all()
            & (self.coord_vote(i) == self.ballot["waiting"])
            & ~self.alive(i)
            & ~self.vote_sent(i)
        )
        self.coord_decision = self.dec("abort")

    def can_decide(self):
        return (
            self.coord_alive()
            & (self.coord_decision == self.dec("undecided"))
            & forall(self.part, lambda j: self.coord_vote(j) != self.ballot["waiting"])
        )

    @action
    def make_decision_commit(self) -> None:
        require(self.can_decide())
        require(forall(self.part, lambda j: self.coord_vote(j) == self.ballot["yes"]))
        self.coord_decision = self.dec("commit")

    @action
    def make_decision_abort(self) -> None:
        require(self.can_decide())
        require(exists(self.part, lambda j: self.coord_vote(j) == self.ballot["no"]))
        self.coord_decision = self.dec("abort")

    @action
    def coord_broadcast(self, i: part) -> None:
        require(
            self.coord_alive()
            & (self.coord_decision != self.dec("undecided"))
            & (self.broadcast(i) == self.bcast["notsent"])
        )
        self.broadcast[i] = ite(
            self.coord_decision == self.dec("commit"), self.bcast["commit"], self.bcast["abort"]
        )

    @action
    def coord_die(self) -> None:
        require(self.coord_alive())
        self.coord_alive.remove()
        self.coord_faulty.insert()

    # -- participant statements ---------------------------------------------------------------
    @action
    def send_vote(self, i: part) -> None:
        require(self.alive(i) & self.request(i))
        self.vote_sent.insert(i)

    @action
    def abort_on_vote(self, i: part) -> None:
        require(
            self.alive(i)
            & (self.decision(i) == self.dec("undecided"))
            & self.vote_sent(i)
            & (self.vote(i) == self.ballot["no"])
        )
        self.decision[i] = self.dec("abort")

    @action
    def abort_on_timeout_request(self, i: part) -> None:
        require(
            self.alive(i)
            & (self.decision(i) == self.dec("undecided"))
            & ~self.coord_alive()
            & ~self.request(i)
        )
        self.decision[i] = self.dec("abort")

    @action
    def decide(self, i: part) -> None:
        require(
            self.alive(i)
            & (self.decision(i) == self.dec("undecided"))
            & (self.broadcast(i) != self.bcast["notsent"])
        )
        self.decision[i] = self.sent(self.broadcast(i))

    @action
    def par_die(self, i: part) -> None:
        require(self.alive(i))
        self.alive.remove(i)
        self.faulty.insert(i)

    # -- safety ---------------------------------------------------------------------------------
    @invariant
    def type_inv(self):
        return well_typed() & forall(self.part, lambda i: self.vote(i) != self.ballot["waiting"])

    @invariant
    def ac1(self):
        """All participants that decide reach the same decision."""
        return forall(
            self.part,
            self.part,
            lambda i, j: (
                (self.decision(i) != self.dec("commit")) | (self.decision(j) != self.dec("abort"))
            ),
        )

    @invariant
    def ac2(self):
        """A participant decides commit only if every participant voted yes."""
        return implies(
            exists(self.part, lambda i: self.decision(i) == self.dec("commit")),
            forall(self.part, lambda j: self.vote(j) == self.ballot["yes"]),
        )

    @invariant
    def ac3_1(self):
        """A participant decides abort only if some vote is no or someone is faulty."""
        return implies(
            exists(self.part, lambda i: self.decision(i) == self.dec("abort")),
            exists(self.part, lambda j: self.vote(j) == self.ballot["no"])
            | exists(self.part, lambda j: self.faulty(j))
            | self.coord_faulty(),
        )

    @action_property
    def ac4_alt(self, post):
        """Each participant decides at most once: commit and abort are stable."""
        return forall(
            self.part,
            lambda i: (
                implies(
                    self.decision(i) == self.dec("commit"), post.decision(i) == self.dec("commit")
                )
                & implies(
                    self.decision(i) == self.dec("abort"), post.decision(i) == self.dec("abort")
                )
            ),
        )
