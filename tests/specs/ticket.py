"""A ticket dispenser over an integer sort, with its proof: `take` and `serve` never fail (no
value leaves 0..max_ticket) and served <= next, for every max_ticket. `TicketUnbounded` forgets
the bound in `take`: its proof fails on "take never fails", with a counterexample."""

from checker import Individual, IntSort, Param, Spec, action, conjunct, invariant, require


class Ticket(Spec):
    max_ticket = Param(5)
    ticket = IntSort(0, max_ticket)
    next_ = Individual(ticket, init=0)
    served = Individual(ticket, init=0)

    @action
    def take(self) -> None:
        require(self.next_ < self.max_ticket)
        self.next_ = self.next_ + 1

    @action
    def serve(self) -> None:
        require(self.served < self.next_)
        self.served = self.served + 1

    @invariant
    def served_le_next(self):
        return self.served <= self.next_


class TicketProof(Ticket):
    safety = ("served_le_next",)

    @conjunct
    def served_below_next(self):
        return self.served <= self.next_


class TicketUnbounded(Ticket):
    @action
    def take(self) -> None:
        self.next_ = self.next_ + 1


class TicketUnboundedProof(TicketUnbounded):
    safety = ("served_le_next",)

    @conjunct
    def served_below_next(self):
        return self.served <= self.next_
