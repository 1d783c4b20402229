from checker import Relation, Sort, Spec, action, exists, require


class LambdaArity(Spec):
    node = Sort(2)
    r = Relation(node, node)

    @action
    def act(self, n: node) -> None:
        require(exists(self.node, lambda a, b: self.r(a, b)))  # ERROR: one sort, two variables
        self.r.insert(n, n)
