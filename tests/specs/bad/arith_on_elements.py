from checker import Function, Sort, Spec, action


class ArithOnElements(Spec):
    node = Sort(2)
    f = Function(node, node, init=node[0])

    @action
    def step(self, n: node) -> None:
        self.f[n] = self.f(n) + 1  # ERROR: nodes are not integers
