from checker import Sequence, Sort, Spec, action


class SequenceOfANumber(Spec):
    node = Sort(2)
    log = Sequence(node, 3, capacity=2)  # ERROR: 3 is not a sort

    @action
    def act(self, n: node) -> None:
        self.log(n).append(n)
