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
  The liveness PROPERTY is not checked (safety only; the state count is TLC's).
"""

from checker import (
    Function,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    forall,
    iff,
    implies,
    init,
    invariant,
    ite,
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
