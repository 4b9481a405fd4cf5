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
        return [(row.win_rate, row.returned) for row in reports[name].gauntlet.rows]

    assert played("copy") == played("snapshot")
    # The same network has the same dormant units on the same states; 16 units a layer.
    assert reports["copy"].dormant == reports["snapshot"].dormant
    assert len(reports["fresh"].dormant) == 2
    assert all(share * 16 == round(share * 16) for share in reports["fresh"].dormant)
    snapshot = np.load(run / "snapshots" / "left-0001.npz")
    weights = [k for k in snapshot.files if snapshot[k].dtype.kind == "f"]
    assert weights
    for kind, same in (("copy", True), ("fresh", False)):
        saved = np.load(run / "plasticity" / f"left-0001-{kind}-cpu-200-s1.npz")
        assert all(np.array_equal(saved[k], snapshot[k]) for k in weights) is same
    table = plasticity.table("left-0001", "cpu", 200, reports)
    assert "| left-0001 + 200 steps vs cpu |" in table
    fresh = reports["fresh"]
    units = " / ".join(f"{share:.1%}" for share in fresh.dormant)
    assert f"| fresh learner, 200 steps vs cpu | {units} | {fresh.gauntlet.score:.1%} |" in table


def test_the_perturbed_copy_mixes_the_snapshot_with_a_seeded_new_network(run: Path) -> None:
    # No gradient step in 200 steps: each saved copy is its start. The same seed draws the same
    # new network, so the half-way copy lies half-way between the snapshot and the full reset.
    snapshot = np.load(run / "snapshots" / "left-0001.npz")
    half = np.load(plasticity.train(run, "left-0001", "copy", "cpu", 200, 3, perturb=0.5))
    full = np.load(plasticity.train(run, "left-0001", "copy", "cpu", 200, 3, perturb=1.0))
    weights = [k for k in snapshot.files if snapshot[k].dtype.kind == "f"]
    for k in weights:
        assert np.allclose(half[k], (snapshot[k] + full[k]) / 2, atol=1e-6)
    assert not all(np.array_equal(full[k], snapshot[k]) for k in weights)


def test_a_copy_trains_the_same_every_time_and_a_saved_one_is_reused(
    tmp_path_factory: pytest.TempPathFactory, run: Path
) -> None:
    # 1,500 steps: 500 of them with gradient steps (the tiny league's learning_starts is 1,000).
    other = copy_of(run, tmp_path_factory.mktemp("other"))
    first = plasticity.train(run, "left-0001", "copy", "cpu", 1500, 2, redo=500)
    again = plasticity.train(other, "left-0001", "copy", "cpu", 1500, 2, redo=500)
    snapshot = np.load(run / "snapshots" / "left-0001.npz")
    a, b = np.load(first), np.load(again)
    assert all(np.array_equal(a[k], b[k]) for k in a.files)
    assert not all(np.array_equal(a[k], snapshot[k]) for k in a.files)  # it learnt
    stamp = first.stat().st_mtime_ns
    assert plasticity.train(run, "left-0001", "copy", "cpu", 1500, 2, redo=500) == first
    assert first.stat().st_mtime_ns == stamp


def test_a_unit_that_no_state_activates_is_dormant(run: Path, tmp_path: Path) -> None:
    from league.exploit import run_config
    from league.players import resolve_player
    from league.policies import NumpyPolicy, write_numpy_policy

    config = run_config(run)
    player = resolve_player("left-0001", run, config.game_rules(), config.frame_stack)
    rival = resolve_player("cpu", run, config.game_rules(), config.frame_stack)
    seen = plasticity.states(run, player, rival, seed=0, steps=300)
    assert seen.shape == (300, player.policy.obs_dim)
    before = plasticity.dormant(player.policy, seen)
    arrays = {k: v.copy() for k, v in np.load(run / "snapshots" / "left-0001.npz").items()}
    alive = np.flatnonzero(player.policy.hidden(seen)[0].max(axis=0) > 0)
    arrays["b0"][alive[0]] = -1e6  # a unit of the first layer that was active never is now
    write_numpy_policy(tmp_path / "dead", player.policy.description, arrays)
    after = plasticity.dormant(NumpyPolicy.load(tmp_path / "dead"), seen)
    assert after[0] == pytest.approx(before[0] + 1 / 16)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["left-0099"], "left-0099"),
        (["left-0001", "--steps", "0"], "--steps 0"),
        (["left-0001", "--restart-eps", "2"], "--restart-eps 2.0"),
        (["left-0001", "--perturb", "1.5"], "--perturb 1.5"),
        (["left-0001", "--states", "0"], "--states 0"),
        (["left-0001", "--redo", "-5"], "--redo -5"),
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
