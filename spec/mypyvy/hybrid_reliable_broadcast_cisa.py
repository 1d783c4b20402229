"""Hybrid reliable broadcast with four kinds of faulty nodes (Widder and Schmid, Distributed
Computing 2007, after the Ivy model of Berkovits, Lazic, Losa, Padon and Shoham, CAV 2019),
ported from mypyvy's `examples/hybrid_reliable_broadcast_cisa.pyv` without changes of
substance:

- the two kinds of quorums are uninterpreted sorts with rigid membership relations `member_a`
  (the "ta + ts + 1" threshold) and `member_b` (the "n - tc - ta - ts - ti" threshold); the
  fault classes `member_fc` (symmetric omission), `member_fi` (asymmetric omission),
  `member_fs` (symmetric Byzantine), `member_fa` (arbitrary Byzantine) and the nodes that got
  the initial message, `rcv_init`, are rigid relations (mypyvy's `immutable` symbols); the
  axioms are mypyvy's: some b-quorum is all correct, every a-quorum has a member that is not
  Byzantine, every b-quorum includes an a-quorum of nodes that are neither `fa` nor `fi`, and
  the fault classes are disjoint. The explicit engines start from every interpretation;
- every relation starts empty; `sent_msg_proj(s)` is mypyvy's projection "s sent something";
- statements run in order, so the `if` conditions on `new(rcv_msg(...))` read `rcv_msg` after
  its update;
- where mypyvy lets a transition choose freely tuple by tuple, the port chooses a set:
  `receive_init_i`, `faulty_send_a` and the then-branch of `receive_msg_i` make the row
  `sent_msg(n, .)` any superset of its old value (the old row joined with any subset `extra`
  of the nodes, a `pick` over `Subsets(node)`), `faulty_state_sa` sets the column
  `rcv_msg(., n)` to any subset and `accept(n)` to any value (`maybe()`); mypyvy's
  `sent_msg_proj(n) -> new(sent_msg_proj(n))` is a `require` once `sent_msg` is written;
- `receive_msg_c`'s disjunction (send to all, allowed when an a-quorum was received from, or
  send nothing) is a free boolean `send` with that guard.

The safety property (unforgeability): a non-Byzantine node accepts only if some non-Byzantine
node received the initial message.
"""

from checker import (
    Param,
    Relation,
    Sort,
    Spec,
    Subsets,
    action,
    axiom,
    exists,
    forall,
    implies,
    invariant,
    ite,
    maybe,
    pick,
    require,
)
from checker.lang import SymFormula


