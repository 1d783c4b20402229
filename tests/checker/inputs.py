"""Inputs the api and the command line's JSON tests both run on: a linearizability history
and an event log of the simulation, each in a holding and a failing form."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path


def history(path: Path, stale: bool) -> str:
    ops = [
        {"client": "c1", "call": 0, "return": 10, "op": {"f": "put", "key": "x", "value": 1},
         "result": {}},
        {"client": "c2", "call": 2, "return": 5, "op": {"f": "get", "key": "x"},
         "result": {"value": 1}},
    ]  # fmt: skip
    if stale:  # c3 reads nothing after c1's put returned and c2 read it
        ops.append({"client": "c3", "call": 6, "return": 8, "op": {"f": "get", "key": "x"},
                    "result": {"value": None}})  # fmt: skip
    path.write_text("".join(json.dumps(op) + "\n" for op in ops))
    return str(path)


def event_log(path: Path, broken: bool) -> str:
    from impl.sim.cluster import SIM_OPTIONS, Simulation

    sim = Simulation(3, 0, 60, options=dataclasses.replace(SIM_OPTIONS, events=True))
    sim.run()
    events = sim.event_log[1:] if broken else sim.event_log  # broken: the campaign left out
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return str(path)
