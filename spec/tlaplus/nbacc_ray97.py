"""nbacc_ray97: Raynal's non-blocking atomic commitment with crashes (Konnov, Tran, Widder),
ported from tlaplus/Examples.

TLA+ module: specifications/nbacc_ray97/nbacc_ray97.tla
TLC model:   specifications/nbacc_ray97/nbacc_ray97.cfg (N = 2, INVARIANT TypeOK, deadlock
             checked; the "do nothing" disjunct of Step keeps every state enabled).
TLC's counts: 3,016 distinct states, depth 7 (49,592 states generated).

Encoding:
- Proc == 1..N is an integer sort; M == {"YES", "NO"} a sort `msg`; pc a function into a sort
  of the six labels; sent (a subset of Proc \\X M) a relation sent(p, m); rcvd[p] a relation
  rcvd(p, q, m); fd a relation fd(p) (fd[p] = TRUE).
- Init: sent and rcvd empty, pc \\in [Proc -> {"YES", "NO"}] and fd \\in [Proc -> BOOLEAN]
  start arbitrary, an @init keeps pc in {"YES", "NO"}.
- Step(self) is Receive /\\ UpdateFailureDetector /\\ (one of five disjuncts). Each disjunct is
  an action with the parameters `f` (the new fd[self]) and `rq`, Receive's choice: a set
  r with rcvd[self] \\subseteq r \\subseteq sent. The language has no subsets as values, so:
  every process sends at most one message (its pc leaves "YES"/"NO" for good when it does),
  hence r is fixed by the set Q of processes whose message (in sent) is in r, and
  rcvd'[self] = {(q, m) \\in sent : (q, m) \\in rcvd[self] \\/ q \\in Q}. Q ranges over every
  subset of Proc through a quorum sort: the subsets of N elements of `slot` = 0..2N-1 that
  hold exactly one of 2(q-1) ("q \\in Q") and 2(q-1)+1 ("q \\notin Q") for each q
  (`choice_ok`), a bijection with SUBSET Proc. Different Q may give the same r (when q sent
  nothing or rcvd[self] has it already), so more transitions are generated than TLC's
  (95,016 against 49,592), but the successor states, and so the counts, are the same.
- UponSent's disjuncts are `sent_abort` (fd'[self] or a "NO" in the old rcvd[self]) and
  `sent_commit` (not fd'[self] and a "YES" from every process in the new rcvd[self]).
- TypeOK holds by construction (`type_ok` is `well_typed()`). Validity is not an invariant of
  the cfg and is not ported. Deadlock: `--deadlock` finds none, as TLC.
"""

from checker import (
    Function,
    IntSort,
    Param,
    Quorums,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    exists,
    forall,
    init,
    invariant,
    require,
    well_typed,
)


class NbaccRay97(Spec):
    expected_states = {"": 3016}  # TLC
    expected_depth = 7

    n = Param(2, doc="N, the number of processes")

    proc = IntSort(1, n)
    msg = Sort(2, labels=("YES", "NO"))
    label = Sort(6, labels=("YES", "NO", "SENT", "ABORT", "COMMIT", "CRASH"))
    boolean = Sort(2, labels=("FALSE", "TRUE"))
    slot = IntSort(0, 2 * n - 1)
    choice = Quorums(slot, n)  # Receive's set Q of processes, see choice_ok

    pc = Function(proc, label, init=arbitrary)
    rcvd = Relation(proc, proc, msg)  # rcvd(p, q, m): <<q, m>> \in rcvd[p]
    sent = Relation(proc, msg)
    fd = Relation(proc, init=arbitrary)

    @init
    def start(self) -> None:
        require(
            forall(
                self.proc,
                lambda p: (self.pc(p) == self.label["YES"]) | (self.pc(p) == self.label["NO"]),
            )
        )

    # -- Receive and UpdateFailureDetector, shared by every disjunct of Step ------------------
    def in_choice(self, q, c):
        return exists(self.slot, lambda s: (s == 2 * (q - 1)) & self.choice.member(s, c))

    def choice_ok(self, c):
        return forall(
            self.proc,
            lambda q: exists(
                self.slot,
                lambda s: ((s == 2 * (q - 1)) | (s == 2 * (q - 1) + 1)) & self.choice.member(s, c),
            ),
        )

    def receive_and_detect(self, p, c, f):
        require(self.choice_ok(c))
        self.rcvd.update(
            lambda x, q, m: self.rcvd(x, q, m) | ((x == p) & self.sent(q, m) & self.in_choice(q, c))
        )
        self.fd.update(lambda x: (self.fd(x) & (x != p)) | ((x == p) & (f == self.boolean["TRUE"])))

    # -- Step ---------------------------------------------------------------------------------
    @action
    def upon_yes(self, p: proc, c: choice, f: boolean) -> None:
        require(self.pc(p) == self.label["YES"])
        self.receive_and_detect(p, c, f)
        self.pc[p] = self.label["SENT"]
        self.sent.insert(p, self.msg["YES"])

    @action
    def upon_no(self, p: proc, c: choice, f: boolean) -> None:
        require(self.pc(p) == self.label["NO"])
        self.receive_and_detect(p, c, f)
        self.pc[p] = self.label["SENT"]
        self.sent.insert(p, self.msg["NO"])

    @action
    def upon_crash(self, p: proc, c: choice, f: boolean) -> None:
        require(self.pc(p) != self.label["CRASH"])
        self.receive_and_detect(p, c, f)
        self.pc[p] = self.label["CRASH"]

    @action
    def sent_abort(self, p: proc, c: choice, f: boolean) -> None:
        require(self.pc(p) == self.label["SENT"])
        require(
            (f == self.boolean["TRUE"])
            | exists(self.proc, lambda q: self.rcvd(p, q, self.msg["NO"]))
        )
        self.receive_and_detect(p, c, f)
        self.pc[p] = self.label["ABORT"]

    @action
    def sent_commit(self, p: proc, c: choice) -> None:
        require(self.pc(p) == self.label["SENT"])
        self.receive_and_detect(p, c, self.boolean["FALSE"])
        require(forall(self.proc, lambda q: self.rcvd(p, q, self.msg["YES"])))
        self.pc[p] = self.label["COMMIT"]

    @action
    def do_nothing(self, p: proc, c: choice, f: boolean) -> None:
        self.receive_and_detect(p, c, f)

    @invariant
    def type_ok(self):
        return well_typed()
