from checker import Relation, Sort, Spec, action, axiom, exists, forall


class AxiomsUnsatisfiable(Spec):
    node = Sort(2)
    link = Relation(node, node, rigid=True)
    seen = Relation(node)

    @axiom  # ERROR: no interpretation of `link` satisfies both
    def everything_linked(self):
        return forall(self.node, self.node, lambda a, b: self.link(a, b))

    @axiom
    def something_unlinked(self):
        return exists(self.node, self.node, lambda a, b: ~self.link(a, b))

    @action
    def act(self, n: node) -> None:
        self.seen.insert(n)
