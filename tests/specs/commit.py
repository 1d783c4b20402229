"""A toy commit protocol: exercises named elements (`labels=(...)`, `phase["committed"]`), an
ordered sort's `last`, an element named by a parameter expression (`round[rounds - 2]`), and
an @init with parameters; its invariant fails, so traces show all of them."""

from checker import (
    Function,
    OrderedSort,
    Param,
    Sort,
    Spec,
    action,
    forall,
    implies,
    init,
    invariant,
    require,
)


class Commit(Spec):
    workers = Param(2)
    rounds = Param(3)
    worker = Sort(workers, labels="w")
    phase = Sort(4, labels=("working", "prepared", "committed", "aborted"))
    round = OrderedSort(rounds)

    state = Function(worker, phase)
    clock = Function(worker, round, init=round.first)

    @init
    def start(self, p: phase) -> None:
        require((p == self.phase["working"]) | (p == self.phase["prepared"]))
        self.state.update(lambda w: p)

    @action
    def prepare(self, w: worker) -> None:
        require(self.state(w) == self.phase["working"])
        self.state[w] = self.phase["prepared"]

    @action
    def commit(self, w: worker) -> None:
        require(self.state(w) == self.phase["prepared"])
        self.state[w] = self.phase["committed"]

    @action
    def abort(self, w: worker) -> None:
        require(self.state(w) == self.phase["working"])
        self.state[w] = self.phase["aborted"]

    @action
    def tick(self, w: worker, r: round) -> None:
        """A worker's clock moves to the round after the one before the last, then stops."""
        require((self.clock(w) < r) & (r <= self.round[self.rounds - 2]))
        self.clock[w] = r

    @action
    def finish(self, w: worker) -> None:
        require(self.clock(w) == self.round[self.rounds - 2])
        self.clock[w] = self.round.last

    @invariant
    def consistent(self):
        """No worker commits while another aborts (a commit protocol's agreement)."""
        return forall(
            self.worker,
            self.worker,
            lambda a, b: implies(
                self.state(a) == self.phase["committed"], self.state(b) != self.phase["aborted"]
            ),
        )
