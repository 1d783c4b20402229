from checker import Relation, Sort, Spec, action, maybe


class BooleanSortClash(Spec):
    BOOLEAN = Sort(2)  # ERROR: maybe() needs this name
    seen = Relation(BOOLEAN)

    @action
    def act(self, b: BOOLEAN) -> None:
        lost = maybe()
        self.seen.update(lambda x: self.seen(x) | ((x == b) & lost))