class HybridReliableBroadcastCisa(Spec):
    nodes = Param(2)
    quorums_a = Param(1)
    quorums_b = Param(1)
    node = Sort(nodes, labels="n")
    quorum_a = Sort(quorums_a, labels="a")
    quorum_b = Sort(quorums_b, labels="b")
    nodeset = Subsets(node)

    member_a = Relation(node, quorum_a, rigid=True)
    member_b = Relation(node, quorum_b, rigid=True)
    member_fc = Relation(node, rigid=True)  # symmetric omission
    member_fi = Relation(node, rigid=True)  # asymmetric omission
    member_fs = Relation(node, rigid=True)  # symmetric Byzantine
    member_fa = Relation(node, rigid=True)  # arbitrary Byzantine
    rcv_init = Relation(node, rigid=True)

    accept = Relation(node)
    sent_msg = Relation(node, node)  # (source, destination)
    sent_msg_proj = Relation(node)  # exists D. sent_msg(S, D)
    rcv_msg = Relation(node, node)  # (source, destination)

    @axiom
    def some_b_quorum_is_correct(self):
        return exists(
            self.quorum_b,
            lambda b: forall(
                self.node,
                lambda n: implies(
                    self.member_b(n, b),
                    ~self.member_fa(n)
                    & ~self.member_fc(n)
                    & ~self.member_fs(n)
                    & ~self.member_fi(n),
                ),
            ),
        )

    @axiom
    def every_a_quorum_has_a_non_byzantine_member(self):
        return forall(
            self.quorum_a,
            lambda a: exists(
                self.node,
                lambda n: self.member_a(n, a) & ~self.member_fa(n) & ~self.member_fs(n),
            ),
        )

    @axiom
    def every_b_quorum_includes_an_a_quorum_of_nodes_not_fa_nor_fi(self):
        return forall(
            self.quorum_b,
            lambda b: exists(
                self.quorum_a,
                lambda a: forall(
                    self.node,
                    lambda n: implies(
                        self.member_a(n, a),
                        self.member_b(n, b) & ~self.member_fa(n) & ~self.member_fi(n),
                    ),
                ),
            ),
        )

    @axiom
    def fault_classes_are_disjoint(self):
        fc, fi, fs, fa = self.member_fc, self.member_fi, self.member_fs, self.member_fa
        return forall(
            self.node,
            lambda n: (
                ~(fc(n) & fi(n))
                & ~(fc(n) & fs(n))
                & ~(fc(n) & fa(n))
                & ~(fi(n) & fs(n))
                & ~(fi(n) & fa(n))
                & ~(fs(n) & fa(n))
            ),
        )

    def received_from_a_quorum(self, n) -> SymFormula:
        """Some a-quorum's every member sent to `n` a message `n` received."""
        return exists(
            self.quorum_a,
            lambda a: forall(self.node, lambda m: implies(self.member_a(m, a), self.rcv_msg(m, n))),
        )

    def received_from_b_quorum(self, n) -> SymFormula:
        return exists(
            self.quorum_b,
            lambda b: forall(self.node, lambda m: implies(self.member_b(m, b), self.rcv_msg(m, n))),
        )

    def sent_something(self, n) -> SymFormula:
        return exists(self.node, lambda d: self.sent_msg(n, d))

    def send_to_all(self, n) -> None:
        self.sent_msg.update(lambda a, b: self.sent_msg(a, b) | (a == n))
        self.sent_msg_proj.update(lambda a: self.sent_msg_proj(a) | (a == n))

    def send_to_some(self, n, when: SymFormula | bool = True) -> None:
        """Where `when` holds (read as the statements before left the state), `sent_msg(n, .)`
        becomes any superset of its old value, and `sent_msg_proj(n)` says whether it is
        nonempty, which it must be if `sent_msg_proj(n)` held."""
        extra = pick(self.nodeset)
        self.sent_msg.update(
            lambda a, b: self.sent_msg(a, b) | (when & (a == n) & self.nodeset.member(b, extra))
        )
        require(implies(when & self.sent_msg_proj(n), self.sent_something(n)))
        self.sent_msg_proj.update(
            lambda a: ite(when & (a == n), self.sent_something(n), self.sent_msg_proj(a))
        )

    def receive(self, n, s) -> None:
        """`n` receives `s`'s message and accepts once a b-quorum's messages are in."""
        require(self.sent_msg(s, n))
        self.rcv_msg.insert(s, n)
        self.accept.update(lambda a: self.accept(a) | (self.received_from_b_quorum(n) & (a == n)))

    # correct nodes

    @action
    def receive_init(self, n: node) -> None:
        require(self.rcv_init(n))
        self.send_to_all(n)

    @action
    def receive_msg(self, n: node, s: node) -> None:
        self.receive(n, s)
        quorum = self.received_from_a_quorum(n)
        self.sent_msg.update(lambda a, b: self.sent_msg(a, b) | (quorum & (a == n)))
        self.sent_msg_proj.update(lambda a: self.sent_msg_proj(a) | (quorum & (a == n)))

    # fc: symmetric omission (receive_init_c is not needed)

    @action
    def receive_msg_c(self, n: node, s: node) -> None:
        require(self.member_fc(n))
        self.receive(n, s)
        send = maybe()  # send to all (after an a-quorum's messages) or to none
        require(implies(send, self.received_from_a_quorum(n)))
        self.sent_msg.update(lambda a, b: self.sent_msg(a, b) | (send & (a == n)))
        self.sent_msg_proj.update(lambda a: self.sent_msg_proj(a) | (send & (a == n)))

    # fi: asymmetric omission

    @action
    def receive_init_i(self, n: node) -> None:
        require(self.member_fi(n) & self.rcv_init(n))
        self.send_to_some(n)

    @action
    def receive_msg_i(self, n: node, s: node) -> None:
        require(self.member_fi(n))
        self.receive(n, s)
        self.send_to_some(n, when=self.received_from_a_quorum(n))

    # fs: symmetric Byzantine

    @action
    def faulty_send_s(self, n: node) -> None:
        require(self.member_fs(n))
        self.send_to_all(n)

    @action
    def faulty_state_sa(self, n: node) -> None:
        """A Byzantine node's received messages and acceptance become anything."""
        require(self.member_fs(n) | self.member_fa(n))
        received = pick(self.nodeset)
        accepted = maybe()
        self.rcv_msg.update(
            lambda a, b: ite(b == n, self.nodeset.member(a, received), self.rcv_msg(a, b))
        )
        self.accept.update(lambda a: ite(a == n, accepted, self.accept(a)))

    # fa: arbitrary Byzantine

    @action
    def faulty_send_a(self, n: node) -> None:
        require(self.member_fa(n))
        self.send_to_some(n)

    @invariant
    def unforgeability(self):
        def correct(n):
            return ~self.member_fs(n) & ~self.member_fa(n)

        return implies(
            exists(self.node, lambda n: correct(n) & self.accept(n)),
            exists(self.node, lambda m: correct(m) & self.rcv_init(m)),
        )
