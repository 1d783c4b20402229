from checker import Individual, Record, Sort, Spec, action


class RecordWrongField(Spec):
    node = Sort(2)
    Msg = Record(src=node, dst=node)
    last = Individual(Msg, init={"src": node[0], "dst": node[1]})

    @action
    def send(self) -> None:
        self.last = self.last.replace(source=self.node[1])  # ERROR: no field `source`
