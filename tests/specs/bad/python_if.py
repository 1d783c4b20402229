from checker import Relation, Sort, Spec, action


class PythonIf(Spec):
    node = Sort(2)
    r = Relation(node)

    @action
    def act(self, n: node) -> None:
        if self.r(n):  # ERROR: python if
            self.r.remove(n)
