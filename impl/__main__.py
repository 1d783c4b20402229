"""`python -m impl server --config zoo.cfg` / `python -m impl cluster --nodes 3 --dir DIR`:
the same commands as `paxoscope server` and `paxoscope cluster`, without the checker."""

import click

from impl.cli import cluster, server


@click.group()
def main() -> None:
    """paxoscope's replicated log."""


main.add_command(server)
main.add_command(cluster)

if __name__ == "__main__":
    main()
