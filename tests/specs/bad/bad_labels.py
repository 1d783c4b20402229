from checker import Relation, Sort, Spec, action


class BadLabels(Spec):
    phase = Sort(2, labels=(1, 2))  # ERROR: names must be strings
    done = Relation(phase)

    @action
    def finish(self, p: phase) -> None:
        self.done.insert(p)
