"""A lock server: exercises individuals, removal, action properties and symmetry on one sort."""

from checker import (
    Individual,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    action_property,
    forall,
    implies,
    invariant,
    require,
)


class LockServer(Spec):
    clients = Param(3)
    client = Sort(clients, symmetric=True, labels="c", bottom="none")

    holder = Individual(client.or_bottom, init=client.bottom)
    request = Relation(client)
    grant = Relation(client)
    held = Relation(client)

    @action
    def ask(self, c: client) -> None:
        require(~self.held(c) & ~self.grant(c))
        self.request.insert(c)

    @action
    def give(self, c: client) -> None:
        require(self.request(c) & (self.holder == self.client.bottom))
        self.holder = c
        self.request.remove(c)
        self.grant.insert(c)

    @action
    def take(self, c: client) -> None:
        require(self.grant(c))
        self.grant.remove(c)
        self.held.insert(c)

    @action
    def release(self, c: client) -> None:
        require(self.held(c))
        self.held.remove(c)
        self.holder = self.client.bottom

    @invariant
    def mutual_exclusion(self):
        return forall(
            self.client,
            self.client,
            lambda c1, c2: implies(self.held(c1) & self.held(c2), c1 == c2),
        )

    @invariant
    def holder_holds(self):
        return forall(
            self.client, lambda c: implies(self.held(c) | self.grant(c), self.holder == c)
        )

    @action_property
    def handover_through_free(self, post):
        """The lock never passes directly from one client to another."""
        return implies(
            self.holder != post.holder,
            (self.holder == self.client.bottom) | (post.holder == self.client.bottom),
        )
