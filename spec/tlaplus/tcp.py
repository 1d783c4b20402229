"""tcp: the TCP connection state machine of RFC 9293 (without sequence numbers), ported from
tlaplus/Examples.

TLA+ module: specifications/tcp/tcp.tla, model MCtcp.tla
TLC model:   specifications/tcp/MCtcp.cfg (Peers <- {A, B}, Init <- MCInit, INVARIANTS TypeOK
             Inv, CONSTRAINT NoRetransmission, ACTION_CONSTRAINT SingleActiveOpen; SPECIFICATION
             Spec, PROPERTY Prop; no symmetry: the .cfg disables it for liveness).
TLC's counts (manifest, and TLC 2.19 here without the PROPERTY): 1,182 distinct states,
depth 14.

TLC 2.19 on this machine (2026-12-05, one worker), MCtcp.cfg with PROPERTY Prop: "Checking 2
branches of temporal properties for the complete state space with 2364 total distinct states
... Model checking completed. No error has been found. 6322 states generated, 1182 distinct
states found, 0 states left on queue. The depth of the complete state graph search is 14."
Prop holds, as here. Mutants (MCtcpMut.tla; `TcpNoCloseFairness` and `TcpNoSystemFairness` in
tests/spec/test_liveness_corpus.py): without WF_vars(\\E local, remote : CLOSE_SYN_SENT(local,
remote)), "Error: Temporal properties were violated.": "State 2: <CLOSE_LISTEN ...>" (B closes,
A stays SYN-SENT with nothing to receive), "State 3: Stuttering" — this port's lasso, state for
state; without WF_vars(System), "Error: Temporal properties were violated." with an 8-state
behaviour, A sending a RST from SYN-SENT and staying in TIME-WAIT, "Back to state 7: <Note3
...>" — here a shorter lasso as bad, A's RST and then stuttering in TIME-WAIT (TimeWait is a
System action, no longer fair).

Liveness:
- Prop == \\A p \\in Peers : connstate[p] = "SYN-SENT" ~> connstate[p] \\in {"ESTABLISHED",
  "LISTEN", "CLOSED"} is `prop`, one property per peer.
- Spec's fairness, WF_vars(System) /\\ WF_vars(\\E local, remote \\in Peers :
  CLOSE_SYN_SENT(local, remote)), is `WF(*SYSTEM)` (System, the disjunction of SynSent,
  SynReceived, Listen, Established, FinWait1, FinWait2, Closing, LastAck, TimeWait and Note2
  over all local, remote: the thirteen actions they are ported as, weakly fair as one) and
  `WF("close_syn_sent")`.
- The states and transitions are TLC's, but the fairness here counts an action enabled where
  its step is in the model: an Append that NoRetransmission cuts is disabled (see below), where
  TLC's ENABLED ignores the CONSTRAINT (see spec/tlaplus/alternating_bit.py). So System is
  enabled for TLC in a few more states, every behaviour fair for TLC is fair here, and a
  property that holds here holds for TLC; both mutants' lassos stutter where no System action
  (resp. CLOSE_SYN_SENT) has a step at all, so they are fair for TLC too.

Encoding:
- tcb (a function to BOOLEAN) is a relation `tcb(p)`; connstate a function to the sort `state`
  of the eleven RFC states; the message strings are the sort `msg`.
- network[p], a sequence of messages, is the `Sequence` `net(p)` of capacity net_cap: Append,
  Tail and Len are `append`, `pop` and `len`. TLC's reachable states (dumped with -dump) hold at
  most 4 messages per peer, so net_cap = 4; an Append past it would be an error here, never a
  silent cut.
- MCInit (one peer in SYN-SENT, the other in LISTEN with a SYN waiting, both with a TCB) is an
  @init with the SYN-SENT peer `node` and the other peer `other` as its parameters (the SYN is
  appended to the other's channel: with two peers, as the spec assumes, that is every peer but
  node).
- CONSTRAINT NoRetransmission (no two equal messages next to each other in a channel): TLC
  drops a state that breaks it, neither counting nor exploring it. Only an Append can put two
  equal messages side by side (Tail and SubSeq drop from the front), so every Append here
  requires the channel to be empty or its `last()` message to differ from the new one (the
  disjunction guards the read: `last()` of an empty channel is not read), and the constraint
  holds by
  construction (it is still stated, as `no_retransmission`).
- ACTION_CONSTRAINT SingleActiveOpen (no step that is an ACTIVE_OPEN, PASSIVE_OPEN or SEND
  step): the language has no action constraints. No other action's step satisfies one of those
  three formulas (only ACTIVE_OPEN and SEND append a SYN; PASSIVE_OPEN leaves the network
  unchanged and goes CLOSED -> LISTEN, which no other action does), so the constraint removes
  exactly those three actions, and they are left out here. (TLC never takes them either.)
- IsPrefix(<<m>>, network[p]) is `~net(p).is_empty() & net(p).head() == m`; Note2's
  IsPrefix(<<"FIN", "ACKofFIN">>, ...) tests `len() >= 2`, `[0]` and `[1]`, and its
  SubSeq(..., 3, Len) is two `pop`s.
- Note3's receipt of a RST, with its choice of LISTEN or CLOSED, is one action with the target
  state as a parameter (`to` ranges over the two).
- SynSent's first disjunct (a SYN-SENT peer receives a SYN: simultaneous open) never fires,
  here or in TLC: only ACTIVE_OPEN and SEND send a SYN, so the one SYN ever sent is MCInit's,
  in the channel of the peer that is not SYN-SENT (and no peer enters SYN-SENT after Init).
- TypeOK holds by construction (every variable ranges over its type): `well_typed()`.
"""

