"""Relations declared `init=True` start with every tuple (a nullary one is a boolean that starts
TRUE), in every engine: `off` is enabled in the initial state, so there are two states."""

from checker import Relation, Sort, Spec, action, require


class FullRelations(Spec):
    s = Sort(2)
    on = Relation(init=True)  # a nullary relation: a boolean, initially TRUE
    alive = Relation(s, init=True)  # every element alive

    @action
    def off(self) -> None:
        require(self.on() & self.alive(self.s[0]) & self.alive(self.s[1]))
        self.on.remove()
