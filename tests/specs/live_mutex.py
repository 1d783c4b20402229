"""Liveness: processes that try, enter a critical section guarded by one lock, and leave.

`Mutex` has no fairness: a trying process may wait for ever (the behaviour stutters).
`WeakMutex` is weakly fair to each process's `enter`, which does not prevent starvation: the
lock is free only now and then while another process keeps taking it (a lasso).
`StrongMutex` is strongly fair to each process's `enter`: every trying process gets in.
`Entering` and its fair variants state properties of steps and of ENABLED.
"""

from checker import (
    SF,
    WF,
    Function,
    Individual,
    Param,
    Sort,
    Spec,
    action,
    always,
    enabled,
    eventually,
    forall,
    leads_to,
    liveness,
    require,
)


class Locks(Spec):
    """The processes and the lock, without properties."""

    procs = Param(2)
    proc = Sort(procs, labels="p")
    phase = Sort(3, labels=("idle", "trying", "critical"))
    pc = Function(proc, phase, init=phase["idle"])
    locked = Individual(phase, init=phase["idle"])  # idle: free, critical: held

    def trying(self, p):
        return self.pc(p) == self.phase["trying"]

    def in_cs(self, p):
        return self.pc(p) == self.phase["critical"]

    @action
    def request(self, p: proc) -> None:
        require(self.pc(p) == self.phase["idle"])
        self.pc[p] = self.phase["trying"]

    @action
    def enter(self, p: proc) -> None:
        require(self.trying(p) & (self.locked == self.phase["idle"]))
        self.pc[p] = self.phase["critical"]
        self.locked = self.phase["critical"]

    @action
    def leave(self, p: proc) -> None:
        require(self.in_cs(p))
        self.pc[p] = self.phase["idle"]
        self.locked = self.phase["idle"]


class Mutex(Locks):
    @liveness
    def no_starvation(self):
        return forall(self.proc, lambda p: leads_to(self.trying(p), self.in_cs(p)))


class WeakMutex(Mutex):
    fairness = (WF("enter", per="p"), WF("leave", per="p"), WF("request", per="p"))


class StrongMutex(Mutex):
    fairness = (SF("enter", per="p"), WF("leave", per="p"))

    @liveness
    def lock_freed_often(self):
        return always(eventually(self.locked == self.phase["idle"]))

    @liveness
    def someone_enters(self):
        return eventually(forall(self.proc, lambda p: ~self.trying(p)) | self.in_cs(self.proc[0]))


class Entering(Locks):
    """Steps and ENABLED in properties. `enter_is_weakly_fair` is TLA+'s `WF_vars(Enter(p))`
    stated as a property, `[]<>~ENABLED Enter(p) \\/ []<><<Enter(p)>>_vars`: without fairness
    it fails (a trying process waits for ever at a free lock). `tries_end_in_entering` says a
    trying process eventually takes the step into the critical section."""

    def entered(self, p, post):
        return ~self.in_cs(p) & post.in_cs(p)

    @liveness
    def enter_is_weakly_fair(self, post):
        return forall(
            self.proc,
            lambda p: (
                always(eventually(~enabled(self.enter, p=p)))
                | always(eventually(self.entered(p, post)))
            ),
        )

    @liveness
    def tries_end_in_entering(self, post):
        return forall(self.proc, lambda p: leads_to(self.trying(p), self.entered(p, post)))


class WeakEntering(Entering):
    """Weak fairness makes `enter_is_weakly_fair` hold; a process still starves."""

    fairness = WeakMutex.fairness


class StrongEntering(Entering):
    fairness = StrongMutex.fairness


class Disjuncts(Entering):
    """`p | s1 | s2` is Or(Or(p, s1), s2): its state disjunct `p`, which always holds here,
    must be found under the nesting (it was once read as part of a step formula, and a
    behaviour stuttering anywhere violated the property)."""

    @liveness
    def lock_state_or_entering(self, post):
        known = (self.locked == self.phase["idle"]) | (self.locked == self.phase["critical"])
        return always(
            eventually(known | self.entered(self.proc[0], post) | self.entered(self.proc[1], post))
        )
