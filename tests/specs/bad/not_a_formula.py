from checker import Relation, Sort, Spec, action, invariant


class NotAFormula(Spec):
    node = Sort(2)
    r = Relation(node)

    @action
    def act(self, n: node) -> None:
        self.r.insert(n)

    @invariant  # ERROR: returns nothing
    def broken(self):
        self.r
