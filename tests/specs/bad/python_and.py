from checker import Relation, Sort, Spec, action, require


class PythonAnd(Spec):
    node = Sort(2)
    r = Relation(node)
    s = Relation(node)

    @action
    def act(self, n: node) -> None:
        require(self.r(n) and self.s(n))  # ERROR: python and
        self.r.insert(n)
