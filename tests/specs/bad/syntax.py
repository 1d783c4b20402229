from checker import Relation, Sort, Spec, action


class Syntax(Spec):
    node = Sort(2)
    r = Relation(node)

    @action
    def act(self, n: node) -> None
        self.r.insert(n)  # ERROR-1: syntax error is reported on the line above
