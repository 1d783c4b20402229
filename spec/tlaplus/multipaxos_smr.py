"""MultiPaxos (MultiPaxos-SMR): MultiPaxos replicating a single-key write/read state machine, with
client-observed events checked for linearizability, from tlaplus/Examples.

TLA+ module: specifications/MultiPaxos-SMR/MultiPaxos.tla (PlusCal translation), model
             MultiPaxos_MC.tla
TLC model:   specifications/MultiPaxos-SMR/MultiPaxos_MC_small.cfg (Replicas = {s1, s2, s3},
             Writes = {w1}, Reads = {r1}, MaxBallot = 2, SYMMETRY SymmetricPerms (the
             permutations of Replicas; Writes and Reads are singletons), INVARIANTS TypeOK
             Linearizability, CHECK_DEADLOCK TRUE).
TLC's counts (manifest, under the cfg's SYMMETRY): 343,796 distinct states, depth 28. Without the
SYMMETRY line (TLC 2.19 on this machine, 9 min 34 s): 2,062,561 distinct states, depth 28
(4,415,485 generated). Both are matched: `expected_states` is the unreduced count (what `check`
compares by default), `expected_symmetric_states` the manifest's (`check --symmetry`: the 6
permutations of the replicas). Deadlock is checked in the cfg: `check --deadlock` finds none
(with or without symmetry), as TLC; without the stuttering `terminating` action it reports the
terminated states as deadlocks, so the checker counts a step back to the same state as TLC does.

Encoding (NumCommands = 2, Slots = 1..2 and the command sort {w1, r1} are the cfg's):
- Replicas is a symmetric sort (TLC's SYMMETRY); `none` is its bottom (node.leader). Commands
  are the sort {w1, r1} with bottom "nil"; w1 is the write. Ballots 1..MaxBallot and the "0"
  of `{0} \\union Ballots` share the integer sort 0..max_ballot (ballot 0 is never in a message).
- node[r] (a record of records) is one function per field: leader, kvalue, commit_up_to,
  bal_prepared, bal_max_known, and per (replica, slot) status, icmd (insts[s].cmd), vbal and
  vcmd (insts[s].voted).
- msgs: Prepare(src, bal) is a relation; AcceptMsg(src, bal, slot, cmd), AcceptReply(src, bal,
  slot) and CommitNotice(upto) are relations over their fields. A PrepareReply(src, bal, votes)
  is sent at most once per (src, bal) (both senders require bal > balMaxKnown[src] and set
  balMaxKnown[src] to bal, which never decreases), so it is a relation pr(src, bal) and the
  votes (a function Slots -> [bal, cmd]) are two functions pr_vbal(src, bal, slot),
  pr_vcmd(src, bal, slot), which hold 0 and nil where no reply was sent (a bijection with the
  sets of records).
- PeakVotedCmd(prs, s) CHOOSEs a (bal, cmd) with the largest voted ballot among the replies;
  here it is the cmd of a reply with the largest (non-zero) ballot, nested `ite`s over the
  two commands. The two agree because all votes for one slot at one ballot are for the same
  command (the invariant `unique_votes`, checked on every reply, which is not in the TLA+).
- pending is always a subsequence of InitPending = <<w1, r1>> (only SelectSeq removes from it),
  so it is the relation pending(c); Head(UnseenPending(insts)) is the first pending command,
  in that order, not among the node's insts' commands (an action parameter constrained to be
  it, as is FirstEmptySlot).
- observed, a sequence of client events [type, cmd, val], is three `Sequence`s of capacity
  2 * NumCommands = 4 (TypeOK's bound on its length) appended together, one per field: obs_kind
  (Req or Ack), obs_cmd and obs_val (nil for a Req event); a sequence of records would be one.
  An Append past the capacity would be an error with its trace (so TypeOK's Len(observed) <= 4
  holds by construction). `IF e \\notin Range(observed) THEN observed' = Append(observed, e)`
  chooses between two statements, which an action body (a list of statements, with no
  conditional statement) cannot: each of the two actions that observe an event is written once
  (`_take_new_request`, `_handle_accept_replies`) and declared twice, for an event that is new
  (appended: `take_new_request`, `handle_accept_replies`) and one already observed (`..._seen`,
  observed unchanged). Reads of the events are guarded by the length (`event`), as a read past
  it is an error. become_leader's guards that read no sequence come first: the vector engine
  failed to compile (an internal error: an `if` with an empty body) an action whose guard
  folds to False for some instance (b = 0) after a guard that reads a sequence, whose
  definedness check comes before it (reported, with a repro).
- The Sequence encoding costs time here: every guard reads observed (through `terminated`),
  and each read `[i]`, though guarded by `i < len()`, brings a check that it is not past the
  length (a definedness check besides the guard itself). To keep that cost down, the guard
  ~done(r) /\\ ~terminated of every branch is required after the branch's own guards (all
  before the branch's first change of state, so their order changes nothing), and type_ok tests the
  events' fields with `contains`, which reads only the slots below the length, unchecked. The
  check still takes about 3.5 times as long as with the hand-made slot functions (which read an
  empty slot as bottom, with no check); reading the slots unchecked below the length makes it
  as fast, so a quantifier over a sequence's positions (or sequences of records, with
  `contains` on a whole event) would remove the cost.
- pc[r] \\in {"rloop", "Done"} is the relation done(r). Every branch of rloop requires
  ~done(r) /\\ ~terminated (`require_running`); `finish` is its ELSE branch, `terminating`
  TLA+'s stuttering Terminating step (no change).
- The language's terms are read when the statement that uses them runs (sequential
  semantics), so a LET such as s == commitUpTo + 1 is re-read after commitUpTo is written;
  the statements are ordered so that each reads the pre-state (commit_up_to is written last).
- TypeOK: the parts that do not hold by construction are `type_ok` (Accept commands are
  commands, kvalue is nil or a write, events carry commands and Ack values in {nil} \\union
  Writes, |reqsMade| >= |acksRecv|). Linearizability is written out for the
  two orders of {w1, r1} (ResultOfCmd and AckPosOfCmd CHOOSE the first Ack of a command).
"""

