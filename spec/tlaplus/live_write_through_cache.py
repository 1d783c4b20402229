"""LiveWriteThroughCache: Specifying Systems' write-through cache with its liveness, checked
against the live internal memory it implements, from tlaplus/Examples.

TLA+ modules: specifications/SpecifyingSystems/Liveness/LiveWriteThroughCache.tla (extending
WriteThroughCacheInstanced.tla and MemoryInterface.tla), model MCLiveWriteThroughCache.tla.
TLC model: MCLiveWriteThroughCache.cfg (Proc = {p1, p2}, Adr = {a1}, Val = {v1, v2}, QLen = 1,
NoVal a model value, Send and Reply set memInt' = <<p, d>>, InitMemInt = {<<p1, NoVal>>};
SPECIFICATION LSpec == Spec /\\ Liveness; PROPERTIES LM_Inner_LISpec and LM_Inner_Liveness;
deadlock checked).

TLC 2.19 on this machine (2026-12-03, one worker): "Checking temporal properties for the
complete state space with 5196 total distinct states ... Model checking completed. No error has
been found. ... 28170 states generated, 5196 distinct states found, 0 states left on queue. The
depth of the complete state graph search is 18." Both properties hold.

The properties are the refinement of chapter "A Caching Memory", instantiated by hand as the
MC module does: the internal memory's spec (LiveInternalMemory's LISpec) over the cache's
variables mapped by omem == vmem (the memory with the queued writes applied), octl == ctl with
"waiting" read as "busy", obuf == buf.
- LM_Inner_LISpec == LM_Inner_ISpec /\\ LM_Inner_Liveness2. Its safety part, [][LM_Inner_INext]_
  <<memInt, omem, octl, obuf>>, is the action property `lm_inner_next`: every step is a Req,
  Do or Rsp step of the mapped memory, or leaves the mapped variables alone. Its initial
  condition LM_Inner_IInit holds by construction (Init is M_IInit with an empty queue, so
  omem = wmem, octl = ctl, obuf = buf). LM_Inner_Liveness2 is `lm_inner_liveness2`:
  `\\A p : []<>~(EnabledDo(p) \\/ EnabledRsp(p)) \\/ []<><<Do(p) \\/ Rsp(p)>>_LM_Inner_vars`,
  with ENABLED instantiated as the MC module does (octl[p] = "busy", resp. "done") and the
  abstract steps as step formulas over the mapped variables.
- LM_Inner_Liveness is `lm_inner_liveness_do` and `lm_inner_liveness_rsp` (its two conjuncts
  per processor).

Fairness (LiveWriteThroughCache's Liveness): `\\A p : WF_vars(Rsp(p) \\/ DoRd(p))`, `\\A p :
SF_vars(RdMiss(p) \\/ DoWr(p))`, and `WF_vars((QCond /\\ MemQWr) \\/ MemQRd)`. Fairness is per
action, so MemQWr is two actions, `mem_q_wr` when QCond holds and `mem_q_wr_early` when it does
not (together exactly MemQWr: the same states and transitions); the last condition is
`WF("mem_q_wr", "mem_q_rd")`.

Encoding (as in live_internal_memory.py): a request or buffer value (MReq \\cup Val \\cup
{NoVal}) is a record `Buf(kind, adr, val)` with the fields a kind does not use at a1 and v1;
memQ, a sequence of <<p, req>>, is a sequence of records `Entry(proc, kind, adr, val)`; a cache
line holding NoVal is bottom. Req(p) is `req_read(p, a)` and `req_write(p, a, v)`.
"""

from checker import (
    SF,
    WF,
    Function,
    Individual,
    Param,
    Record,
    Sequence,
    Sort,
    Spec,
    action,
    action_property,
    always,
    arbitrary,
    eventually,
    exists,
    forall,
    iff,
    implies,
    ite,
    liveness,
    pick,
    require,
)


