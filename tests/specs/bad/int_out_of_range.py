from checker import Function, IntSort, Sort, Spec, action


class IntOutOfRange(Spec):
    node = Sort(2)
    count = IntSort(0, 3)
    c = Function(node, count, init=9)  # ERROR: 9 is not in 0..3

    @action
    def reset(self, n: node) -> None:
        self.c[n] = 0
