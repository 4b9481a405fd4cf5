"""Evaluation as a pure function of (policies, rules, seeds): reproducible, independent of the
batch, fair serves, consistent results from both sides, the player's side, and draws.

Only deterministic policies play here (the CPU, ``still`` and a ball follower), so an outcome
depends on nothing but the seed and the first serve.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from envs.engine import BX, DOWN, STAY, UP, VX
from envs.observation import FRAME_SIZE
from envs.rules import rules
from envs.scripted import Policy, ScriptedCPU, StillPolicy
from league.evaluation import (
    Outcomes,
    evaluate_against,
    match_result,
    play_games,
    returned_share,
)

SHORT = rules("classic", points_to_win=3)
# A CPU as fast as the fastest ball keeps up with every ball: it never misses.
UNBEATABLE_CPU = rules("classic", cpu_speed=24.0, points_to_win=5)


class Follower:
    """Moves its own paddle towards the ball while the ball comes at it, else stays.

    It reads its side's mirrored view (own paddle at index 2, incoming ball: vx < 0), so it wins
    on either side only if that side's view is mirrored correctly.
    """

    def act(self, obs: np.ndarray) -> np.ndarray:
        frame = obs[:, -FRAME_SIZE:]
        towards = np.where(frame[:, 2] > frame[:, 1], UP, DOWN)
        return np.where(frame[:, 4] < 0, towards, STAY).astype(np.int64)


class OtherSidesView:
    """Un-mirrors the view before the wrapped policy sees it: a side that got the other side's
    view, the bug that the side tests must catch."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def act(self, obs: np.ndarray) -> np.ndarray:
        frames = obs.reshape(len(obs), -1, FRAME_SIZE).copy()
        frames[..., 0] *= -1.0
        frames[..., 4] *= -1.0
        frames[..., [2, 3]] = frames[..., [3, 2]]
        return self.policy.act(frames.reshape(len(obs), -1))


FIELDS = ("left_points", "right_points", "steps", "terminated")


def assert_same(a: Outcomes, b: Outcomes) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def mixed_batch() -> tuple[list[Policy], list[Policy]]:
    cpu, still, follower = ScriptedCPU(), StillPolicy(), Follower()
    left = [cpu, follower, still, cpu, follower, cpu]
    right = [still, cpu, follower, follower, still, cpu]
    return left, right


def test_play_games_is_reproducible() -> None:
    left, right = mixed_batch()
    seeds = [11, 12, 13, 14, 15, 16]
    first = play_games(SHORT, left, right, seeds)
    again = play_games(SHORT, *mixed_batch(), seeds)
    assert_same(first, again)
    assert first.terminated.all()


def play_to_final_state(*args: object, **kwargs: object) -> tuple[Outcomes, np.ndarray]:
    """play_games, also returning a copy of the engine's state at the end."""
    final: dict[str, np.ndarray] = {}
    outcomes = play_games(*args, on_step=lambda s: final.update(state=s.copy()), **kwargs)
    return outcomes, final["state"]


def test_hits_and_returned_share_are_what_the_ball_did() -> None:
    left, right = mixed_batch()
    seeds = [31, 32, 33, 34, 35, 36]
    seen = np.zeros((len(seeds), 2), dtype=np.int64)  # the ball turned back at each paddle
    before: dict[str, np.ndarray] = {}

    def watch(s: np.ndarray) -> None:
        if before:
            turned = np.sign(before["vx"]) != np.sign(s[:, VX])
            seen[:, 0] += turned & (before["vx"] < 0) & (s[:, BX] < SHORT.width / 4)
            seen[:, 1] += turned & (before["vx"] > 0) & (s[:, BX] > SHORT.width * 3 / 4)
        before["vx"] = s[:, VX].copy()

    outcomes = play_games(SHORT, left, right, seeds, on_step=watch)
    np.testing.assert_array_equal(outcomes.left_hits, seen[:, 0])
    np.testing.assert_array_equal(outcomes.right_hits, seen[:, 1])
    assert seen.sum() > 0
    # Under "always" scoring each ball that came to a side was hit back or became a point.
    a_left = np.array([True, False, True, False, True, False])
    hits = np.where(a_left, seen[:, 0], seen[:, 1]).sum()
    missed = np.where(a_left, outcomes.right_points, outcomes.left_points).sum()
    assert returned_share(outcomes, a_left, SHORT) == pytest.approx(hits / (hits + missed))
    part = outcomes.rows(slice(1, 3))
    np.testing.assert_array_equal(part.left_hits, seen[1:3, 0])
    # "touched" scoring lets misses go uncounted: no share then.
    touched = SHORT.replace(scoring="touched")
    assert returned_share(play_games(touched, left, right, seeds), a_left, touched) is None


