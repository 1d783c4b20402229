from checker import Individual, Relation, Sort, Spec, Subsets, action, arbitrary, invariant


class SetAsValueInInvariant(Spec):
    node = Sort(2)
    nodeset = Subsets(node)
    a = Individual(nodeset, init=arbitrary)
    b = Individual(nodeset, init=arbitrary)
    seen = Relation(nodeset)

    @action
    def see(self) -> None:
        self.seen.insert(self.nodeset.union(self.a, self.b))  # fine: inside an action

    @invariant
    def union_seen(self):
        return self.seen(self.nodeset.union(self.a, self.b))  # ERROR: no value to choose here
