from checker import Relation, Sort, Spec, action


class WrongSort(Spec):
    node = Sort(2)
    value = Sort(2)
    r = Relation(node)

    @action
    def act(self, v: value) -> None:
        self.r.insert(v)  # ERROR: wrong sort
