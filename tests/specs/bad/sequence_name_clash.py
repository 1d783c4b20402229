from checker import Function, Sequence, Sort, Spec, action


class SequenceNameClash(Spec):
    node = Sort(2)
    q = Sequence(node, capacity=2)
    q_len = Function(node, node, init=node[0])  # ERROR: the sequence `q` stores its length here

    @action
    def act(self, n: node) -> None:
        self.q().append(n)