def test_a_game_does_not_depend_on_its_batch() -> None:
    left, right = mixed_batch()
    seeds = [21, 22, 23, 24, 25, 26]
    batch, batch_state = play_to_final_state(SHORT, left, right, seeds)
    for i, seed in enumerate(seeds):
        alone, state = play_to_final_state(
            SHORT, [left[i]], [right[i]], [seed], first_serve=[i % 2]
        )
        assert_same(alone, Outcomes(*(getattr(batch, f)[i : i + 1] for f in FIELDS)))
        np.testing.assert_array_equal(state[0], batch_state[i])  # bit for bit


def state_after_reset(n: int, **kwargs: object) -> np.ndarray:
    """The engine's state right after the reset of a CPU-vs-CPU batch of n games."""
    states: list[np.ndarray] = []
    play_games(
        SHORT,
        [ScriptedCPU()] * n,
        [ScriptedCPU()] * n,
        list(range(n)),
        on_step=lambda s: None if states else states.append(s.copy()),
        **kwargs,
    )
    return states[0]


def test_first_serves_alternate_even_games_serve_left() -> None:
    vx = state_after_reset(6)[:, VX]
    assert (vx[0::2] < 0).all()  # towards the left goal
    assert (vx[1::2] > 0).all()


def test_first_serve_can_be_given_per_game() -> None:
    vx = state_after_reset(3, first_serve=[1, 1, 0])[:, VX]
    assert vx[0] > 0 and vx[1] > 0 and vx[2] < 0


@pytest.mark.parametrize("cpu_side", [0, 1])
def test_cpu_beats_still_and_match_result_is_consistent(cpu_side: int) -> None:
    n = 8
    cpu, still = [ScriptedCPU()] * n, [StillPolicy()] * n
    left, right = (cpu, still) if cpu_side == 0 else (still, cpu)
    outcomes = play_games(UNBEATABLE_CPU, left, right, list(range(n)))
    cpu_left = np.full(n, cpu_side == 0)
    cpu_view = match_result("cpu", "still", outcomes, cpu_left, seed=0)
    still_view = match_result("still", "cpu", outcomes, ~cpu_left, seed=0)
    assert (cpu_view.wins, cpu_view.losses, cpu_view.draws) == (n, 0, 0)
    assert cpu_view.points_for == n * UNBEATABLE_CPU.points_to_win
    assert cpu_view.points_against == 0  # still never scores
    assert still_view == cpu_view.swapped()
    assert cpu_view.steps == int(outcomes.steps.sum())
    assert cpu_view.score == 1.0 and still_view.score == 0.0


def test_cpu_beats_still_under_default_rules() -> None:
    n = 8
    outcomes = play_games(rules(), [ScriptedCPU()] * n, [StillPolicy()] * n, list(range(n)))
    assert outcomes.left_won.all() and not outcomes.right_won.any()


