from checker import Relation, Sort, Spec, action, init, require


class NoInitialState(Spec):
    node = Sort(2)
    r = Relation(node)

    @init  # ERROR: no choice of n passes the guard
    def start(self, n: node) -> None:
        require(self.r(n))
        self.r.insert(n)

    @action
    def act(self, n: node) -> None:
        self.r.insert(n)
