"""Chain replication with a client, a head, a middle and a tail node, ported from mypyvy's
`examples/misc/chain_replication.pyv` without changes of substance:

- node states are an uninterpreted sort with a rigid relation `le` that the axioms make a
  total order, and a rigid state `empty` below every state;
- the four roles are rigid individuals over `node_id`; the axioms: the client is none of the
  others, and if the head is the tail then all three chain roles are one node (so the chain
  has one, two or three nodes);
- `state` starts `empty` everywhere (mypyvy's `init state(X) = empty`, an @init that sets it,
  since a declared initial value must be a constant and `empty` is rigid), `msg` empty;
- the client moves to any state not below its own, and each link sends its sender's state and
  receives, in order, the smallest message in flight on it (mypyvy's "sneaky FIFO", the state
  order standing in for sequence numbers).

The invariant: the chain is ordered, client >= head >= middle >= tail.
"""

from checker import (
    Function,
    Individual,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    axiom,
    forall,
    implies,
    init,
    invariant,
    require,
)


class ChainReplication(Spec):
    node_ids = Param(3)
    node_states = Param(3)
    node_id = Sort(node_ids, labels="n")
    node_state = Sort(node_states, labels="s")

    le = Relation(node_state, node_state, rigid=True)
    empty = Individual(node_state, rigid=True)
    client = Individual(node_id, rigid=True)
    head = Individual(node_id, rigid=True)
    middle = Individual(node_id, rigid=True)
    tail = Individual(node_id, rigid=True)

    state = Function(node_id, node_state)
    msg = Relation(node_id, node_id, node_state)  # (sender, recipient, data)

    @axiom
    def le_is_a_total_order(self):
        s = self.node_state
        return (
            forall(s, lambda x: self.le(x, x))
            & forall(s, s, lambda x, y: implies(self.le(x, y) & self.le(y, x), x == y))
            & forall(s, s, s, lambda x, y, z: implies(self.le(x, y) & self.le(y, z), self.le(x, z)))
            & forall(s, s, lambda x, y: self.le(x, y) | self.le(y, x))
        )

    @axiom
    def empty_is_the_least_state(self):
        return forall(self.node_state, lambda x: self.le(self.empty, x))

    @axiom
    def the_client_is_not_in_the_chain(self):
        return (
            (self.client != self.head) & (self.client != self.middle) & (self.client != self.tail)
        )

    @axiom
    def a_chain_of_one_node(self):
        return implies(
            self.head == self.tail, (self.head == self.middle) & (self.middle == self.tail)
        )

    @init
    def start(self) -> None:
        self.state.update(lambda x: self.empty)

    @action
    def client_update(self, next: node_state) -> None:
        require(self.le(self.state(self.client), next))
        self.state[self.client] = next

    @action
    def client_send(self) -> None:
        self.msg.insert(self.client, self.head, self.state(self.client))

    def receive(self, sender: object, receiver: object, recvd: object) -> None:
        """`receiver` takes `recvd`, the smallest state in flight from `sender`, if not below
        its own."""
        require(self.le(self.state(receiver), recvd) & self.msg(sender, receiver, recvd))
        require(
            forall(
                self.node_state, lambda z: implies(self.msg(sender, receiver, z), self.le(recvd, z))
            )
        )
        self.state[receiver] = recvd
        self.msg.remove(sender, receiver, recvd)

    @action
    def head_recv(self, recvd: node_state) -> None:
        self.receive(self.client, self.head, recvd)

    @action
    def head_send(self) -> None:
        self.msg.insert(self.head, self.middle, self.state(self.head))

    @action
    def middle_recv(self, recvd: node_state) -> None:
        self.receive(self.head, self.middle, recvd)

    @action
    def middle_send(self) -> None:
        self.msg.insert(self.middle, self.tail, self.state(self.middle))

    @action
    def tail_recv(self, recvd: node_state) -> None:
        self.receive(self.middle, self.tail, recvd)

    @invariant
    def the_chain_is_ordered(self):
        return (
            self.le(self.state(self.head), self.state(self.client))
            & self.le(self.state(self.middle), self.state(self.head))
            & self.le(self.state(self.tail), self.state(self.middle))
        )