from checker import (
    Function,
    IntSort,
    MajorityQuorums,
    Param,
    Relation,
    Sequence,
    Sort,
    Spec,
    action,
    exists,
    forall,
    implies,
    init,
    invariant,
    ite,
    require,
)


class MultiPaxosSMR(Spec):
    expected_states = {"": 2062561}  # TLC without SYMMETRY
    expected_symmetric_states = {"": 343796}  # TLC with the cfg's SYMMETRY (the manifest's)
    expected_depth = 28

    replicas = Param(3, doc="|Replicas|")
    max_ballot = Param(2, doc="MaxBallot; Ballots = 1..MaxBallot")

    replica = Sort(replicas, symmetric=True, bottom="none", labels="s")
    cmd = Sort(2, labels=("w1", "r1"), bottom="nil")  # Writes = {w1}, Reads = {r1}
    ballot = IntSort(0, max_ballot)  # {0} \union Ballots
    slot = IntSort(1, 2)  # Slots = 1..NumCommands
    upto = IntSort(0, 2)  # {0} \union Slots
    status = Sort(4, labels=("Empty", "Preparing", "Accepting", "Committed"))
    ekind = Sort(2, labels=("Req", "Ack"))
    quorum = MajorityQuorums(replica)  # Cardinality(...) >= MajorityNum

    # node[r]
    leader = Function(replica, replica.or_bottom, init=replica.bottom)
    kvalue = Function(replica, cmd.or_bottom, init=cmd.bottom)
    commit_up_to = Function(replica, upto, init=0)
    bal_prepared = Function(replica, ballot, init=0)
    bal_max_known = Function(replica, ballot, init=0)
    istatus = Function(replica, slot, status, init=status["Empty"])  # insts[s].status
    icmd = Function(replica, slot, cmd.or_bottom, init=cmd.bottom)  # insts[s].cmd
    vbal = Function(replica, slot, ballot, init=0)  # insts[s].voted.bal
    vcmd = Function(replica, slot, cmd.or_bottom, init=cmd.bottom)  # insts[s].voted.cmd

    # msgs
    prepare = Relation(replica, ballot)  # Prepare(src, bal)
    pr = Relation(replica, ballot)  # PrepareReply(src, bal, votes) was sent
    pr_vbal = Function(replica, ballot, slot, ballot, init=0)  # its votes[s].bal
    pr_vcmd = Function(replica, ballot, slot, cmd.or_bottom, init=cmd.bottom)  # votes[s].cmd
    accept = Relation(replica, ballot, slot, cmd.or_bottom)  # Accept(src, bal, slot, cmd)
    accept_reply = Relation(replica, ballot, slot)  # AcceptReply(src, bal, slot)
    commit_notice = Relation(slot)  # CommitNotice(upto)

    pending = Relation(cmd)
    obs_kind = Sequence(ekind, capacity=4)  # observed[i].type
    obs_cmd = Sequence(cmd.or_bottom, capacity=4)  # observed[i].cmd
    obs_val = Sequence(cmd.or_bottom, capacity=4)  # observed[i].val
    done = Relation(replica)  # pc[r] = "Done"

    @init
    def start(self) -> None:
        self.pending.insert(self.cmd["w1"])
        self.pending.insert(self.cmd["r1"])

    # -- helpers ------------------------------------------------------------------------------
    def is_write(self, c):
        return c == self.cmd["w1"]

    def before(self, c1, c2):
        """c1 precedes c2 in InitPending = <<w1, r1>>."""
        return (c1 == self.cmd["w1"]) & (c2 == self.cmd["r1"])

    def event(self, i, kind, c=None, v=None):
        """observed[i] (0-based, i below the length) is an event of this kind, command and value
        (None: any)."""
        e = (i < self.obs_kind().len()) & (self.obs_kind()[i] == kind)
        if c is not None:
            e = e & (self.obs_cmd()[i] == c)
        if v is not None:
            e = e & (self.obs_val()[i] == v)
        return e

    def observed_has(self, kind, c, v=None):
        """An event of this kind, command and value is in Range(observed)."""
        return exists(MultiPaxosSMR.obs_kind.index, lambda i: self.event(i, kind, c, v))

    def observe(self, new: bool, kind, c, v) -> None:
        """IF e \\notin Range(observed) THEN observed' = Append(observed, e): `new` says which
        branch (the two are two actions)."""
        if new:
            require(~self.observed_has(kind, c, v))
            self.obs_kind().append(kind)
            self.obs_cmd().append(c)
            self.obs_val().append(v)
        else:
            require(self.observed_has(kind, c, v))

    def has_req(self, c):
        return self.observed_has(self.ekind["Req"], c)

    def has_ack(self, c):
        return self.observed_has(self.ekind["Ack"], c)

    def terminated(self):
        return forall(self.cmd, lambda c: ~self.pending(c) & self.has_req(c) & self.has_ack(c))

    def require_running(self, r) -> None:
        """pc[r] = "rloop" /\\ ~terminated: the guard of every branch of rloop, required after
        the branch's own guards and in two steps, so that `terminated` (which reads observed,
        each read checked against its length) is evaluated on as few states as can be."""
        require(~self.done(r))
        require(~self.terminated())

    def prepare_statuses(self, r):
        """insts[s].status: Accepting becomes Preparing."""
        st = self.status
        self.istatus.update(
            lambda r2, s: ite(
                (r2 == r) & (self.istatus(r2, s) == st["Accepting"]),
                st["Preparing"],
                self.istatus(r2, s),
            )
        )

    def send_prepare_reply(self, r, b):
        """PrepareReplyMsg(r, b, VotesByNode(node[r]))."""
        self.pr.insert(r, b)
        self.pr_vbal.update(
            lambda r2, b2, s: ite((r2 == r) & (b2 == b), self.vbal(r2, s), self.pr_vbal(r2, b2, s))
        )
        self.pr_vcmd.update(
            lambda r2, b2, s: ite((r2 == r) & (b2 == b), self.vcmd(r2, s), self.pr_vcmd(r2, b2, s))
        )

    def is_peak(self, b, s, c):
        """(b, s): some reply of ballot b voted c at the largest ballot of the replies' votes."""
        return exists(
            self.replica,
            lambda a: (
                self.pr(a, b)
                & (self.pr_vbal(a, b, s) != 0)
                & (self.pr_vcmd(a, b, s) == c)
                & forall(
                    self.replica,
                    lambda a2: implies(
                        self.pr(a2, b), self.pr_vbal(a2, b, s) <= self.pr_vbal(a, b, s)
                    ),
                )
            ),
        )

    def peak(self, b, s):
        """PeakVotedCmd(prs, s) for prs the PrepareReplies of ballot b."""
        w1, r1 = self.cmd["w1"], self.cmd["r1"]
        return ite(self.is_peak(b, s, w1), w1, ite(self.is_peak(b, s, r1), r1, self.cmd.bottom))

    def commit_next(self, r):
        """insts[s].status := "Committed", kvalue := c if c is a write, commitUpTo := s, for
        s = commitUpTo + 1 and c = insts[s].cmd (commit_up_to written last)."""
        s = self.commit_up_to(r) + 1
        c = self.icmd(r, s)
        self.kvalue[r] = ite(self.is_write(c), c, self.kvalue(r))
        self.istatus[r, s] = self.status["Committed"]
        self.commit_up_to[r] = s

    # -- the branches of rloop ------------------------------------------------------------------
    @action
    def become_leader(self, r: replica, b: ballot) -> None:
        require((b != 0) & (b > self.bal_max_known(r)) & (self.leader(r) != r))
        require(~exists(self.replica, lambda x: self.prepare(x, b)))
        self.require_running(r)
        self.leader[r] = r
        self.bal_prepared[r] = 0
        self.bal_max_known[r] = b
        self.prepare_statuses(r)
        self.prepare.insert(r, b)
        self.send_prepare_reply(r, b)

    @action
    def handle_prepare(self, r: replica, src: replica, b: ballot) -> None:
        require(self.prepare(src, b) & (b > self.bal_max_known(r)))
        self.require_running(r)
        self.leader[r] = src
        self.bal_max_known[r] = b
        self.prepare_statuses(r)
        self.send_prepare_reply(r, b)

    @action
    def handle_prepare_replies(self, r: replica) -> None:
        require((self.leader(r) == r) & (self.bal_prepared(r) == 0))
        b = self.bal_max_known(r)
        require(
            exists(
                self.quorum,
                lambda q: forall(
                    self.replica, lambda a: implies(self.quorum.member(a, q), self.pr(a, b))
                ),
            )
        )
        self.require_running(r)
        st = self.status
        self.istatus.update(
            lambda r2, s: ite(
                (r2 == r)
                & (
                    (self.istatus(r2, s) == st["Preparing"])
                    | ((self.istatus(r2, s) == st["Empty"]) & (self.peak(b, s) != self.cmd.bottom))
                ),
                st["Accepting"],
                self.istatus(r2, s),
            )
        )
        self.icmd.update(lambda r2, s: ite(r2 == r, self.peak(b, s), self.icmd(r2, s)))
        self.bal_prepared[r] = b
        self.accept.update(
            lambda r2, b2, s, c: (
                self.accept(r2, b2, s, c)
                | (
                    (r2 == r)
                    & (b2 == b)
                    & (self.istatus(r, s) == st["Accepting"])
                    & (c == self.icmd(r, s))
                )
            )
        )

    def _take_new_request(self, r, s, c, new: bool) -> None:
        st = self.status
        require(self.leader(r) == r)
        require(self.bal_prepared(r) == self.bal_max_known(r))
        # s = FirstEmptySlot(node[r].insts)
        require(self.istatus(r, s) == st["Empty"])
        require(forall(self.slot, lambda t: implies(t < s, self.istatus(r, t) != st["Empty"])))

        # c = Head(UnseenPending(node[r].insts))
        def unseen(x):
            return self.pending(x) & ~exists(self.slot, lambda t: self.icmd(r, t) == x)

        require(unseen(c))
        require(forall(self.cmd, lambda x: implies(self.before(x, c), ~unseen(x))))
        self.require_running(r)
        bp = self.bal_prepared(r)
        self.istatus[r, s] = st["Accepting"]
        self.icmd[r, s] = c
        self.vbal[r, s] = bp
        self.vcmd[r, s] = c
        self.accept.insert(r, bp, s, c)
        self.accept_reply.insert(r, bp, s)
        self.observe(new, self.ekind["Req"], c, self.cmd.bottom)

    @action
    def take_new_request(self, r: replica, s: slot, c: cmd) -> None:
        """TakeNewRequest, its Req event new."""
        self._take_new_request(r, s, c, new=True)

    @action
    def take_new_request_seen(self, r: replica, s: slot, c: cmd) -> None:
        """TakeNewRequest, its Req event already observed."""
        self._take_new_request(r, s, c, new=False)

    @action
    def handle_accept(self, r: replica, src: replica, b: ballot, s: slot, c: cmd) -> None:
        require(self.accept(src, b, s, c))
        require((b >= self.bal_max_known(r)) & (b > self.vbal(r, s)))
        self.require_running(r)
        self.leader[r] = src
        self.bal_max_known[r] = b
        self.istatus[r, s] = self.status["Accepting"]
        self.icmd[r, s] = c
        self.vbal[r, s] = b
        self.vcmd[r, s] = c
        self.accept_reply.insert(r, b, s)

    def _handle_accept_replies(self, r, new: bool) -> None:
        require(self.leader(r) == r)
        require(self.bal_prepared(r) == self.bal_max_known(r))
        require(self.commit_up_to(r) < 2)
        s = self.commit_up_to(r) + 1
        require(self.istatus(r, s) == self.status["Accepting"])
        bp = self.bal_prepared(r)
        require(
            exists(
                self.quorum,
                lambda q: forall(
                    self.replica,
                    lambda a: implies(self.quorum.member(a, q), self.accept_reply(a, bp, s)),
                ),
            )
        )
        self.require_running(r)
        c = self.icmd(r, s)
        self.observe(new, self.ekind["Ack"], c, self.kvalue(r))
        self.pending.update(lambda x: self.pending(x) & (x != c))
        self.commit_notice.insert(s)
        self.commit_next(r)

    @action
    def handle_accept_replies(self, r: replica) -> None:
        """HandleAcceptReplies, its Ack event new."""
        self._handle_accept_replies(r, new=True)

    @action
    def handle_accept_replies_seen(self, r: replica) -> None:
        """HandleAcceptReplies, its Ack event already observed."""
        self._handle_accept_replies(r, new=False)

    @action
    def handle_commit_notice(self, r: replica) -> None:
        require((self.leader(r) != r) & (self.commit_up_to(r) < 2))
        s = self.commit_up_to(r) + 1
        require(self.istatus(r, s) == self.status["Accepting"])
        require(self.commit_notice(s))
        self.require_running(r)
        self.commit_next(r)

    @action
    def finish(self, r: replica) -> None:
        """rloop's ELSE branch: pc[r] becomes "Done" once terminated."""
        require(~self.done(r))
        require(self.terminated())
        self.done.insert(r)

    @action
    def terminating(self) -> None:
        """Terminating: every process is Done; a stuttering step."""
        require(forall(self.replica, lambda r: self.done(r)))

    # -- properties -----------------------------------------------------------------------------
    @invariant
    def type_ok(self):
        nil = self.cmd.bottom
        accepts_ok = forall(
            self.replica,
            self.ballot,
            self.slot,
            lambda r, b, s: ~self.accept(r, b, s, nil),
        )
        kvalue_ok = forall(self.replica, lambda r: self.kvalue(r) != self.cmd["r1"])
        events_ok = ~self.obs_cmd().contains(nil) & ~self.obs_val().contains(self.cmd["r1"])
        # Cardinality(reqsMade) >= Cardinality(acksRecv), for two commands
        acks_le_reqs = ~(
            exists(self.cmd, lambda c: self.has_ack(c))
            & forall(self.cmd, lambda c: ~self.has_req(c))
        ) & ~(
            forall(self.cmd, lambda c: self.has_ack(c))
            & exists(self.cmd, lambda c: ~self.has_req(c))
        )
        return accepts_ok & kvalue_ok & events_ok & acks_le_reqs

    @invariant
    def unique_votes(self):
        """Not in the TLA+: replies' votes for one slot at one ballot are for one command, so
        PeakVotedCmd's CHOOSE has one candidate."""
        return forall(
            self.replica,
            self.ballot,
            self.replica,
            self.ballot,
            self.slot,
            lambda a1, b1, a2, b2, s: implies(
                self.pr(a1, b1)
                & self.pr(a2, b2)
                & (self.pr_vbal(a1, b1, s) != 0)
                & (self.pr_vbal(a1, b1, s) == self.pr_vbal(a2, b2, s)),
                self.pr_vcmd(a1, b1, s) == self.pr_vcmd(a2, b2, s),
            ),
        )

    def first_ack_at(self, c, i):
        ack = self.ekind["Ack"]
        pos = MultiPaxosSMR.obs_kind.index
        return self.event(i, ack, c) & forall(pos, lambda j: implies(j < i, ~self.event(j, ack, c)))

    def result_is(self, c, v):
        """ResultOfCmd(c) = v: the value of the first Ack of c."""
        pos = MultiPaxosSMR.obs_kind.index
        return exists(pos, lambda i: self.first_ack_at(c, i) & (self.obs_val()[i] == v))

    def ack_before_req(self, c1, c2):
        """AckPosOfCmd(c1) < ReqPosOfCmd(c2)."""
        pos = MultiPaxosSMR.obs_kind.index
        return exists(
            pos,
            pos,
            lambda i, j: (i < j) & self.first_ack_at(c1, i) & self.event(j, self.ekind["Req"], c2),
        )

    @invariant
    def linearizability(self):
        """terminated => one of the orders <<w1, r1>>, <<r1, w1>> is linear and obeys real
        time."""
        w1, r1, nil = self.cmd["w1"], self.cmd["r1"], self.cmd.bottom

        def obeys(first, second):
            return forall(
                self.cmd,
                self.cmd,
                lambda c1, c2: implies(self.ack_before_req(c1, c2), (c1 == first) & (c2 == second)),
            )

        write_first = self.result_is(w1, nil) & self.result_is(r1, w1) & obeys(w1, r1)
        read_first = self.result_is(r1, nil) & self.result_is(w1, nil) & obeys(r1, w1)
        return implies(self.terminated(), write_first | read_first)
