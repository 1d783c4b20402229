from checker import Function, Sort, Spec, Subsets, action, arbitrary


class SetBuiltPerElement(Spec):
    node = Sort(2)
    lock = Sort(2)
    nodeset = Subsets(node)
    holders = Function(lock, nodeset, init=arbitrary)

    @action
    def join_all(self, n: node) -> None:
        self.holders.update(lambda k: self.nodeset.with_(self.holders(k), n))  # ERROR: per lock
