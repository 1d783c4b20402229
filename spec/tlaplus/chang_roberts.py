"""ChangRoberts: Chang and Roberts' leader election on a unidirectional ring, from tlaplus/Examples.

TLA+ module: specifications/chang_roberts/ChangRoberts.tla (PlusCal translation), model
MCChangRoberts.tla with Id == [i \\in 1..N |-> i].
TLC model:   specifications/chang_roberts/MCChangRoberts.cfg (N = 3, INVARIANTS TypeOK
             Correctness, PROPERTY Liveness, CHECK_DEADLOCK FALSE).
TLC's counts: 137 distinct states, depth 10 (227 states generated).

Encoding:
- Node == 1..N is an integer sort `node` (1..N), so succ(n) is `ite(n == N, 1, n + 1)`. The
  identities are Id[i] = i, so an identity is a node and `id < Id[self]` is `id < self`.
- msgs[n] (a set of identities) is a relation msgs(n, id).
- initiator \\in [Node -> BOOLEAN] is a relation that starts arbitrary; the @init fixes
  state[n] = IF initiator[n] THEN "cand" ELSE "lost".
- pc[n] \\in {"n0", "n1", "Done"} is a relation `at_n1(n)` (the PlusCal loop never ends, so
  "Done" is never reached; TLA+'s `Terminating` stuttering step is then never enabled and is
  left out).
- Deadlock is not checked (CHECK_DEADLOCK FALSE), as here by default.
- TypeOK holds by construction (every variable is typed by its sort); Correctness is ported.
- Fairness: `\\A self \\in Node : WF_vars(node(self))`, node(self) being n0(self) \\/ n1(self),
  is one condition per node over both actions, `WF(n0, n1, per="p")` (n1's message `i` is
  not part of it: `\\E id \\in msgs[self]` is inside node(self)).
- Liveness == `(\\E n \\in Node : state[n] = "cand") => <>(\\E n \\in Node : state[n] = "won")`:
  the premise is a state formula read in the initial state only. It is not a fact of every
  initial state (Init lets no node be an initiator: every node "lost"), so a plain
  `eventually(\\E n : state[n] = "won")` would be stronger than the TLA+ (and is violated by
  that initial state). But in every initial state the premise is `\\E n : initiator[n]` (Init
  sets state[n] = "cand" exactly where initiator[n]), and `initiator` never changes (no
  action writes it: TLA+'s UNCHANGED initiator). For a formula C constant along a behaviour,
  `C => <>Q` is `<>(C => Q)`; so `liveness` is `eventually(implies(exists initiator, exists
  won))`, which is the TLA+ property on every behaviour of this spec.

TLC 2.19 on this machine (2026-12-03, one worker), MCChangRoberts.cfg (PROPERTY Liveness):
"Finished computing initial states: 8 distinct states generated ... Checking temporal
properties for the complete state space with 137 total distinct states ... Model checking
completed. No error has been found. 227 states generated, 137 distinct states found, 0 states
left on queue. The depth of the complete state graph search is 10." Liveness holds, as here.
With only n0 weakly fair (SPECIFICATION Init /\\ [][Next]_vars /\\ \\A self \\in Node :
WF_vars(n0(self)), PROPERTY Liveness; `ChangRobertsOnlySendingFair` in
tests/spec/test_liveness_ports.py), and likewise with no fairness at all: "Error: Temporal
properties were violated." — node 3 alone an initiator, its id passed round to msgs[3], then
"State 7: Stuttering" before node 3 receives it.
"""

from checker import (
    WF,
    Function,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    eventually,
    exists,
    forall,
    iff,
    implies,
    init,
    invariant,
    ite,
    liveness,
    require,
)


class ChangRoberts(Spec):
    expected_states = {"": 137}  # TLC
    expected_depth = 10

    n = Param(3, doc="N, the number of nodes (Id[i] = i)")

    node = IntSort(1, n)
    nstate = Sort(3, labels=("cand", "lost", "won"))

    msgs = Relation(node, node)  # msgs(n, id): id \in msgs[n]
    at_n1 = Relation(node)  # pc[n] = "n1" (else "n0")
    initiator = Relation(node, init=arbitrary)
    state = Function(node, nstate, init=arbitrary)

    fairness = (WF("n0", "n1", per="p"),)  # \A self \in Node : WF_vars(node(self))

    def succ(self, p):
        return ite(p == self.n, 1, p + 1)

    @init
    def start(self) -> None:
        require(
            forall(
                self.node,
                lambda p: (
                    iff(self.initiator(p), self.state(p) == self.nstate["cand"])
                    & iff(~self.initiator(p), self.state(p) == self.nstate["lost"])
                ),
            )
        )

    @action
    def n0(self, p: node) -> None:
        require(~self.at_n1(p))
        s = self.succ(p)
        self.msgs.update(lambda m, i: self.msgs(m, i) | (self.initiator(p) & (m == s) & (i == p)))
        self.at_n1.insert(p)

    @action
    def n1(self, p: node, i: node) -> None:
        require(self.at_n1(p) & self.msgs(p, i))
        self.msgs.remove(p, i)
        lost = self.state(p) == self.nstate["lost"]
        forward = lost | (i < p)
        s = self.succ(p)
        self.msgs.update(lambda m, j: self.msgs(m, j) | (forward & (m == s) & (j == i)))
        self.state[p] = ite(
            lost,
            self.state(p),
            ite(i < p, self.nstate["lost"], ite(i == p, self.nstate["won"], self.state(p))),
        )

    @invariant
    def correctness(self):
        return forall(
            self.node,
            lambda p: implies(
                self.state(p) == self.nstate["won"],
                self.initiator(p)
                & forall(
                    self.node,
                    lambda q: implies(
                        q != p,
                        (self.state(q) == self.nstate["lost"]) & implies(self.initiator(q), q > p),
                    ),
                ),
            ),
        )

    @liveness
    def liveness(self):
        """Liveness == (\\E n : state[n] = "cand") => <>(\\E n : state[n] = "won"), the premise
        read as the constant `\\E n : initiator[n]` (see the module docstring)."""
        won = exists(self.node, lambda p: self.state(p) == self.nstate["won"])
        return eventually(implies(exists(self.node, lambda p: self.initiator(p)), won))
