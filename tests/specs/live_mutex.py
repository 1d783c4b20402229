"""Liveness: processes that try, enter a critical section guarded by one lock, and leave.

`Mutex` has no fairness: a trying process may wait for ever (the behaviour stutters).
`WeakMutex` is weakly fair to each process's `enter`, which does not prevent starvation: the
lock is free only now and then while another process keeps taking it (a lasso).
`StrongMutex` is strongly fair to each process's `enter`: every trying process gets in.
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
    eventually,
    forall,
    leads_to,
    liveness,
    require,
)


class Mutex(Spec):
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
