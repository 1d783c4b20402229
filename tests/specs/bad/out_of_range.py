from checker import OrderedSort, Param, Relation, Spec, action, require


class OutOfRange(Spec):
    rounds = Param(2)
    round = OrderedSort(rounds)
    r = Relation(round)

    @action
    def act(self, a: round) -> None:
        require(a != self.round[5])  # ERROR: round[5] does not exist with rounds=2
        self.r.insert(a)
