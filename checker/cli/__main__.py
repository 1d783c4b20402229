"""`python -m checker.cli`: the `paxoscope` command."""

from checker.cli import run

if __name__ == "__main__":
    run()
