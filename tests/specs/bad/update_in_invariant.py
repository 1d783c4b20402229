from checker import Relation, Sort, Spec, action, invariant


class UpdateInInvariant(Spec):
    node = Sort(2)
    r = Relation(node)

    @action
    def act(self, n: node) -> None:
        self.r.insert(n)

    @invariant
    def sneaky(self):
        self.r.update(lambda n: True)  # ERROR: update in an invariant
        return True
