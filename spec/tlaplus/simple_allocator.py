r"""SimpleAllocator: an allocator of a set of resources to clients, ported from tlaplus/Examples.

TLA+ module: specifications/allocator/SimpleAllocator.tla
TLC model:   specifications/allocator/SimpleAllocator.cfg (Clients = {c1, c2, c3},
             Resources = {r1, r2}, INVARIANTS TypeInvariant ResourceMutex, PROPERTIES
             ClientsWillReturn ClientsWillObtain InfOftenSatisfied, no symmetry, deadlock checked).
TLC's counts: 400 distinct states, depth 6.

Encoding:
- unsat[c] and alloc[c] (subsets of Resources) are relations unsat(c, r) and alloc(c, r).
- Resources are the integers 0..R-1 (`res`); the action parameter S \in SUBSET Resources is a
  bit mask, an element of `sets` = 0..2^MAX_RESOURCES - 1 restricted to S < 2^R, with
  r \in S the bit r of S ((S // 2^r) % 2 = 1, an `ite` over r). R is at most
  MAX_RESOURCES = 3 (a larger R needs a larger `sets`). Each subset of Resources is exactly one
  mask, so the transitions are TLC's.
- `available` is the resources no client holds.
- TypeInvariant holds by construction and is not ported; ResourceMutex is. TLC checks
  deadlock; the model has none (`check --deadlock`).
- Fairness. `\A c : WF_vars(Return(c, alloc[c]))` is fair to one instance of Return, the one
  returning everything c holds — chosen by the state, not by a fixed parameter. So Return is
  two actions whose disjunction is Return(c, S): `return_all(c)` (S = alloc[c], nonempty)
  and `return_(c, s)` (S a proper nonempty subset of alloc[c]); every step of Return is a
  step of exactly one, so the states and transitions are TLC's, and `WF(return_all,
  per="c")` is the TLA+ condition (weak fairness of `\E S : Return(c, S)` instead would be
  met by returning part of the resources). `\A c : SF_vars(\E S \in SUBSET Resources :
  Allocate(c, S))` is `SF(allocate, per="c")`.
- ClientsWillReturn (`\A c : unsat[c] = {} ~> alloc[c] = {}`), ClientsWillObtain (`\A c, r :
  r \in unsat[c] ~> r \in alloc[c]`) and InfOftenSatisfied (`\A c : []<>(unsat[c] = {})`)
  are `leads_to` and `always(eventually(...))` per client (and resource).

TLC 2.19 on this machine (2026-12-03, one worker), SimpleAllocator.cfg (PROPERTIES
ClientsWillReturn ClientsWillObtain InfOftenSatisfied): "Checking 10 branches of temporal
properties for the complete state space with 4000 total distinct states ... Model checking
completed. No error has been found. 1633 states generated, 400 distinct states found, 0 states
left on queue. The depth of the complete state graph search is 6." The three properties hold,
as here. With Allocate weakly instead of strongly fair (SPECIFICATION Init /\ [][Next]_vars
/\ \A c : WF_vars(Return(c, alloc[c])) /\ \A c : WF_vars(\E S : Allocate(c, S));
`SimpleAllocatorWeakAllocate` in tests/spec/test_liveness_corpus.py): "Error: Temporal
properties were violated." — all three clients ask for r1, c2 gets it and returns it, "Back to
state 4": c1's Allocate is enabled only now and then, so weak fairness lets it starve. Without
the fairness of Return (only the SF of Allocate), and under the module's SimpleAllocator2
(Return fair only once the request is satisfied), TLC also reports "Temporal properties were
violated." (a 5- and a 6-state behaviour, then "Stuttering").

A direct port would want sets as values: SUBSET Resources as a sort of subsets (an action
parameter ranging over them) with membership, rather than masks and arithmetic.
"""

from checker import (
    SF,
    WF,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    always,
    eventually,
    exists,
    forall,
    implies,
    invariant,
    ite,
    leads_to,
    liveness,
    require,
)

MAX_RESOURCES = 3


