from checker import Function, Sort, Spec, action


class NoInit(Spec):
    node = Sort(2)
    leader = Function(node, node)  # ERROR: no initial value

    @action
    def act(self, n: node) -> None:
        self.leader[n] = n
