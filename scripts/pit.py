"""Play two players against each other: the same as `pong-league pit` (see `--help`)."""

import sys

from league.cli import main

if __name__ == "__main__":
    sys.exit(main(["pit", *sys.argv[1:]]))
