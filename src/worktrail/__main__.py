"""`python -m worktrail`, and the `worktrail` command (its console script calls main here)."""

from worktrail.cli.collector import pause


def main() -> int:
    """The process's own command: the cyclic collector paused before anything else is imported
    (collector.py), then the command line (cli/main.py)."""
    pause()
    from worktrail.cli.main import main as command

    return command()


if __name__ == "__main__":
    raise SystemExit(main())
