"""Sets built from others as values where nothing is chosen: in properties (an argument of a
relation, compared with a set-valued function) and per element of an update (`learn_self`: one
set per node). `EveryPairLogged` states a property that fails, to compare where it first does.
tests/checker/lang/test_set_expressions.py checks them against a plain-Python model."""

from checker import (
    Function,
    Param,
    Relation,
    Sort,
    Spec,
    Subsets,
    action,
    arbitrary,
    forall,
    implies,
    init,
    invariant,
    require,
)


class Gossip(Spec):
    """Each node's known set grows by itself (per element of an update: a built set for every
    node) or by another's (a value inside an action); every merged set is logged. Properties
    use built sets as values: an argument of `log`, compared with a set-valued function."""

    nodes = Param(2)
    node = Sort(nodes, labels="n")
    nodeset = Subsets(node)
    known = Function(node, nodeset, init=arbitrary)
    log = Relation(nodeset)

    @init
    def nothing_known(self) -> None:
        require(forall(self.node, lambda n: self.nodeset.is_empty(self.known(n))))

    @action
    def learn_self(self) -> None:
        ss = self.nodeset
        self.known.update(lambda n: ss.union(self.known(n), ss.singleton(n)))

    @action
    def tell(self, a: node, b: node) -> None:
        ss = self.nodeset
        require(a != b)
        self.log.insert(ss.union(self.known(a), self.known(b)))
        self.known[b] = ss.union(self.known(a), self.known(b))

    @invariant
    def logged_as_built(self):  # a built set as an argument: the same set, built
        ss = self.nodeset
        return forall(
            self.node,
            lambda n: implies(
                self.log(self.known(n)), self.log(ss.union(self.known(n), ss.empty()))
            ),
        )

    @invariant
    def known_is_its_own_union(self):  # a set-valued function compared with a built set
        ss = self.nodeset
        return forall(
            self.node, lambda n: self.known(n) == ss.intersection(self.known(n), ss.full())
        )


class EveryPairLogged(Gossip):
    @invariant
    def every_pair_logged(self):  # false: checks when it first fails
        ss = self.nodeset
        return forall(
            self.node,
            self.node,
            lambda a, b: implies(a != b, self.log(ss.union(self.known(a), self.known(b)))),
        )
