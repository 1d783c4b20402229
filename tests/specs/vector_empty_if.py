"""A regression spec for the vector compiler: an action whose body starts with a statement that
is not a `require` (here the definedness check a Sequence read in a guard brings), then a
`require` that folds to False for one instance (b = 0). The generated code had an `if` with an
empty body (an IndentationError: "internal error"); the reference engine counted 3 states."""

from checker import IntSort, Sequence, Sort, Spec, action, require


class VectorEmptyIf(Spec):
    value = Sort(2, labels="v")
    flag = IntSort(0, 1)
    q = Sequence(value, capacity=1)

    @action
    def send(self, v: value, b: flag) -> None:
        require(self.q().is_empty() | (self.q().head() != v))  # a guarded read: a Check first
        require(b != 0)  # folds to False for the instance b = 0
        require(self.q().is_empty())
        self.q().append(v)
