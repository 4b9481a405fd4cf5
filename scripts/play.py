"""Play against a player with the keyboard: the same as `pong-league play` (see `--help`)."""

import sys

from league.cli import main

if __name__ == "__main__":
    sys.exit(main(["play", *sys.argv[1:]]))
