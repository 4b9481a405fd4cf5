"""The games benchmark's exact exploitability of rock-paper-scissors strategies, and its game."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from script_loader import load_script

from league.games import load_game
from league.games.pettingzoo import play_games
from league.games.reference import RandomLegal

bench_games = load_script("bench_games")


@pytest.mark.parametrize(
    ("mixture", "expected"),
    [
        ([1, 0, 0], 1.0),  # always rock: paper always wins
        ([0, 0.5, 0.5], 0.5),  # paper or scissors: scissors wins half, draws half
        ([1 / 3, 1 / 3, 1 / 3], 0.0),  # the equilibrium: nothing to exploit
        ([0.5, 0.5, 0], 0.5),
    ],
)
def test_exploitability_is_a_best_responses_expected_reward(
    mixture: list[float], expected: float
) -> None:
    assert bench_games.exploitability(np.array(mixture)) == pytest.approx(expected)


def test_the_benchmarks_rps_is_one_round_and_scored_by_its_payoff() -> None:
    game = load_game(bench_games.RPS)
    out = play_games(game, [RandomLegal(3, 0)] * 300, [RandomLegal(3, 1)] * 300, range(300))
    assert (out.steps == 2).all()  # one move each
    for rock_paper_scissors in range(3):
        fixed = _Fixed(rock_paper_scissors)
        beaten = _Fixed((rock_paper_scissors + 2) % 3)  # paper beats rock, ...
        result = play_games(game, [fixed], [beaten], [0])
        assert result.left_won.all()


class _Fixed:
    def __init__(self, action: int) -> None:
        self.action = action

    def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
        return np.full(len(obs), self.action, dtype=np.int64)


def test_the_overhead_figures_are_measured_and_their_ratio_is_theirs() -> None:
    figures = bench_games.measure_overhead(steps=64, repeats=1, pool_size=2, n_envs=2, n_steps=32)
    pool, chance = figures["vs_pool_steps_per_s"], figures["vs_random_steps_per_s"]
    assert pool > 0 and chance > 0
    assert figures["ratio"] == pytest.approx(pool / chance)
    table = bench_games.overhead_table(figures)
    verdict = "PASS" if figures["ratio"] >= bench_games.OVERHEAD_GOAL else "FAIL"
    assert f"| {figures['ratio']:.2f}x | >= 0.8x | {verdict} |" in table
    assert f"{pool:,.0f} steps/s" in table and f"{chance:,.0f} steps/s" in table


def test_the_overhead_pool_is_frozen_snapshots_drawn_per_episode() -> None:
    from league.policies import NumpyPolicy

    config = bench_games.overhead_config(n_envs=1, n_steps=32)
    game = load_game(bench_games.OVERHEAD_GAME)
    pool = bench_games.frozen_pool(config, game, 3)
    assert all(isinstance(policy, NumpyPolicy) for _, policy in pool)
    env = game.seat_env("left", bench_games.pool_sampler(pool))
    env.reset(seed=0)
    drawn = set()
    for _ in range(30):
        _, info = env.reset()
        drawn.add(info["opponent_id"])
    assert drawn == {name for name, _ in pool}  # every snapshot, one per episode


def test_a_scaled_league_config_scales_every_learners_steps_and_nothing_else(
    tmp_path: Path,
) -> None:
    from league.config import load_config

    def config(text: str):
        (tmp_path / "c.toml").write_text(text)
        return load_config(tmp_path / "c.toml", overrides={"game": bench_games.TICTACTOE})

    base = bench_games.TICTACTOE_CONFIG
    assert bench_games.scaled(base, 1.0).strip() == base.strip()
    big, plain = config(bench_games.scaled(base, 2.5)), config(base)
    assert big.steps_per_generation == 2.5 * plain.steps_per_generation == 100_000
    assert big.exploiter_steps == 2.5 * plain.exploiter_steps
    assert big.exploiter_max_steps == 2.5 * plain.exploiter_max_steps
    assert big.hyperparams == plain.hyperparams and big.n_envs == plain.n_envs


def test_a_benchmark_league_is_trained_once_and_again_when_its_config_changes(
    tmp_path: Path,
) -> None:
    tiny = "generations = 2\nsteps_per_generation = 256\nexploiter_steps = 128\n"
    tiny += "exploiter_max_steps = 256\neval_games = 4\n[maskable_ppo]\nn_steps = 64\n"
    tiny += "batch_size = 64\n"
    run = tmp_path / "rps-s0"
    clock = run / "bench_seconds.txt"
    bench_games.train_run(bench_games.RPS, tiny, run, seed=0, workers=1)
    trained = clock.stat().st_mtime_ns
    bench_games.train_run(bench_games.RPS, tiny, run, seed=0, workers=1)
    assert clock.stat().st_mtime_ns == trained  # kept: the same config
    # The same file with another seed is another config: trained again, with that seed.
    bench_games.train_run(bench_games.RPS, tiny, run, seed=1, workers=1)
    assert clock.stat().st_mtime_ns != trained
    assert bench_games.run_config(run).seed == 1


@pytest.mark.parametrize(
    "lost, won, meets",
    [(0.0, 0.946, True), (0.02, 0.9, True), (0.021, 0.99, False), (0.0, 0.897, False)],
)
def test_the_tictactoe_goals_need_both_figures(lost: float, won: float, meets: bool) -> None:
    assert bench_games.meets_tictactoe_goals(lost, won) == meets
