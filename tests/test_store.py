"""The league database: round trips, one-transaction generations, errors, WAL readers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from league.errors import LeagueError
from league.results import MatchResult
from league.store import (
    DB_NAME,
    GenerationRecord,
    LeagueStore,
    SnapshotRecord,
    find_runs,
)

REPO = Path(__file__).resolve().parents[1]
CONFIG = {"env": {"points_to_win": 11, "max_steps": 5000}, "league": {"games": 8, "lr": 3e-4}}


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that can import the project."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )


def snapshot(run_dir: Path, role: str, generation: int, env_steps: int = 0) -> SnapshotRecord:
    """A snapshot record whose model files exist, as they do once written atomically."""
    sid = f"{role}-{generation:04d}"
    (run_dir / "models").mkdir(exist_ok=True)
    for suffix in ("zip", "npz"):
        (run_dir / "models" / f"{sid}.{suffix}").write_bytes(b"model")
    return SnapshotRecord(
        sid, role, generation, env_steps, f"models/{sid}.zip", f"models/{sid}.npz"
    )


def result(a: str, b: str, wins: int = 3, seed: int = 0) -> MatchResult:
    return MatchResult(a, b, wins, 4 - wins, 1, 30, 25, 4000, seed)


def generation_inputs(
    run_dir: Path, g: int
) -> tuple[GenerationRecord, SnapshotRecord, list[MatchResult], dict[str, float]]:
    """Everything generation ``g`` produces: record, snapshot, results, ratings."""
    role = "left" if g % 2 else "right"
    snap = snapshot(run_dir, role, g, env_steps=1000 * g)
    record = GenerationRecord(
        g, role, snap.id, 1000, 2.5, 400.0, {"cpu": 0.25, "right-0000": 0.75}, {"loss": 0.1}
    )
    results = [result(snap.id, "cpu", 4, seed=g), result(snap.id, "right-0000", 1, seed=g + 1)]
    return record, snap, results, {snap.id: 1000.0 + g, "cpu": 990.0}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LeagueStore]:
    """A run with its generation-0 snapshots stored."""
    s = LeagueStore.create(tmp_path / DB_NAME, CONFIG)
    s.add_snapshots(
        [snapshot(tmp_path, "left", 0), snapshot(tmp_path, "right", 0)],
        ratings={"left-0000": 1000.0, "right-0000": 1000.0, "cpu": 1000.0},
    )
    yield s
    s.close()


def contents(s: LeagueStore) -> tuple[object, ...]:
    """Every table's content, to compare before and after a failed write."""
    return (
        s.snapshots(),
        s.results(),
        s.generations(),
        s.ratings(),
        s.last_generation(),
    )


# ---------------------------------------------------------------------------------- create/open


def test_config_round_trips_and_survives_reopening(tmp_path: Path) -> None:
    with LeagueStore.create(tmp_path / DB_NAME, CONFIG) as s:
        assert s.config() == CONFIG
        assert s.last_generation() == -1
        assert s.ratings() == {}
    for readonly in (False, True):
        with LeagueStore.open(tmp_path, readonly=readonly) as s:  # the run folder works too
            assert s.config() == CONFIG
            assert s.path == tmp_path / DB_NAME
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_create_refuses_an_existing_database(tmp_path: Path) -> None:
    LeagueStore.create(tmp_path / DB_NAME, CONFIG).close()
    with pytest.raises(LeagueError, match="already exists.*--resume"):
        LeagueStore.create(tmp_path / DB_NAME, {"other": 1})
    with LeagueStore.open(tmp_path / DB_NAME) as s:
        assert s.config() == CONFIG


def test_create_refuses_a_config_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(LeagueError, match="config cannot be stored as JSON"):
        LeagueStore.create(tmp_path / DB_NAME, {"bad": object()})
    assert not (tmp_path / DB_NAME).exists()


def test_a_missing_run_names_the_runs_that_are_there(tmp_path: Path) -> None:
    for name in ("2024-05-01_10-00-00", "2024-05-02_09-30-00", "other"):
        (tmp_path / name).mkdir()
        LeagueStore.create(tmp_path / name / DB_NAME, {"x": 1}).close()
    (tmp_path / "notes").mkdir()
    assert [r.name for r in find_runs(tmp_path)] == [
        "2024-05-01_10-00-00",
        "2024-05-02_09-30-00",
        "other",
    ]
    assert find_runs(tmp_path / "nope") == [] and find_runs(tmp_path / "notes") == []
    with pytest.raises(LeagueError) as info:
        LeagueStore.open(tmp_path / "2024-05-01_10-00")
    message = str(info.value)
    assert f"did you mean {tmp_path / '2024-05-01_10-00-00'} or " in message  # closest first
    assert str(tmp_path / "other") not in message
    with pytest.raises(LeagueError) as info:
        LeagueStore.open(tmp_path)  # the folder of runs, not a run
    assert "holds runs (2024-05-01_10-00-00, 2024-05-02_09-30-00, other)" in str(info.value)
    assert f"pong-league ls {tmp_path}" in str(info.value)


