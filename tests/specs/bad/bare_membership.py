from checker import Relation, Sort, Spec, action


class BareMembership(Spec):
    node = Sort(2)
    voted = Relation(node)
    decided = Relation(node)

    @action
    def decide(self, n: node) -> None:
        self.voted(n)  # ERROR: require(...) was meant
        self.decided.insert(n)
