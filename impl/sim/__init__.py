"""Deterministic simulation of replica cores under faults (loss, duplication, reordering,
delay, crash-restart, lost log tails, partitions): `Simulation(nodes, seed).run()` raises
`SimulationFailure`, with a replayable schedule, when a safety or liveness check fails.
Run many seeds with `python -m impl.sim`."""

from impl.sim.cluster import Faults, Simulation, SimulationFailure

__all__ = ["Faults", "Simulation", "SimulationFailure"]
