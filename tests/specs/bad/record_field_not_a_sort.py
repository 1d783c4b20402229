from checker import Record, Relation, Sort, Spec, action


class RecordFieldNotASort(Spec):
    node = Sort(2)
    Msg = Record(src=node, size=3)  # ERROR: 3 is not a sort
    msgs = Relation(Msg)

    @action
    def send(self, m: Msg) -> None:
        self.msgs.insert(m)
