"""LiveInternalMemory: the internal memory of Specifying Systems with its liveness, from
tlaplus/Examples.

TLA+ modules: specifications/SpecifyingSystems/Liveness/LiveInternalMemory.tla (extending
InternalMemory.tla and MemoryInterface.tla), model MCLiveInternalMemory.tla. TLC model:
MCLiveInternalMemory.cfg (Proc = {p1, p2}, Adr = {a1, a2, a3}, Val = {v1, v2}, NoVal a model
value, Send and Reply set memInt' = <<p, d>>, InitMemInt = {<<p1, NoVal>>}; SPECIFICATION
LISpec == ISpec /\\ Liveness2, Liveness2 == \\A p \\in Proc : WF_vars(Do(p) \\/ Rsp(p));
PROPERTIES LivenessProperty and Liveness; deadlock checked).

TLC 2.19 on this machine (2026-12-02, one worker): "Checking 3 branches of temporal properties
for the complete state space with 13224 total distinct states ... Model checking completed. No
error has been found. ... 21400 states generated, 4408 distinct states found, 0 states left on
queue. The depth of the complete state graph search is 10." (the manifest's counts).
`LivenessProperty == \\A p \\in Proc : (ctl[p] = "busy") ~> (ctl[p] = "rdy")` holds. Without
the fairness (MCLiveInternalMemoryNoFair: SPECIFICATION ISpec, PROPERTY LivenessProperty;
`NoFairness` in tests/spec/test_liveness_ports.py): "Error: Temporal properties were violated."
with a 6-state behaviour (two requests, two Do's, p2's Rsp) ending in "State 7: Stuttering",
p1 left "done".

The cfg's second property, `Liveness == \\A p \\in Proc : WF_vars(Do(p)) /\\ WF_vars(Rsp(p))`,
is a fairness formula checked as a property (that Liveness2 implies it). `WF_vars(A)` is
`[]<>~ENABLED <<A>>_vars \\/ []<><<A>>_vars`: `do_is_weakly_fair` and `rsp_is_weakly_fair`
say it with `enabled(...)` and a step formula (a Do(p) step is the one that takes ctl[p] from
"busy" to "done", an Rsp(p) step from "done" to "rdy"; no other action does either). Both hold,
as in TLC; under WF of Do \\/ Rsp as a whole (`WholeFairness` in the tests) they fail.

Encoding:
- A request or a buffer value (MReq \\cup Val \\cup {NoVal}) is a record `Buf(kind, adr, val)`:
  kind NoVal, Val (val = the value), Rd (adr) or Wr (adr, val); the fields a kind does not use
  hold a1 and v1, so each TLA+ value is one record. `memInt` (<<p, d>>) is `mi_proc` and the
  record `mi`.
- Req(p) (\\E req \\in MReq) is `req_read(p, a)` and `req_write(p, a, v)`.
- Liveness2's `\\A p : WF_vars(Do(p) \\/ Rsp(p))` is `WF("do", "rsp", per="p")`: one condition
  per processor over both actions.
"""

from checker import (
    WF,
    Function,
    Individual,
    Param,
    Record,
    Sort,
    Spec,
    action,
    always,
    arbitrary,
    enabled,
    eventually,
    forall,
    ite,
    leads_to,
    liveness,
    require,
)


class LiveInternalMemory(Spec):
    expected_states = {"": 4408}  # TLC
    expected_depth = 10

    procs = Param(2, doc="|Proc|")
    adrs = Param(3, doc="|Adr|")
    vals = Param(2, doc="|Val|")
    proc = Sort(procs, labels="p")
    adr = Sort(adrs, labels="a")
    val = Sort(vals, labels="v")
    kind = Sort(4, labels=("NoVal", "Val", "Rd", "Wr"))
    phase = Sort(3, labels=("rdy", "busy", "done"))

    Buf = Record(kind=kind, adr=adr, val=val)
    NO_VAL = {"kind": kind["NoVal"], "adr": adr[0], "val": val[0]}

    mem = Function(adr, val, init=arbitrary)
    ctl = Function(proc, phase, init=phase["rdy"])
    buf = Function(proc, Buf, init=NO_VAL)
    mi_proc = Individual(proc, init=proc[0])  # memInt = <<CHOOSE p \in Proc : TRUE, NoVal>>
    mi = Individual(Buf, init=NO_VAL)

    fairness = (WF("do", "rsp", per="p"),)  # Liveness2: \A p : WF_vars(Do(p) \/ Rsp(p))

    def no_val(self):
        return self.Buf(kind=self.kind["NoVal"], adr=self.adr[0], val=self.val[0])

    def send(self, p, req) -> None:
        """Req(p) with req: memInt' = <<p, req>>, buf[p] = req, ctl[p] = "busy"."""
        require(self.ctl(p) == self.phase["rdy"])
        self.mi_proc = p
        self.mi = req
        self.buf[p] = req
        self.ctl[p] = self.phase["busy"]

    @action
    def req_read(self, p: proc, a: adr) -> None:
        self.send(p, self.Buf(kind=self.kind["Rd"], adr=a, val=self.val[0]))

    @action
    def req_write(self, p: proc, a: adr, v: val) -> None:
        self.send(p, self.Buf(kind=self.kind["Wr"], adr=a, val=v))

    @action
    def do(self, p: proc) -> None:
        """Do(p): the memory serves p's request."""
        require(self.ctl(p) == self.phase["busy"])
        b = self.buf(p)
        write = b.kind == self.kind["Wr"]
        # a write stores buf[p].val at buf[p].adr (mem before buf: it reads buf[p])
        self.mem[b.adr] = ite(write, b.val, self.mem(b.adr))
        read_back = self.Buf(kind=self.kind["Val"], adr=self.adr[0], val=self.mem(b.adr))
        self.buf[p] = ite(write, self.no_val(), read_back)
        self.ctl[p] = self.phase["done"]

    @action
    def rsp(self, p: proc) -> None:
        """Rsp(p): the answer goes back to p (memInt' = <<p, buf[p]>>)."""
        require(self.ctl(p) == self.phase["done"])
        self.mi_proc = p
        self.mi = self.buf(p)
        self.ctl[p] = self.phase["rdy"]

    @liveness
    def liveness_property(self):
        """LivenessProperty == \\A p \\in Proc : (ctl[p] = "busy") ~> (ctl[p] = "rdy")."""
        return forall(
            self.proc,
            lambda p: leads_to(self.ctl(p) == self.phase["busy"], self.ctl(p) == self.phase["rdy"]),
        )

    def weakly_fair(self, action, p, before, after, post):
        """WF_vars(A(p)) as a formula: []<>~ENABLED A(p) \\/ []<><<A(p)>>_vars, A(p) being the
        step that takes ctl[p] from `before` to `after`."""
        step = (self.ctl(p) == self.phase[before]) & (post.ctl(p) == self.phase[after])
        return always(eventually(~enabled(action, p=p) | step))

    @liveness
    def do_is_weakly_fair(self, post):
        """Liveness's first half: \\A p \\in Proc : WF_vars(Do(p))."""
        return forall(self.proc, lambda p: self.weakly_fair(self.do, p, "busy", "done", post))

    @liveness
    def rsp_is_weakly_fair(self, post):
        """Liveness's second half: \\A p \\in Proc : WF_vars(Rsp(p))."""
        return forall(self.proc, lambda p: self.weakly_fair(self.rsp, p, "done", "rdy", post))
