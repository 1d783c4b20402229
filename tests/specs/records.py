"""Records: a ballot protocol whose messages are records in one relation (TLA+'s
`msgs \\subseteq [type: {"1a", "1b"}, bal: Ballot, val: Value \\cup {None}]`), received through a
record-typed parameter, found with a quantifier over records, built with `Msg(...)` and copied
with `replace`. `Flat` is the same protocol written with the fields as columns, as the ports
did before records: both must give the same states in every engine. `Forgetful` retracts any
message, a 1a too: its 1b is left without it (a violation whose last step has a record
parameter)."""

from checker import (
    Function,
    Individual,
    OrderedSort,
    Param,
    Record,
    Relation,
    Sort,
    Spec,
    action,
    exists,
    forall,
    implies,
    invariant,
    ite,
    require,
)


class Records(Spec):
    nodes = Param(2)
    ballots = Param(2)
    node = Sort(nodes, labels="n")
    value = Sort(2, labels="v", bottom="None")
    ballot = OrderedSort(ballots, bottom=-1)
    mtype = Sort(2, labels=("1a", "1b"))

    Msg = Record(type=mtype, bal=ballot, val=value.or_bottom)
    msgs = Relation(Msg)
    joined = Function(node, ballot.or_bottom, init=ballot.bottom)
    last = Function(node, Msg, init={"type": mtype["1a"], "bal": ballot[0], "val": value.bottom})
    newest = Individual(Msg, init={"type": mtype["1a"], "bal": ballot[0], "val": value.bottom})

    @action
    def start(self, b: ballot) -> None:
        self.msgs.insert(self.Msg(type=self.mtype["1a"], bal=b, val=self.value.bottom))

    @action
    def join(self, n: node, m: Msg) -> None:
        require(self.msgs(m) & (m.type == self.mtype["1a"]) & (m.bal > self.joined(n)))
        self.joined[n] = m.bal
        self.msgs.insert(m.replace(type=self.mtype["1b"], val=self.value[0]))
        self.last[n] = m
        self.newest = ite(m.bal > self.newest.bal, m, self.newest)  # every field reads newest.bal

    @action
    def promote(self) -> None:
        """Every node's last 1a becomes a 1b (a record-valued update reading its own fields)."""
        self.last.update(
            lambda n: ite(
                self.last(n).type == self.mtype["1a"],
                self.last(n).replace(type=self.mtype["1b"]),
                self.last(n),
            )
        )

    @action
    def retract(self, m: Msg) -> None:
        """Drop a 1b message whose ballot every node has passed."""
        require(self.msgs(m) & (m.type == self.mtype["1b"]))
        require(forall(self.node, lambda n: m.bal < self.joined(n)))
        self.msgs.remove(m)

    @invariant
    def every_1b_has_its_1a(self):
        return forall(
            self.Msg,
            lambda m: implies(
                self.msgs(m) & (m.type == self.mtype["1b"]),
                exists(
                    self.Msg,
                    lambda a: (
                        self.msgs(a)
                        & (a == self.Msg(type=self.mtype["1a"], bal=m.bal, val=self.value.bottom))
                    ),
                ),
            ),
        )


class Forgetful(Records):
    @action
    def retract(self, m: Msg) -> None:  # noqa: F821 - the parent's record
        require(self.msgs(m))
        self.msgs.remove(m)


class Flat(Spec):
    nodes = Param(2)
    ballots = Param(2)
    node = Sort(nodes, labels="n")
    value = Sort(2, labels="v", bottom="None")
    ballot = OrderedSort(ballots, bottom=-1)
    mtype = Sort(2, labels=("1a", "1b"))

    msgs = Relation(mtype, ballot, value.or_bottom)
    joined = Function(node, ballot.or_bottom, init=ballot.bottom)
    last_type = Function(node, mtype, init=mtype["1a"])
    last_bal = Function(node, ballot, init=ballot[0])
    last_val = Function(node, value.or_bottom, init=value.bottom)
    newest_type = Individual(mtype, init=mtype["1a"])
    newest_bal = Individual(ballot, init=ballot[0])
    newest_val = Individual(value.or_bottom, init=value.bottom)

    @action
    def start(self, b: ballot) -> None:
        self.msgs.insert(self.mtype["1a"], b, self.value.bottom)

    @action
    def join(self, n: node, t: mtype, b: ballot, v: value.or_bottom) -> None:
        require(self.msgs(t, b, v) & (t == self.mtype["1a"]) & (b > self.joined(n)))
        self.joined[n] = b
        self.msgs.insert(self.mtype["1b"], b, self.value[0])
        self.last_type[n], self.last_bal[n], self.last_val[n] = t, b, v
        newer = b > self.newest_bal
        self.newest_type = ite(newer, t, self.newest_type)
        self.newest_val = ite(newer, v, self.newest_val)
        self.newest_bal = ite(newer, b, self.newest_bal)

    @action
    def promote(self) -> None:
        self.last_type.update(lambda n: self.mtype["1b"])

    @action
    def retract(self, t: mtype, b: ballot, v: value.or_bottom) -> None:
        require(self.msgs(t, b, v) & (t == self.mtype["1b"]))
        require(forall(self.node, lambda n: b < self.joined(n)))
        self.msgs.remove(t, b, v)

    @invariant
    def every_1b_has_its_1a(self):
        return forall(
            self.mtype,
            self.ballot,
            self.value.or_bottom,
            lambda t, b, v: implies(
                self.msgs(t, b, v) & (t == self.mtype["1b"]),
                self.msgs(self.mtype["1a"], b, self.value.bottom),
            ),
        )