class SimpleAllocator(Spec):
    expected_states = {"": 400}  # TLC
    expected_depth = 6

    clients = Param(3, doc="|Clients|")
    resources = Param(2, doc=f"|Resources|, at most {MAX_RESOURCES}")

    client = Sort(clients, labels="c")
    res = IntSort(0, resources - 1)
    sets = IntSort(0, 2**MAX_RESOURCES - 1)  # a subset of Resources as a bit mask

    unsat = Relation(client, res)
    alloc = Relation(client, res)

    fairness = (
        WF("return_all", per="c"),  # \A c \in Clients : WF_vars(Return(c, alloc[c]))
        SF("allocate", per="c"),  # \A c \in Clients : SF_vars(\E S : Allocate(c, S))
    )

    # -- subsets as masks ------------------------------------------------------------------
    def bit(self, s, k: int):
        """Bit k of the mask s."""
        return (s // 2**k) % 2 == 1

    def member(self, r, s):
        """r \\in S."""
        return ite(r == 0, self.bit(s, 0), ite(r == 1, self.bit(s, 1), self.bit(s, 2)))

    def a_subset(self, s) -> None:
        """S \\in SUBSET Resources, S # {}: a nonzero mask of resources only."""
        require(s > 0)
        for k in range(MAX_RESOURCES):
            require(implies(self.bit(s, k), self.res.last >= k))

    def available(self, r):
        return ~exists(self.client, lambda c: self.alloc(c, r))

    # -- actions -----------------------------------------------------------------------------
    @action
    def request(self, c: client, s: sets) -> None:
        self.a_subset(s)
        require(forall(self.res, lambda r: ~self.unsat(c, r) & ~self.alloc(c, r)))
        self.unsat.update(lambda c2, r: ite(c2 == c, self.member(r, s), self.unsat(c2, r)))

    @action
    def allocate(self, c: client, s: sets) -> None:
        self.a_subset(s)
        require(
            forall(
                self.res,
                lambda r: implies(self.member(r, s), self.available(r) & self.unsat(c, r)),
            )
        )
        self.alloc.update(lambda c2, r: self.alloc(c2, r) | ((c2 == c) & self.member(r, s)))
        self.unsat.update(lambda c2, r: self.unsat(c2, r) & ~((c2 == c) & self.member(r, s)))

    @action
    def return_(self, c: client, s: sets) -> None:
        """Return(c, S) for S a proper subset of alloc[c] (return_all is S = alloc[c])."""
        self.a_subset(s)
        require(forall(self.res, lambda r: implies(self.member(r, s), self.alloc(c, r))))
        require(exists(self.res, lambda r: self.alloc(c, r) & ~self.member(r, s)))
        self.alloc.update(lambda c2, r: self.alloc(c2, r) & ~((c2 == c) & self.member(r, s)))

    @action
    def return_all(self, c: client) -> None:
        """Return(c, alloc[c]): c returns everything it holds."""
        require(exists(self.res, lambda r: self.alloc(c, r)))
        self.alloc.update(lambda c2, r: self.alloc(c2, r) & (c2 != c))

    # -- properties --------------------------------------------------------------------------
    @invariant
    def resource_mutex(self):
        return forall(
            self.client,
            self.client,
            self.res,
            lambda c1, c2, r: implies((c1 != c2) & self.alloc(c1, r), ~self.alloc(c2, r)),
        )

    @liveness
    def clients_will_return(self):
        """ClientsWillReturn == \\A c \\in Clients : unsat[c] = {} ~> alloc[c] = {}."""
        return forall(
            self.client,
            lambda c: leads_to(
                forall(self.res, lambda r: ~self.unsat(c, r)),
                forall(self.res, lambda r: ~self.alloc(c, r)),
            ),
        )

    @liveness
    def clients_will_obtain(self):
        """ClientsWillObtain == \\A c \\in Clients, r \\in Resources : r \\in unsat[c] ~> r \\in
        alloc[c]."""
        return forall(
            self.client, self.res, lambda c, r: leads_to(self.unsat(c, r), self.alloc(c, r))
        )

    @liveness
    def inf_often_satisfied(self):
        """InfOftenSatisfied == \\A c \\in Clients : []<>(unsat[c] = {})."""
        return forall(
            self.client,
            lambda c: always(eventually(forall(self.res, lambda r: ~self.unsat(c, r)))),
        )
