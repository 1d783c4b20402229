"""A token passed along a line of places that deadlocks at the end; exercises --deadlock."""

from checker import (
    Individual,
    OrderedSort,
    Param,
    Spec,
    action,
    forall,
    implies,
    invariant,
    require,
)


class Stuck(Spec):
    places = Param(4)
    place = OrderedSort(places)
    token = Individual(place, init=place.first)

    @action
    def move(self, p: place) -> None:
        require((self.token < p) & forall(self.place, lambda q: implies(self.token < q, p <= q)))
        self.token = p

    @invariant
    def on_a_place(self):
        return self.token >= self.place.first
