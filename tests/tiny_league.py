"""A tiny real league for the arena's tests, trained once per test session.

Generation 0 and 1 of the smallest league that is still real: SB3 learners, snapshot files,
evaluation results and a generation record in the database. ``learning_starts`` lies beyond the
steps trained, so no gradient step is taken and the build costs a few seconds.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from league.config import load_config
from league.trainer import League

CONFIG = """
generations = 1
steps_per_generation = 200
main_exploiters = 0
league_exploiters = 0
eval_games = 4
net_arch = [16, 16]
[dqn]
learning_starts = 1000
buffer_size = 1000
[rules_overrides]
points_to_win = 2
max_steps = 1500
"""

_built: dict[str, Path] = {}


def tiny_league(root: Path) -> Path:
    """The run folder of the session's tiny league (built under ``root`` the first time).

    Tests that write to the run must work on a :func:`copy_of` it.
    """
    if "run" not in _built:
        config = root / "tiny.toml"
        config.write_text(CONFIG)
        run = root / "run"
        league = League.create(run, load_config(config))
        try:
            league.run()
        finally:
            league.close()
        _built["run"] = run
    return _built["run"]


def copy_of(run: Path, dest: Path) -> Path:
    """A copy of a run folder (database and snapshots) that a test may change."""
    return Path(shutil.copytree(run, dest / "run", ignore=shutil.ignore_patterns("tb", "buffers")))


def database(run: Path) -> list[str]:
    """Every row of the run's database, as SQL (the WAL included, which the file alone is not)."""
    conn = sqlite3.connect(f"file:{run / 'league.sqlite'}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