from checker import (
    WF,
    Function,
    Param,
    Relation,
    Sequence,
    Sort,
    Spec,
    action,
    constraint,
    forall,
    iff,
    implies,
    init,
    invariant,
    ite,
    leads_to,
    liveness,
    require,
    well_typed,
)

STATES = (
    "LISTEN",
    "CLOSED",
    "SYN-SENT",
    "SYN-RECEIVED",
    "ESTABLISHED",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "CLOSING",
    "CLOSE-WAIT",
    "LAST-ACK",
    "TIME-WAIT",
)
MESSAGES = ("SYN", "SYN,ACK", "ACK", "RST", "FIN", "ACKofFIN")
SYSTEM = (  # System's disjuncts: SynSent, SynReceived, Listen, ..., TimeWait, Note2
    "syn_sent_syn",
    "syn_sent_syn_ack",
    "syn_received_rst",
    "syn_received_ack",
    "listen",
    "established",
    "fin_wait1_fin",
    "fin_wait1_ack_of_fin",
    "fin_wait2",
    "closing",
    "last_ack",
    "time_wait",
    "note2",
)


class Tcp(Spec):
    expected_states = {"": 1182}  # TLC
    expected_depth = 14

    n_peers = Param(2, doc="|Peers| (the spec assumes 2)")
    net_cap = Param(4, doc="slots per channel (TLC's reachable states hold at most 4)")

    peer = Sort(n_peers, labels="p")
    state = Sort(len(STATES), labels=STATES)
    msg = Sort(len(MESSAGES), labels=MESSAGES)

    tcb = Relation(peer)
    connstate = Function(peer, state, init=state["CLOSED"])
    net = Sequence(peer, msg, capacity=net_cap)  # network

    # WF_vars(System) /\ WF_vars(\E local, remote \in Peers : CLOSE_SYN_SENT(local, remote))
    fairness = (WF(*SYSTEM), WF("close_syn_sent"))

    @init
    def mc_init(self, node: peer, other: peer) -> None:
        """MCInit: `node` has sent a SYN (SYN-SENT), the other listens with the SYN queued."""
        require(other != node)
        self.tcb.update(lambda p: p == p)
        self.connstate.update(
            lambda p: ite(p == node, self.state["SYN-SENT"], self.state["LISTEN"])
        )
        self.net(other).append(self.msg["SYN"])

    # -- channels -------------------------------------------------------------------------------
    def st(self, p, name):
        return self.connstate(p) == self.state[name]

    def starts_with(self, p, m):
        return ~self.net(p).is_empty() & (self.net(p).head() == self.msg[m])

    def append(self, p, m) -> None:
        """network[p] := Append(@, m), enabled only if m differs from the last message (the
        CONSTRAINT NoRetransmission)."""
        require(self.net(p).is_empty() | (self.net(p).last() != self.msg[m]))
        self.net(p).append(self.msg[m])

    def goto(self, p, name) -> None:
        self.connstate[p] = self.state[name]

    # -- user commands (ACTIVE_OPEN, PASSIVE_OPEN and SEND are ruled out by SingleActiveOpen) --
    @action
    def close_syn_sent(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "SYN-SENT"))
        self.goto(local, "CLOSED")
        self.tcb.remove(local)

    @action
    def close_syn_received(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "SYN-RECEIVED"))
        self.append(remote, "FIN")
        self.goto(local, "FIN-WAIT-1")

    @action
    def close_listen(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "LISTEN"))
        self.goto(local, "CLOSED")
        self.tcb.remove(local)

    @action
    def close_established(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "ESTABLISHED"))
        self.append(remote, "FIN")
        self.goto(local, "FIN-WAIT-1")

    @action
    def close_close_wait(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "CLOSE-WAIT"))
        self.append(remote, "FIN")
        self.goto(local, "LAST-ACK")

    # -- the system -------------------------------------------------------------------------------
    @action
    def syn_sent_syn(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "SYN-SENT") & self.starts_with(local, "SYN"))
        self.append(remote, "SYN,ACK")
        self.net(local).pop()
        self.goto(local, "SYN-RECEIVED")

    @action
    def syn_sent_syn_ack(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "SYN-SENT") & self.starts_with(local, "SYN,ACK"))
        self.append(remote, "ACK")
        self.net(local).pop()
        self.goto(local, "ESTABLISHED")

    @action
    def syn_received_rst(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "SYN-RECEIVED") & self.starts_with(local, "RST"))
        self.net(local).pop()
        self.goto(local, "LISTEN")

    @action
    def syn_received_ack(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "SYN-RECEIVED") & self.starts_with(local, "ACK"))
        self.net(local).pop()
        self.goto(local, "ESTABLISHED")

    @action
    def listen(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "LISTEN") & self.starts_with(local, "SYN"))
        self.append(remote, "SYN,ACK")
        self.net(local).pop()
        self.goto(local, "SYN-RECEIVED")

    @action
    def established(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "ESTABLISHED") & self.starts_with(local, "FIN"))
        self.append(remote, "ACKofFIN")
        self.net(local).pop()
        self.goto(local, "CLOSE-WAIT")

    @action
    def fin_wait1_fin(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "FIN-WAIT-1") & self.starts_with(local, "FIN"))
        self.append(remote, "ACKofFIN")
        self.net(local).pop()
        self.goto(local, "CLOSING")

    @action
    def fin_wait1_ack_of_fin(self, local: peer, remote: peer) -> None:
        require(
            (local != remote) & self.st(local, "FIN-WAIT-1") & self.starts_with(local, "ACKofFIN")
        )
        self.net(local).pop()
        self.goto(local, "FIN-WAIT-2")

    @action
    def fin_wait2(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "FIN-WAIT-2") & self.starts_with(local, "FIN"))
        self.append(remote, "ACKofFIN")
        self.net(local).pop()
        self.goto(local, "TIME-WAIT")

    @action
    def closing(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "CLOSING") & self.starts_with(local, "ACKofFIN"))
        self.net(local).pop()
        self.goto(local, "TIME-WAIT")

    @action
    def last_ack(self, local: peer, remote: peer) -> None:
        require(
            (local != remote) & self.st(local, "LAST-ACK") & self.starts_with(local, "ACKofFIN")
        )
        self.net(local).pop()
        self.goto(local, "CLOSED")

    @action
    def time_wait(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.st(local, "TIME-WAIT") & self.tcb(local))
        self.goto(local, "CLOSED")
        self.tcb.remove(local)

    @action
    def note2(self, local: peer, remote: peer) -> None:
        """FIN-WAIT-1 -> TIME-WAIT on <<FIN, ACKofFIN>> at the head of the channel."""
        require(
            (local != remote)
            & self.st(local, "FIN-WAIT-1")
            & (self.net(local).len() >= 2)
            & (self.net(local)[0] == self.msg["FIN"])
            & (self.net(local)[1] == self.msg["ACKofFIN"])
        )
        self.append(remote, "ACKofFIN")
        self.net(local).pop()
        self.net(local).pop()  # SubSeq(@, 3, Len(@))
        self.goto(local, "TIME-WAIT")

    # -- reset (Note 3) ---------------------------------------------------------------------------
    @action
    def note3_send_rst(self, local: peer, remote: peer) -> None:
        require((local != remote) & self.tcb(local))
        self.append(remote, "RST")
        self.goto(local, "TIME-WAIT")

    @action
    def note3_rcv_rst(self, local: peer, remote: peer, to: state) -> None:
        require(
            (local != remote)
            & ((to == self.state["LISTEN"]) | (to == self.state["CLOSED"]))
            & self.starts_with(local, "RST")
        )
        self.net(local).pop()
        self.connstate[local] = to

    # -- properties -------------------------------------------------------------------------------
    @invariant
    def type_ok(self):
        return well_typed()

    @invariant
    def inv(self):
        """Two peers with empty channels are both ESTABLISHED or neither is."""
        return forall(
            self.peer,
            self.peer,
            lambda local, remote: implies(
                self.net(local).is_empty() & self.net(remote).is_empty(),
                iff(self.st(local, "ESTABLISHED"), self.st(remote, "ESTABLISHED")),
            ),
        )

    @constraint
    def no_retransmission(self):
        return forall(
            self.peer,
            Tcp.net.index,
            lambda p, i: implies(i + 1 < self.net(p).len(), self.net(p)[i] != self.net(p)[i + 1]),
        )

    @liveness
    def prop(self):
        """Prop == \\A p \\in Peers : connstate[p] = "SYN-SENT" ~> connstate[p] \\in
        {"ESTABLISHED", "LISTEN", "CLOSED"}."""
        return forall(
            self.peer,
            lambda p: leads_to(
                self.st(p, "SYN-SENT"),
                self.st(p, "ESTABLISHED") | self.st(p, "LISTEN") | self.st(p, "CLOSED"),
            ),
        )
