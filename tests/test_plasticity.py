"""scripts/plasticity.py: a snapshot's copy and a fresh learner, trained alike, gauntlet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from script_loader import load_script

from tests.tiny_league import copy_of, tiny_league

plasticity = load_script("plasticity")


@pytest.fixture
def run(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_of(tiny_league(tmp_path_factory.mktemp("league")), tmp_path)


def test_the_copy_starts_from_the_snapshots_weights_and_the_fresh_learner_does_not(
    run: Path,
) -> None:
    # 200 steps: the tiny league's learners take no gradient step before 1,000, so the copy
    # still is the snapshot and must play every gauntlet game as it does. Seed 1: the tiny
    # league's own learner began from seed 0's network, and has not left it.
    reports = plasticity.measure(run, "left-0001", "cpu", steps=200, seed=1, games=4)
    assert list(reports) == ["snapshot", "copy", "fresh"]

    def played(name: str) -> list[tuple[float, float]]:
        return [(row.win_rate, row.returned) for row in reports[name].rows]

    assert played("copy") == played("snapshot")
    snapshot = np.load(run / "snapshots" / "left-0001.npz")
    weights = [k for k in snapshot.files if snapshot[k].dtype.kind == "f"]
    assert weights
    for kind, same in (("copy", True), ("fresh", False)):
        saved = np.load(run / "plasticity" / f"left-0001-{kind}-cpu-200-s1.npz")
        assert all(np.array_equal(saved[k], snapshot[k]) for k in weights) is same
    table = plasticity.table("left-0001", "cpu", 200, reports)
    assert "| left-0001 + 200 steps vs cpu |" in table
    assert f"| fresh learner, 200 steps vs cpu | {reports['fresh'].score:.1%} |" in table


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["left-0099"], "left-0099"),
        (["left-0001", "--steps", "0"], "--steps 0"),
        (["left-0001", "--restart-eps", "2"], "--restart-eps 2.0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_anything_trains(
    run: Path, argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plasticity.main([*argv, "--run", str(run), "--games", "4"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("plasticity: error: ") and named in err
    assert len(err.splitlines()) == 1
    assert not (run / "plasticity").exists()
