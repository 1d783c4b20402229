"""`python -m impl.sim`: run the deterministic simulation for many seeds, or replay one."""

from __future__ import annotations

import dataclasses
import sys
import time

import click

from impl.paxos.faults import Fault
from impl.sim.cluster import SIM_OPTIONS, Faults, Simulation, SimulationFailure


@click.command()
@click.option("--nodes", default=3, show_default=True, help="replicas in the cluster")
@click.option("--seeds", default=1000, show_default=True, help="how many seeds to run")
@click.option("--seed", type=int, default=None, help="run only this seed (a replay)")
@click.option("--first-seed", default=0, show_default=True)
@click.option("--steps", default=2000, show_default=True, help="faulty steps per seed")
@click.option("--show-schedule", is_flag=True, help="print every event of the run")
@click.option("--observers", default=0, show_default=True, help="of them, observers (the last)")
@click.option(
    "--forward",
    is_flag=True,
    help="followers forward client work to the leader; clients use any replica",
)
@click.option(
    "--reconfigure",
    is_flag=True,
    help="the first three replicas start as the configuration; an administrator changes it",
)
@click.option(
    "--leases",
    is_flag=True,
    help="quorum-lease reads: replicas holding leases answer reads from their own state",
)
@click.option(
    "--drift",
    type=click.FloatRange(0, 1, max_open=True),
    default=Faults.drift,
    show_default=True,
    help="with --leases: how far each node's clock rate may err (simulated)",
)
@click.option(
    "--lease-drift",
    type=click.FloatRange(0, 1, max_open=True),
    default=SIM_OPTIONS.lease_drift,
    show_default=True,
    help="with --leases: the rate error the replicas allow for (ReplicaOptions.lease_drift)",
)
@click.option(
    "--fault-rate",
    "rates",
    multiple=True,
    metavar="NAME=VALUE",
    help="set a probability of impl.sim.Faults (say partition=0.01; repeatable)",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    type=click.Choice([f.value for f in Fault]),
    help="switch on a known bug (repeatable), to see it caught",
)
def main(
    nodes: int,
    seeds: int,
    seed: int | None,
    first_seed: int,
    steps: int,
    show_schedule: bool,
    forward: bool,
    observers: int,
    reconfigure: bool,
    leases: bool,
    drift: float,
    lease_drift: float,
    faults: tuple[str, ...],
    rates: tuple[str, ...],
) -> None:
    """Simulate a cluster of NODES replicas under faults, one run per seed; exit 1 on the first
    failing seed, with its schedule."""
    chosen = [seed] if seed is not None else range(first_seed, first_seed + seeds)
    probabilities = dataclasses.replace(Faults(), drift=drift, **_rates(rates))
    options = dataclasses.replace(
        SIM_OPTIONS, lease_drift=lease_drift, faults=frozenset(Fault(f) for f in faults)
    )
    started = time.perf_counter()
    decided = local = 0
    for s in chosen:
        sim = Simulation(
            nodes,
            s,
            steps,
            faults=probabilities,
            options=options,
            forward=forward,
            observers=observers,
            reconfigure=reconfigure,
            leases=leases,
        )
        try:
            sim.run()
        except SimulationFailure as failure:
            if show_schedule:
                click.echo("\n".join(sim.schedule()))
            click.echo(str(failure), err=True)
            sys.exit(1)
        if show_schedule:
            click.echo("\n".join(sim.schedule()))
        decided += len(sim.decided)
        local += sim.lease_reads
    elapsed = time.perf_counter() - started
    click.echo(
        f"{len(chosen)} seed(s) of {nodes} replicas"
        + (f" ({observers} observers)" if observers else "")
        + (" changing membership" if reconfigure else "")
        + f" passed: {decided} slots decided"
        + (f", {local} reads served under leases" if leases else "")
        + f" in {elapsed:.1f} s"
    )


def _rates(settings: tuple[str, ...]) -> dict[str, float]:
    names = [f.name for f in dataclasses.fields(Faults) if f.name != "drift"]
    rates: dict[str, float] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if name not in names or not 0 <= rate <= 1:
            raise click.BadParameter(
                f"{setting!r}: expected NAME=PROBABILITY, NAME one of {', '.join(names)}",
                param_hint="--fault-rate",
            )
        rates[name] = rate
    return rates


if __name__ == "__main__":
    main()