def test_set_config_and_created_at(store: LeagueStore, tmp_path: Path) -> None:
    before = store.config()
    store.set_config({**before, "generations": 12})
    with LeagueStore.open(tmp_path, readonly=True) as reader:
        assert reader.config() == {**before, "generations": 12}
        assert reader.created_at() is not None and reader.created_at().endswith("+00:00")


def test_ratings_when_made(store: LeagueStore, tmp_path: Path) -> None:
    store.complete_generation(*generation_inputs(tmp_path, 1))
    store.complete_generation(*generation_inputs(tmp_path, 2))
    made = store.ratings_when_made()
    for s in store.snapshots():
        assert made[s.id] == store.ratings(s.generation)[s.id]


def test_open_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(LeagueError) as info:
        LeagueStore.open(tmp_path / "runs" / "x")
    message = str(info.value)
    assert "no league database at" in message and "`pong-league train`" in message
    assert not (tmp_path / "runs").exists()  # opening never creates anything


@pytest.mark.parametrize("readonly", [False, True])
def test_open_garbage_bytes(tmp_path: Path, readonly: bool) -> None:
    path = tmp_path / DB_NAME
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(LeagueError, match="not a readable pong-league database"):
        LeagueStore.open(path, readonly=readonly)


def test_open_another_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x)")
    raw.close()
    with pytest.raises(LeagueError, match="not a pong-league one"):
        LeagueStore.open(path)


def test_open_a_newer_schema_version(tmp_path: Path) -> None:
    LeagueStore.create(tmp_path / DB_NAME, CONFIG).close()
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.close()
    with pytest.raises(LeagueError, match="schema version 99"):
        LeagueStore.open(tmp_path / DB_NAME)


# ----------------------------------------------------------------------------- round trips


def test_initial_snapshots_round_trip(tmp_path: Path) -> None:
    initial = [snapshot(tmp_path, "left", 0), snapshot(tmp_path, "right", 0)]
    with LeagueStore.create(tmp_path / DB_NAME, CONFIG) as s:
        s.add_snapshots(initial[::-1], ratings={"left-0000": 1000.0, "cpu": 1200.0})
    with LeagueStore.open(tmp_path) as s:
        assert s.last_generation() == 0
        assert s.snapshots() == initial  # left before right, whatever the insertion order
        assert s.snapshots("right") == [s.snapshot("right-0000")] == initial[1:]
        assert s.resolve(initial[0].npz_path) == tmp_path / "models" / "left-0000.npz"
        assert s.ratings() == s.ratings(0) == {"cpu": 1200.0, "left-0000": 1000.0}
        assert s.generations() == []


def test_initial_snapshots_are_refused_twice_or_for_a_later_generation(
    store: LeagueStore, tmp_path: Path
) -> None:
    before = contents(store)
    with pytest.raises(LeagueError, match="UNIQUE constraint.*stored already"):
        store.add_snapshots([snapshot(tmp_path, "left", 0)])
    with pytest.raises(ValueError, match="generation-0"):
        store.add_snapshots([snapshot(tmp_path, "left", 1)])
    assert contents(store) == before


def test_snapshot_files_must_exist_and_lie_in_the_run(store: LeagueStore, tmp_path: Path) -> None:
    record, snap, results, ratings = generation_inputs(tmp_path, 1)
    (tmp_path / snap.npz_path).unlink()
    with pytest.raises(LeagueError, match=r"left-0001\.npz does not exist"):
        store.complete_generation(record, snap, results, ratings)
    outside = SnapshotRecord(snap.id, "left", 1, 0, "/elsewhere/m.zip", "/elsewhere/m.npz")
    with pytest.raises(ValueError, match="outside the run folder"):
        store.complete_generation(record, outside, results, ratings)
    assert store.last_generation() == 0


