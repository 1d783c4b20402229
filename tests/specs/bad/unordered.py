from checker import Relation, Sort, Spec, action, require


class Unordered(Spec):
    node = Sort(2)
    r = Relation(node, node)

    @action
    def act(self, n: node, m: node) -> None:
        require(n < m)  # ERROR: not ordered
        self.r.insert(n, m)
