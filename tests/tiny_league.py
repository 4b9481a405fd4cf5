"""A tiny real league for the arena's tests, trained once per test session.

Generation 0 and 1 of the smallest league that is still real: SB3 learners, snapshot files,
evaluation results and a generation record in the database. ``learning_starts`` lies beyond the
steps trained, so no gradient step is taken and the build costs a few seconds.

Also a run of hand-made snapshots whose action values are known (:func:`mains_run`), for the
players made of several mains (``ensemble:left``).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np

from league.config import load_config
from league.policies import FORMAT_VERSION, write_numpy_policy
from league.store import GenerationRecord, LeagueStore, SnapshotRecord
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


# Action values that do not depend on the observation (a single layer of zero weights): the
# last three left mains prefer action 0, action 1 and, narrowly, action 0; their mean prefers
# action 2, which none of them plays, where a majority vote would play 0. The untrained
# left-0000, the older left-0001 and the exploiter left-0007-me would each make it action 1.
BIASES = {
    "left-0001": [0.0, 9.0, 0.0],
    "right-0002": [0.0, 0.0, 1.0],
    "left-0003": [1.0, 0.0, 0.8],
    "right-0004": [0.0, 0.0, 1.0],
    "left-0005": [0.0, 1.0, 0.8],
    "right-0006": [1.0, 0.0, 0.0],
    "left-0007": [0.6, 0.55, 0.5],
}
AWAY = [0.0, 9.0, 0.0]


def value_snapshot(run: Path, sid: str, bias: list[float], algo: str) -> SnapshotRecord:
    layer = {"weight": "w0", "bias": "b0", "in_features": 24, "out_features": 3}
    description = {
        "format_version": FORMAT_VERSION,
        "algo": algo,
        "obs_dim": 24,
        "n_actions": 3,
        "layers": [{**layer, "activation": "identity"}],
    }
    arrays = {"w0": np.zeros((3, 24), np.float32), "b0": np.array(bias, np.float32)}
    write_numpy_policy(run / "snapshots" / f"{sid}.npz", description, arrays)
    (run / "snapshots" / f"{sid}.zip").write_bytes(b"")  # the SB3 model, which no player reads
    role, generation = sid.split("-")[0], int(sid.split("-")[1])
    kind = "main_exploiter" if sid.endswith("-me") else "main"
    return SnapshotRecord(
        sid, role, generation, 0, f"snapshots/{sid}.zip", f"snapshots/{sid}.npz", kind=kind
    )


def mains_run(source: Path, dest: Path, algo: str = "dqn") -> Path:
    """A run of the tiny league's config whose snapshots act on fixed action values
    (``BIASES``), seven generations of them, with an exploiter frozen in the last."""
    with LeagueStore.open(source, readonly=True) as store:
        config = store.config()
    run = dest / f"mains-{algo}"
    with LeagueStore.create(run / "league.sqlite", config) as store:
        store.add_snapshots(
            [value_snapshot(run, sid, AWAY, algo) for sid in ("left-0000", "right-0000")]
        )
        for sid, bias in BIASES.items():
            snap = value_snapshot(run, sid, bias, algo)
            frozen = [value_snapshot(run, f"{sid}-me", AWAY, algo)] if sid == "left-0007" else []
            record = GenerationRecord(snap.generation, snap.role, sid, 0, 1.0, 1.0, {})
            store.complete_generation(record, snap, [], {}, frozen)
    return run
