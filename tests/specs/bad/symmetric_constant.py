from checker import Relation, Sort, Spec, action, require


class SymmetricConstant(Spec):
    node = Sort(3, symmetric=True)
    r = Relation(node)

    @action
    def act(self, n: node) -> None:
        require(n != self.node[0])  # ERROR: names a symmetric element (with --symmetry)
        self.r.insert(n)
