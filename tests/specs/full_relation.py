"""A relation declared `init=True` starts with every tuple (over a plain and an integer sort):
`drop` removes one at a time, so the states are the subsets of a 2 x 3 grid, 64 of them."""

from checker import IntSort, Relation, Sort, Spec, action, forall, invariant, require


class FullRelation(Spec):
    s = Sort(2)
    t = IntSort(1, 3)
    full = Relation(s, t, init=True)
    ever_full = Relation(s, init=True)

    @action
    def drop(self, x: s, y: t) -> None:
        require(self.full(x, y))
        self.full.remove(x, y)

    @invariant
    def ever_full_stays(self):
        return forall(self.s, lambda x: self.ever_full(x))