def test_complete_generations_round_trip(store: LeagueStore, tmp_path: Path) -> None:
    expected_results = []
    for g in (1, 2, 3):
        record, snap, results, ratings = generation_inputs(tmp_path, g)
        if g == 2:  # absolute paths inside the run are stored relative to it
            snap = SnapshotRecord(
                snap.id, snap.role, g, snap.env_steps, str(tmp_path / snap.zip_path),
                str(tmp_path / snap.npz_path), snap.created_at,
            )  # fmt: skip
        store.complete_generation(record, snap, results, ratings)
        expected_results += results
        assert store.last_generation() == g
        assert store.ratings() == ratings
        assert store.generations()[-1] == record
    assert store.results() == store.results("league") == expected_results
    assert [s.id for s in store.snapshots()] == [
        "left-0000",
        "right-0000",
        "left-0001",
        "right-0002",
        "left-0003",
    ]
    assert [s.id for s in store.snapshots("right")] == ["right-0000", "right-0002"]
    assert store.snapshot("right-0002").zip_path == "models/right-0002.zip"
    assert store.ratings(1) == {"left-0001": 1001.0, "cpu": 990.0}
    assert list(store.ratings(0)) == ["cpu", "left-0000", "right-0000"]  # best first, then name
    assert [r.generation for r in store.generations()] == [1, 2, 3]


def test_numpy_values_are_stored_as_plain_numbers(store: LeagueStore, tmp_path: Path) -> None:
    record, snap, _, _ = generation_inputs(tmp_path, 1)
    record = GenerationRecord(
        1, "left", snap.id, np.int64(1000), np.float32(2.5), np.float64(400.0),
        {"cpu": np.float32(0.5), "right-0000": 0.5}, {"curve": np.arange(3)},
    )  # fmt: skip
    counts = [np.int64(v) for v in (3, 1, 0, 33, 20, 3000, 7)]
    store.complete_generation(
        record, snap, [MatchResult(snap.id, "cpu", *counts)], {snap.id: np.float32(1010.0)}
    )
    (stored,) = store.generations()
    assert stored.distribution == {"cpu": 0.5, "right-0000": 0.5}
    assert stored.stats == {"curve": [0, 1, 2]}
    assert store.results() == [MatchResult(snap.id, "cpu", 3, 1, 0, 33, 20, 3000, 7)]
    assert store.ratings() == {snap.id: 1010.0}


def test_pit_results_are_kept_apart_and_in_order(store: LeagueStore, tmp_path: Path) -> None:
    pit = [result("left-0000", "cpu", 1, seed=5), result("cpu", "right-0000", 2, seed=6)]
    store.add_results(pit)
    record, snap, league_results, ratings = generation_inputs(tmp_path, 1)
    store.complete_generation(record, snap, league_results, ratings)
    store.add_results(pit[:1], source="pit")
    assert store.results() == pit + league_results + pit[:1]
    assert store.results("pit") == pit + pit[:1]
    assert store.results("league") == league_results
    assert store.last_generation() == 1  # pit results do not make a generation


# ------------------------------------------------------------------------------ atomicity


def test_a_result_breaking_a_constraint_stores_nothing_of_the_generation(
    store: LeagueStore, tmp_path: Path
) -> None:
    before = contents(store)
    record, snap, results, ratings = generation_inputs(tmp_path, 1)
    bad = MatchResult(snap.id, "cpu", -1, 0, 0, 0, 0, 0, 0)  # inserted after the snapshot row
    with pytest.raises(LeagueError, match="generation 1 was not stored.*nothing of it was kept"):
        store.complete_generation(record, snap, [*results, bad], ratings)
    assert contents(store) == before
    store.complete_generation(record, snap, results, ratings)  # the retry goes through
    assert store.last_generation() == 1


