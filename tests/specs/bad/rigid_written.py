from checker import Relation, Sort, Spec, action


class RigidWritten(Spec):
    node = Sort(2)
    link = Relation(node, node, rigid=True)
    seen = Relation(node)

    @action
    def act(self, n: node) -> None:
        self.link.insert(n, n)  # ERROR: rigid
        self.seen.insert(n)
