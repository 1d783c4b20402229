from checker import Relation, Sort, Spec, action, axiom, forall


class AxiomOverState(Spec):
    node = Sort(2)
    link = Relation(node, node, rigid=True)
    seen = Relation(node)

    @axiom  # ERROR: `seen` can change
    def links_seen(self):
        return forall(self.node, lambda n: self.link(n, n) | self.seen(n))

    @action
    def act(self, n: node) -> None:
        self.seen.insert(n)
