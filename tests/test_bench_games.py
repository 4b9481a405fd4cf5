"""The games benchmark's exact exploitability of rock-paper-scissors strategies, and its game."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from league.games import load_game
from league.games.pettingzoo import play_games
from league.games.reference import RandomLegal

_PATH = Path(__file__).resolve().parents[1] / "scripts" / "bench_games.py"
_spec = importlib.util.spec_from_file_location("bench_games", _PATH)
assert _spec is not None and _spec.loader is not None
bench_games = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_games)


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
