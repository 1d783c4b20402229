from checker import IntSort, Individual, Param, Spec, action, require


class ParamCompared(Spec):
    """A switch as a parameter, compared with Python's == (always False as the spec is
    traced): the action would silently never fire."""

    enabled = Param(1)
    count = IntSort(0, 3)
    n = Individual(count, init=0)

    @action
    def step(self) -> None:
        require((self.enabled == 1) & (self.n < 3))  # ERROR: a Python comparison of a Param
        self.n = self.n + 1
