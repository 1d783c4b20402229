from checker import Relation, Sort, Spec, action, maybe


class MaybePerTuple(Spec):
    node = Sort(2)
    inbox = Relation(node)

    @action
    def lose_some(self) -> None:
        self.inbox.update(lambda n: self.inbox(n) & maybe())  # ERROR: one choice, not one per n
