from checker import OrderedSort, Relation, Spec, action, require


class Precedence(Spec):
    round = OrderedSort(3)
    r = Relation(round)

    @action
    def act(self, a: round, b: round) -> None:
        require(self.r(a) & a < b)  # ERROR: & binds tighter than <
        self.r.insert(b)
