from checker import Relation, Sort, Spec, action


class NoSort(Spec):
    node = Sort(2)
    r = Relation(node)

    @action  # ERROR: parameter without a sort
    def act(self, n) -> None:
        self.r.insert(n)
