from checker import Individual, Sort, Spec, action


class BareComparison(Spec):
    node = Sort(2, bottom="none")
    leader = Individual(node.or_bottom, init=node.bottom)

    @action
    def step_down(self, n: node) -> None:
        self.leader == n  # ERROR: require(...) was meant
        self.leader = self.node.bottom
