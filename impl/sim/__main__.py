"""`python -m impl.sim`: run the deterministic simulation for many seeds, or replay one."""

from __future__ import annotations

import sys
import time

import click

from impl.sim.cluster import Simulation, SimulationFailure


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
) -> None:
    """Simulate a cluster of NODES replicas under faults, one run per seed; exit 1 on the first
    failing seed, with its schedule."""
    chosen = [seed] if seed is not None else range(first_seed, first_seed + seeds)
    started = time.perf_counter()
    decided = 0
    for s in chosen:
        sim = Simulation(
            nodes, s, steps, forward=forward, observers=observers, reconfigure=reconfigure
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
    elapsed = time.perf_counter() - started
    click.echo(
        f"{len(chosen)} seed(s) of {nodes} replicas"
        + (f" ({observers} observers)" if observers else "")
        + (" changing membership" if reconfigure else "")
        + f" passed: {decided} slots decided "
        f"in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