def test_evaluate_against_one_result_per_opponent() -> None:
    opponents = [("cpu", ScriptedCPU()), ("still", StillPolicy())]
    results = evaluate_against(SHORT, ("me", Follower()), 0, opponents, games=4, seed=123)
    assert [(r.a, r.b) for r in results] == [("me", "cpu"), ("me", "still")]
    for result in results:
        assert result.games == 4
        assert result.seed == 123
        assert result.steps > 0
    assert evaluate_against(SHORT, ("me", Follower()), 0, [], games=4, seed=0) == []


@pytest.mark.parametrize("games", [3, 4])
def test_every_opponent_faces_the_same_games(games: int) -> None:
    """Game i has seed + i and serves to i % 2 in every match, also for an odd ``games``."""
    opponents = [("still-a", StillPolicy()), ("still-b", StillPolicy())]
    a, b = evaluate_against(SHORT, ("cpu", ScriptedCPU()), 0, opponents, games, seed=5)
    assert a == dataclasses.replace(b, b="still-a")


def test_evaluate_against_matches_play_games() -> None:
    """evaluate_against is play_games with game i seeded seed + i, serving to i % 2."""
    games, seed = 3, 40
    [result] = evaluate_against(SHORT, ("me", Follower()), 1, [("cpu", ScriptedCPU())], games, seed)
    outcomes = play_games(
        SHORT,
        [ScriptedCPU()] * games,
        [Follower()] * games,
        [seed + i for i in range(games)],
        first_serve=[i % 2 for i in range(games)],
    )
    assert result == match_result("me", "cpu", outcomes, np.zeros(games, dtype=bool), seed)


def test_side_puts_the_player_on_the_right() -> None:
    opponents = [("still", StillPolicy())]
    games = 16
    rules_ = rules("classic", points_to_win=5)
    left = evaluate_against(rules_, ("f", Follower()), 0, opponents, games, seed=3)[0]
    right = evaluate_against(rules_, ("f", Follower()), 1, opponents, games, seed=3)[0]
    assert left.wins == right.wins == games
    # The same follower given the other side's view is much worse: the test can see mirroring.
    wrong = evaluate_against(rules_, ("f", OtherSidesView(Follower())), 1, opponents, games, 3)[0]
    assert wrong.wins < 0.75 * games


def test_truncated_games_are_draws() -> None:
    n = 4
    truncating = rules("classic", max_steps=50)
    outcomes = play_games(truncating, [ScriptedCPU()] * n, [StillPolicy()] * n, list(range(n)))
    assert not outcomes.terminated.any()
    assert not outcomes.left_won.any() and not outcomes.right_won.any()
    np.testing.assert_array_equal(outcomes.steps, 50)
    [result] = evaluate_against(
        truncating, ("cpu", ScriptedCPU()), 0, [("still", StillPolicy())], n, seed=0
    )
    assert (result.wins, result.losses, result.draws) == (0, 0, n)
    assert result.games == n
    assert result.score == 0.5
    assert result.steps == 50 * n


def test_play_games_rejects_mismatched_rows() -> None:
    with pytest.raises(ValueError, match="one left and one right"):
        play_games(SHORT, [StillPolicy()], [StillPolicy()] * 2, [0, 1])
    with pytest.raises(ValueError, match="one left and one right"):
        play_games(SHORT, [], [], [])
    with pytest.raises(ValueError, match="first serve"):
        play_games(SHORT, [StillPolicy()] * 2, [StillPolicy()] * 2, [0, 1], first_serve=[0])


def test_rules_without_a_step_limit_still_end_as_draws() -> None:
    from league.evaluation import EVAL_MAX_STEPS

    # Under the seed rules the CPU scores only once the still paddle has touched the ball (the
    # touched rule); in some games it never does, and without a cap they would never end.
    seed_rules = rules("seed")
    assert seed_rules.max_steps is None
    outcomes = play_games(seed_rules, [ScriptedCPU()] * 8, [StillPolicy()] * 8, list(range(8)))
    assert (outcomes.steps <= EVAL_MAX_STEPS).all()
    endless = ~outcomes.terminated
    assert endless.any() and (outcomes.steps[endless] == EVAL_MAX_STEPS).all()
