from checker import Relation, Sort, Spec, action


class RuntimeFailure(Spec):
    node = Sort(2)
    r = Relation(node)

    @action
    def act(self, n: node) -> None:
        self.r.insert(self.helper(n)[3])  # ERROR: IndexError in user code

    def helper(self, n):
        return [n]
