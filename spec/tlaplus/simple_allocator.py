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
- TypeInvariant holds by construction and is not ported; ResourceMutex is. The liveness
  properties are not checked here. TLC checks deadlock; the model has none (`check --deadlock`).

A direct port would want sets as values: SUBSET Resources as a sort of subsets (an action
parameter ranging over them) with membership, rather than masks and arithmetic.
"""

from checker import (
    IntSort,
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
        self.a_subset(s)
        require(forall(self.res, lambda r: implies(self.member(r, s), self.alloc(c, r))))
        self.alloc.update(lambda c2, r: self.alloc(c2, r) & ~((c2 == c) & self.member(r, s)))

    # -- properties --------------------------------------------------------------------------
    @invariant
    def resource_mutex(self):
        return forall(
            self.client,
            self.client,
            self.res,
            lambda c1, c2, r: implies((c1 != c2) & self.alloc(c1, r), ~self.alloc(c2, r)),
        )