class LiveWriteThroughCache(Spec):
    expected_states = {"": 5196}  # TLC
    expected_depth = 18

    procs = Param(2, doc="|Proc|")
    adrs = Param(1, doc="|Adr|")
    vals = Param(2, doc="|Val|")
    qlen = Param(1, doc="QLen")
    proc = Sort(procs, labels="p")
    adr = Sort(adrs, labels="a")
    val = Sort(vals, labels="v", bottom="NoVal")
    kind = Sort(4, labels=("NoVal", "Val", "Rd", "Wr"))
    phase = Sort(4, labels=("rdy", "busy", "waiting", "done"))

    Buf = Record(kind=kind, adr=adr, val=val)
    Entry = Record(proc=proc, kind=kind, adr=adr, val=val)
    NO_VAL = {"kind": kind["NoVal"], "adr": adr[0], "val": val[0]}

    wmem = Function(adr, val, init=arbitrary)
    ctl = Function(proc, phase, init=phase["rdy"])
    buf = Function(proc, Buf, init=NO_VAL)
    cache = Function(proc, adr, val.or_bottom, init=val.bottom)
    mem_q = Sequence(Entry, capacity=qlen)
    mi_proc = Individual(proc, init=proc[0])  # memInt = <<CHOOSE p \in Proc : TRUE, NoVal>>
    mi = Individual(Buf, init=NO_VAL)

    fairness = (
        WF("rsp", "do_rd", per="p"),
        SF("rd_miss", "do_wr", per="p"),
        WF("mem_q_wr", "mem_q_rd"),
    )

    def no_val(self):
        return self.Buf(kind=self.kind["NoVal"], adr=self.adr[0], val=self.val[0])

    def is_(self, x, kind):
        return x.kind == self.kind[kind]

    # -- the cache -------------------------------------------------------------------------

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
    def rsp(self, p: proc) -> None:
        """Rsp(p): memInt' = <<p, buf[p]>>, ctl[p] = "rdy"."""
        require(self.ctl(p) == self.phase["done"])
        self.mi_proc = p
        self.mi = self.buf(p)
        self.ctl[p] = self.phase["rdy"]

    def enqueue(self, p, r) -> None:
        require(self.mem_q().len() < self.qlen)
        self.mem_q().append(self.Entry(proc=p, kind=r.kind, adr=r.adr, val=r.val))

    @action
    def rd_miss(self, p: proc) -> None:
        """RdMiss(p): a read of an address p does not cache goes to the memory queue."""
        r = self.buf(p)
        require((self.ctl(p) == self.phase["busy"]) & self.is_(r, "Rd"))
        require(self.cache(p, r.adr) == self.val.bottom)
        self.enqueue(p, r)
        self.ctl[p] = self.phase["waiting"]

    @action
    def do_rd(self, p: proc) -> None:
        """DoRd(p): a read served from p's cache."""
        r = self.buf(p)
        busy = (self.ctl(p) == self.phase["busy"]) | (self.ctl(p) == self.phase["waiting"])
        require(busy & self.is_(r, "Rd") & (self.cache(p, r.adr) != self.val.bottom))
        v = pick(self.val, lambda v: self.cache(p, r.adr) == v)
        self.buf[p] = self.Buf(kind=self.kind["Val"], adr=self.adr[0], val=v)
        self.ctl[p] = self.phase["done"]

    @action
    def do_wr(self, p: proc) -> None:
        """DoWr(p): a write updates p's cache and every cache holding the address, and
        goes to the memory queue."""
        r = self.buf(p)
        require((self.ctl(p) == self.phase["busy"]) & self.is_(r, "Wr"))
        self.enqueue(p, r)
        self.cache.update(
            lambda q, a: ite(
                (a == r.adr) & ((q == p) | (self.cache(q, a) != self.val.bottom)),
                r.val,
                self.cache(q, a),
            )
        )
        self.buf[p] = self.no_val()
        self.ctl[p] = self.phase["done"]

    def q_cond(self):
        """QCond: the queue is full or holds a read."""
        q = self.mem_q()
        return (q.len() == self.qlen) | q.any(lambda e: self.is_(e, "Rd"))

    def write_head(self) -> None:
        """MemQWr: the write at the head of the queue reaches the memory."""
        q = self.mem_q()
        require(~q.is_empty() & self.is_(q.head(), "Wr"))
        self.wmem[q.head().adr] = q.head().val
        self.mem_q().pop()

    @action
    def mem_q_wr(self) -> None:
        """MemQWr where QCond holds (the part WF_vars((QCond /\\ MemQWr) \\/ MemQRd) covers)."""
        require(self.q_cond())
        self.write_head()

    @action
    def mem_q_wr_early(self) -> None:
        """MemQWr where QCond does not hold."""
        require(~self.q_cond())
        self.write_head()

    @action
    def mem_q_rd(self) -> None:
        """MemQRd: the read at the head of the queue fills its processor's cache line with
        vmem (the memory as the queued writes leave it)."""
        q = self.mem_q()
        require(~q.is_empty() & self.is_(q.head(), "Rd"))
        e = q.head()
        v = pick(self.val, lambda v: self.vmem_is(self, e.adr, v))
        self.cache[e.proc, e.adr] = v
        self.mem_q().pop()

    @action
    def evict(self, p: proc, a: adr) -> None:
        """Evict(p, a): drop a cache line, unless p waits for it."""
        waiting = self.ctl(p) == self.phase["waiting"]
        require(implies(waiting, self.buf(p).adr != a))
        self.cache[p, a] = self.val.bottom

    # -- the refinement mapping --------------------------------------------------------------

    def vmem_is(self, s, a, v):
        """vmem[a] = v in state `s`: the last write to `a` in the queue writes v, or there is
        none and wmem[a] = v."""
        q = s.mem_q()

        def writes(e):
            return self.is_(e, "Wr") & (e.adr == a)

        def last(i, e):  # the entry at i writes a, and none after it does
            return writes(e) & q.all(lambda j, f: implies(j > i, ~writes(f)))

        return ite(
            q.any(writes),
            q.any(lambda i, e: last(i, e) & (e.val == v)),
            s.wmem(a) == v,
        )

    def octl(self, s, p, phase):
        """octl[p] = phase in state `s` ("waiting" reads as "busy")."""
        c = s.ctl(p)
        if phase == "busy":
            return (c == self.phase["busy"]) | (c == self.phase["waiting"])
        return c == self.phase[phase]

    def omem_same(self, post):
        return forall(
            self.adr,
            lambda a: forall(
                self.val, lambda v: iff(self.vmem_is(post, a, v), self.vmem_is(self, a, v))
            ),
        )

    def octl_same(self, post, q):
        return iff(self.octl(post, q, "rdy"), self.octl(self, q, "rdy")) & iff(
            self.octl(post, q, "busy"), self.octl(self, q, "busy")
        )

    def octl_same_but(self, post, p):
        return forall(self.proc, lambda q: implies(q != p, self.octl_same(post, q)))

    def obuf_same_but(self, post, p):
        return forall(self.proc, lambda q: implies(q != p, post.buf(q) == self.buf(q)))

    def mem_int_same(self, post):
        return (post.mi_proc == self.mi_proc) & (post.mi == self.mi)

    def lm_req(self, post, p):
        """LM_Inner_Req(p): some request req \\in MReq is sent (memInt' = <<p, req>>)."""
        req = post.mi
        return (
            self.octl(self, p, "rdy")
            & (post.mi_proc == p)
            & (self.is_(req, "Rd") | self.is_(req, "Wr"))
            & (post.buf(p) == req)
            & self.octl(post, p, "busy")
            & self.octl_same_but(post, p)
            & self.obuf_same_but(post, p)
            & self.omem_same(post)
        )

    def lm_do(self, post, p):
        """LM_Inner_Do(p): the mapped memory serves p's request."""
        r = self.buf(p)
        write = self.is_(r, "Wr")
        omem = forall(
            self.adr,
            lambda a: forall(
                self.val,
                lambda v: iff(
                    self.vmem_is(post, a, v),
                    ite(write & (a == r.adr), v == r.val, self.vmem_is(self, a, v)),
                ),
            ),
        )
        read_back = (
            self.is_(post.buf(p), "Val")
            & (post.buf(p).adr == self.adr[0])
            & self.vmem_is(self, r.adr, post.buf(p).val)
        )
        return (
            self.octl(self, p, "busy")
            & omem
            & ite(write, post.buf(p) == self.no_val(), read_back)
            & self.octl(post, p, "done")
            & self.octl_same_but(post, p)
            & self.obuf_same_but(post, p)
            & self.mem_int_same(post)
        )

    def lm_rsp(self, post, p):
        """LM_Inner_Rsp(p): memInt' = <<p, obuf[p]>>, octl[p] from "done" to "rdy"."""
        return (
            self.octl(self, p, "done")
            & (post.mi_proc == p)
            & (post.mi == self.buf(p))
            & self.octl(post, p, "rdy")
            & self.octl_same_but(post, p)
            & self.obuf_same_but(post, p)
            & (post.buf(p) == self.buf(p))
            & self.omem_same(post)
        )

    @action_property
    def lm_inner_next(self, post):
        """[][LM_Inner_INext]_<<memInt, omem, octl, obuf>>: LM_Inner_ISpec's steps."""
        unchanged = (
            self.mem_int_same(post)
            & self.omem_same(post)
            & forall(self.proc, lambda p: post.buf(p) == self.buf(p))
            & forall(self.proc, lambda q: self.octl_same(post, q))
        )
        return unchanged | exists(
            self.proc,
            lambda p: self.lm_req(post, p) | self.lm_do(post, p) | self.lm_rsp(post, p),
        )

    @liveness
    def lm_inner_liveness2(self, post):
        """LM_Inner_Liveness2 == \\A p : []<>~(LM_Inner_EnabledDo(p) \\/ LM_Inner_EnabledRsp(p))
        \\/ []<><<LM_Inner_Do(p) \\/ LM_Inner_Rsp(p)>>_LM_Inner_vars."""
        return forall(
            self.proc,
            lambda p: always(
                eventually(
                    ~(self.octl(self, p, "busy") | self.octl(self, p, "done"))
                    | self.lm_do(post, p)
                    | self.lm_rsp(post, p)
                )
            ),
        )

    @liveness
    def lm_inner_liveness_do(self, post):
        """LM_Inner_Liveness's first conjunct: \\A p : []<>~LM_Inner_EnabledDo(p) \\/
        []<><<LM_Inner_Do(p)>>_LM_Inner_vars."""
        return forall(
            self.proc,
            lambda p: always(eventually(~self.octl(self, p, "busy") | self.lm_do(post, p))),
        )

    @liveness
    def lm_inner_liveness_rsp(self, post):
        """LM_Inner_Liveness's second conjunct: \\A p : []<>~LM_Inner_EnabledRsp(p) \\/
        []<><<LM_Inner_Rsp(p)>>_LM_Inner_vars."""
        return forall(
            self.proc,
            lambda p: always(eventually(~self.octl(self, p, "done") | self.lm_rsp(post, p))),
        )
