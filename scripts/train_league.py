"""Train a league: the same as `pong-league train` (see `--help`)."""

import sys

from league.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
