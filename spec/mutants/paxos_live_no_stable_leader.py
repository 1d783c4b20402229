"""Paxos with no stable leader: two proposers pre-empt each other for ever (a liveness bug).

`spec/paxos_live.py` proves progress only once its distinguished leader becomes stable, and says
so with weak fairness of `stabilize`. Drop that condition — as a deployment does whose leader
election never settles (timeouts too short, two proposers that each suspect the other) — and
nothing forces the leader to stabilize: proposer n1 starts a ballot, n2 pre-empts it with a
higher one before n1's proposal is accepted, n1 pre-empts n2 in turn, and so on for ever. Every
step is fair (each one taken or disabled infinitely often), safety is untouched, yet no value
is ever chosen: FLP's livelock, found as a lasso whose cycle restarts both proposers.
"""

from __future__ import annotations

from spec.paxos_live import PaxosLive

BREAKS = "eventually_chosen"  # a liveness property: the counterexample is a lasso
QUICK = {
    "values": 1,
    "nodes": 2,
}  # the test suite's instance (618 states); main.sh runs the default


class PaxosLiveNoStableLeader(PaxosLive):
    """Paxos whose leader is never required to become stable: `stabilize` is not fair."""

    fairness = tuple(f for f in PaxosLive.fairness if f.actions != ("stabilize",))
