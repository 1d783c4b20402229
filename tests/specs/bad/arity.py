from checker import Relation, Sort, Spec, action, require


class Arity(Spec):
    node = Sort(2)
    r = Relation(node)

    @action
    def act(self, n: node) -> None:
        require(~self.r(n, n))  # ERROR: wrong arity
        self.r.insert(n)