def test_a_crash_after_the_snapshot_insert_stores_nothing(
    store: LeagueStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = contents(store)

    def crash(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(LeagueStore, "_insert_ratings", crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.complete_generation(*generation_inputs(tmp_path, 1))
    assert contents(store) == before
    with LeagueStore.open(tmp_path, readonly=True) as other:  # nor in another connection
        assert contents(other) == before


@pytest.mark.parametrize("g", [1, 3])  # generation 1 again, or a gap
def test_only_the_next_generation_is_stored(store: LeagueStore, tmp_path: Path, g: int) -> None:
    store.complete_generation(*generation_inputs(tmp_path, 1))
    before = contents(store)
    with pytest.raises(LeagueError, match="last complete generation is 1, so the next one is 2"):
        store.complete_generation(*generation_inputs(tmp_path, g))
    assert contents(store) == before


def test_record_and_snapshot_must_agree(store: LeagueStore, tmp_path: Path) -> None:
    record, _, results, ratings = generation_inputs(tmp_path, 1)
    other = snapshot(tmp_path, "right", 1)
    with pytest.raises(ValueError, match="does not describe"):
        store.complete_generation(record, other, results, ratings)


def test_kill_9_mid_transaction_leaves_the_last_complete_generation(tmp_path: Path) -> None:
    with LeagueStore.create(tmp_path / DB_NAME, CONFIG) as s:
        s.add_snapshots([snapshot(tmp_path, "left", 0), snapshot(tmp_path, "right", 0)])
        s.complete_generation(*generation_inputs(tmp_path, 1))
        before = contents(s)
    generation_inputs(tmp_path, 2)  # writes right-0002's files for the child
    done = run_python(
        """
        import os, signal, sys
        from pathlib import Path
        from league.store import LeagueStore
        from tests.test_store import generation_inputs

        def die(*args):
            os.kill(os.getpid(), signal.SIGKILL)  # snapshot and results already inserted

        LeagueStore._insert_ratings = die
        LeagueStore.open(Path(sys.argv[1])).complete_generation(
            *generation_inputs(Path(sys.argv[1]), 2)
        )
        """,
        str(tmp_path),
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    with LeagueStore.open(tmp_path) as s:
        assert contents(s) == before
        s.complete_generation(*generation_inputs(tmp_path, 2))  # --resume redoes generation 2
        assert s.last_generation() == 2


# ---------------------------------------------------------------------------------- errors


def test_unknown_snapshot_lists_the_known_ids(store: LeagueStore, tmp_path: Path) -> None:
    store.complete_generation(*generation_inputs(tmp_path, 1))
    with pytest.raises(LeagueError) as info:
        store.snapshot("left-0099")
    assert str(info.value) == (
        f"unknown snapshot 'left-0099' in {tmp_path}; did you mean left-0001 or left-0000? "
        "known: left-0000, right-0000, left-0001"
    )
    with pytest.raises(LeagueError) as info:
        store.snapshot("cpu")
    assert "did you mean" not in str(info.value)  # nothing close: no guess


def test_a_long_list_of_known_ids_is_abbreviated(store: LeagueStore, tmp_path: Path) -> None:
    for g in range(1, 15):
        store.complete_generation(*generation_inputs(tmp_path, g))
    with pytest.raises(LeagueError) as info:
        store.snapshot("cpu")
    message = str(info.value)
    assert "known: left-0000, right-0000, left-0001, right-0002, ... (4 more)" in message
    assert message.endswith("right-0014")


def test_unknown_role_and_ratings_generation(store: LeagueStore) -> None:
    with pytest.raises(LeagueError, match="unknown role 'top'"):
        store.snapshots("top")
    with pytest.raises(LeagueError, match="no ratings for generation 7.*is 0"):
        store.ratings(7)


def test_a_readonly_store_refuses_writes(store: LeagueStore, tmp_path: Path) -> None:
    with LeagueStore.open(tmp_path, readonly=True) as reader:
        with pytest.raises(LeagueError, match="opened read-only"):
            reader.add_results([result("cpu", "left-0000")])
        with pytest.raises(LeagueError, match="opened read-only"):
            reader.complete_generation(*generation_inputs(tmp_path, 1))
    assert store.results() == []


# ------------------------------------------------------------------------------ WAL readers

READ = """
    import sys
    from pathlib import Path
    from league.store import LeagueStore
    with LeagueStore.open(Path(sys.argv[1]), readonly=True) as s:
        print(s.last_generation(), len(s.results()), len(s.snapshots()))
"""


def read_in_thread(run_dir: Path) -> str:
    out: list[str] = []

    def read() -> None:
        with LeagueStore.open(run_dir, readonly=True) as s:
            out.append(f"{s.last_generation()} {len(s.results())} {len(s.snapshots())}")

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=20)
    assert out, "the reader thread failed"
    return out[0]


def read_in_process(run_dir: Path) -> str:
    done = run_python(READ, str(run_dir))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("read", [read_in_thread, read_in_process])
def test_readers_see_the_last_commit_while_a_generation_is_being_written(
    store: LeagueStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    read: Callable[[Path], str],
) -> None:
    seen: list[str] = []
    insert_ratings = LeagueStore._insert_ratings

    def read_mid_transaction(self: LeagueStore, *args: object) -> None:
        # The writer holds an open transaction with the snapshot and results inserted.
        seen.append(read(tmp_path))
        insert_ratings(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(LeagueStore, "_insert_ratings", read_mid_transaction)
    store.complete_generation(*generation_inputs(tmp_path, 1))
    assert seen == ["0 0 2"]
    assert read(tmp_path) == "1 2 3"
