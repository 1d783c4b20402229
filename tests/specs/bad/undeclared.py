from checker import Relation, Sort, Spec, action


class Undeclared(Spec):
    node = Sort(2)
    r = Relation(node)

    @action
    def act(self, n: node) -> None:
        self.votes.insert(n)  # ERROR: not declared
