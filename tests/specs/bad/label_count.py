from checker import Param, Relation, Sort, Spec, action


class LabelCount(Spec):
    phases = Param(3)
    phase = Sort(phases, labels=("working", "prepared"))  # ERROR: 3 elements, 2 names
    done = Relation(phase)

    @action
    def finish(self, p: phase) -> None:
        self.done.insert(p)
