"""Sets as values (`Subsets(node)`: every subset of the nodes): a reader-writer lock whose
readers are one set-valued state variable, joined and left by building new sets with `pick`
and `iff` (union and difference), and a crash of any subset of the readers at once (a choice
of a subset inside an action). Reachable: any set of readers without a writer, or one writer
and no reader — 2^n + n states."""

from checker import (
    Individual,
    Param,
    Sort,
    Spec,
    Subsets,
    action,
    arbitrary,
    forall,
    iff,
    implies,
    init,
    invariant,
    pick,
    require,
)


class Readers(Spec):
    nodes = Param(3)
    node = Sort(nodes, labels="n", bottom="nobody")
    nodeset = Subsets(node)

    readers = Individual(nodeset, init=arbitrary)
    writer = Individual(node.or_bottom, init=node.bottom)

    def has(self, n, s):
        return self.nodeset.member(n, s)

    def none_read(self):
        return forall(self.node, lambda m: ~self.has(m, self.readers))

    @init
    def start(self) -> None:
        require(self.none_read())

    @action
    def read(self, n: node) -> None:
        require(self.writer == self.node.bottom)
        self.readers = pick(
            self.nodeset,
            lambda s: forall(
                self.node, lambda m: iff(self.has(m, s), self.has(m, self.readers) | (m == n))
            ),
        )

    @action
    def crash(self) -> None:
        """Any subset of the readers leaves at once."""
        gone = pick(self.nodeset)
        self.readers = pick(
            self.nodeset,
            lambda s: forall(
                self.node,
                lambda m: iff(self.has(m, s), self.has(m, self.readers) & ~self.has(m, gone)),
            ),
        )

    @action
    def write(self, n: node) -> None:
        require((self.writer == self.node.bottom) & self.none_read())
        self.writer = n

    @action
    def done(self) -> None:
        require(self.writer != self.node.bottom)
        self.writer = self.node.bottom

    @invariant
    def exclusive(self):
        return implies(self.writer != self.node.bottom, self.none_read())


class ReadersWithOperators(Readers):
    """The same lock with the Subsets sort's operators instead of pick + iff."""

    @action
    def read(self, n: node) -> None:  # noqa: F821 - the parent's sort
        require(self.writer == self.node.bottom)
        self.readers = self.nodeset.with_(self.readers, n)

    @action
    def crash(self) -> None:
        gone = pick(self.nodeset)
        self.readers = self.nodeset.difference(self.readers, gone)

    @invariant
    def exclusive(self):
        return implies(self.writer != self.node.bottom, self.nodeset.is_empty(self.readers))

    @invariant
    def readers_are_people(self):
        full = self.nodeset.subset_of(self.readers, self.readers)
        return full & ~self.nodeset.contains(self.readers, self.node.bottom)
