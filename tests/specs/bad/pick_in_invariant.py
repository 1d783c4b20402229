from checker import Relation, Sort, Spec, action, invariant, pick


class PickInInvariant(Spec):
    node = Sort(2)
    seen = Relation(node)

    @action
    def act(self, n: node) -> None:
        self.seen.insert(n)

    @invariant
    def some_seen(self):
        return self.seen(pick(self.node))  # ERROR: an invariant cannot choose
