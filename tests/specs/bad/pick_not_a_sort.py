from checker import Relation, Sort, Spec, action, pick


class PickNotASort(Spec):
    node = Sort(2)
    seen = Relation(node)

    @action
    def act(self) -> None:
        self.seen.insert(pick(3))  # ERROR: not a sort
