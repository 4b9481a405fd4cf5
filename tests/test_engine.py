"""The batched engine: determinism, batch independence, saved states, resets, ends of games."""

from __future__ import annotations

import numpy as np
import pytest

from envs.engine import (
    BX,
    CPU,
    LY,
    RY,
    SCORE_L,
    SCORE_R,
    STEPS,
    TERMINATED,
    TOUCH_L,
    TRUNCATED,
    VX,
    VY,
    Engine,
)
from envs.rules import Rules, rules

# Short games, so that a few thousand steps hold many serves and game ends.
SHORT = {"classic": rules("classic", points_to_win=3), "seed": rules("seed", points_to_win=3)}


def random_actions(rng: np.random.Generator, batch: int) -> np.ndarray:
    """Random moves, the CPU included, for both paddles."""
    return rng.integers(0, 4, size=(batch, 2), dtype=np.int64)


def play(e: Engine, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step ``e`` through ``actions`` (T, B, 2), restarting finished games; states and rewards."""
    states, rewards = [], []
    for a in actions:
        rewards.append(e.step(a).copy())
        states.append(e.state.copy())
        if e.done.any():
            e.reset(mask=e.done)
    return np.stack(states), np.stack(rewards)


@pytest.mark.parametrize("preset", ["classic", "seed"])
@pytest.mark.parametrize("batch", [1, 64])
def test_same_seed_and_actions_give_identical_states(preset: str, batch: int) -> None:
    actions = np.random.default_rng(7).integers(0, 4, size=(3000, batch, 2), dtype=np.int64)
    runs = []
    for _ in range(2):
        e = Engine(SHORT[preset], batch, seed=123)
        e.reset()
        runs.append(play(e, actions))
    (s1, r1), (s2, r2) = runs
    assert s1.tobytes() == s2.tobytes()  # bit for bit
    assert r1.tobytes() == r2.tobytes()
    # Something happened: points were scored and games restarted.
    assert np.abs(r1).sum() > 0 and (s1[1:, :, STEPS] < s1[:-1, :, STEPS]).any()
    other = Engine(SHORT[preset], batch, seed=124)
    other.reset()
    assert play(other, actions)[0].tobytes() != s1.tobytes()


@pytest.mark.parametrize("preset", ["classic", "seed"])
def test_game_trajectory_does_not_depend_on_batch(preset: str) -> None:
    r, batch, seed = SHORT[preset], 8, 40
    # Long enough for every game to use up its pool of serves and draw another mid-batch.
    actions = np.random.default_rng(1).integers(0, 4, size=(30_000, batch, 2), dtype=np.int64)
    e = Engine(r, batch, seed=seed)
    e.reset()
    first_pools = e.noise.copy()
    batched, batched_rewards = play(e, actions)
    assert all((e.noise[b] != first_pools[b]).any() for b in range(batch))
    for b in range(batch):
        alone = Engine(r, 1, seed=seed + b)
        alone.reset()
        states, rewards = play(alone, actions[:, b : b + 1])
        np.testing.assert_array_equal(states[:, 0], batched[:, b])
        np.testing.assert_array_equal(rewards[:, 0], batched_rewards[:, b])


@pytest.mark.parametrize("preset", ["classic", "seed"])
def test_get_and_set_state_round_trip_including_generators(preset: str) -> None:
    r, batch = SHORT[preset], 4
    # Plain moves only (the CPUs' long rallies would leave the Generators unused), and enough
    # steps for every game to use up its pool of POOL_SERVES serves.
    actions = np.random.default_rng(2).integers(0, 3, size=(12_000, batch, 2), dtype=np.int64)
    e = Engine(r, batch, seed=9)
    e.reset()
    play(e, actions[:500])
    saved = e.get_state()
    first = play(e, actions[500:])
    # The Generators were drawn from after the save: the round trip has to restore them.
    assert any(
        rng.bit_generator.state != state
        for rng, state in zip(e.rngs, saved.rng_states, strict=True)
    )
    e.set_state(saved)
    again = play(e, actions[500:])
    assert first[0].tobytes() == again[0].tobytes()
    assert first[1].tobytes() == again[1].tobytes()
    # Into another engine with other seeds, too; and the saved copy is not tied to the engine.
    other = Engine(r, batch, seed=1000)
    other.reset()
    other.set_state(saved)
    assert play(other, actions[500:])[0].tobytes() == first[0].tobytes()


def test_set_state_rejects_another_batch_size() -> None:
    saved = Engine(SHORT["classic"], 4, seed=0).get_state()
    with pytest.raises(ValueError, match="shape"):
        Engine(SHORT["classic"], 3, seed=0).set_state(saved)


@pytest.mark.parametrize("preset", ["classic", "seed"])
def test_reset_with_seeds_restarts_those_games_generators(preset: str) -> None:
    r = SHORT[preset]
    actions = np.random.default_rng(3).integers(0, 4, size=(1500, 3, 2), dtype=np.int64)
    fresh = Engine(r, 1, seed=42)
    fresh.reset()
    expected = play(fresh, actions[:, 1:2])[0][:, 0]

    e = Engine(r, 3, seed=0)
    e.reset()
    play(e, actions[:300])
    before = e.state.copy()
    e.reset(mask=np.array([False, True, False]), seeds=[42])
    np.testing.assert_array_equal(e.state[[0, 2]], before[[0, 2]])  # the others untouched
    states = play(e, actions)[0]
    np.testing.assert_array_equal(states[:, 1], expected)

    reseeded = Engine(r, 1, seed=7)
    reseeded.reset(seeds=[42])
    np.testing.assert_array_equal(play(reseeded, actions[:, 1:2])[0][:, 0], expected)


def test_reset_rejects_wrong_number_of_seeds() -> None:
    e = Engine(SHORT["classic"], 3, seed=0)
    with pytest.raises(ValueError, match="seeds"):
        e.reset(mask=np.array([True, True, False]), seeds=[1])


def test_reset_starts_a_fresh_game() -> None:
    r = SHORT["classic"]
    e = Engine(r, 2, seed=0)
    e.reset()
    e.state[:, [SCORE_L, SCORE_R, STEPS, TERMINATED, TOUCH_L]] = [2.0, 3.0, 77.0, 1.0, 1.0]
    e.reset()
    np.testing.assert_array_equal(e.state[:, [SCORE_L, SCORE_R, STEPS, TERMINATED]], 0.0)
    np.testing.assert_array_equal(e.state[:, TOUCH_L], 0.0)
    np.testing.assert_array_equal(e.state[:, BX], r.width / 2)
    np.testing.assert_allclose(np.hypot(e.state[:, VX], e.state[:, VY]), r.ball_speed)


@pytest.mark.parametrize("flag", [TERMINATED, TRUNCATED])
def test_finished_games_stay_frozen(flag: int) -> None:
    e = Engine(SHORT["classic"], 3, seed=0)
    e.reset()
    e.state[1, flag] = 1.0
    e.state[1, [BX, VX]] = [40.0, -12.0]  # about to leave the court, were it still playing
    frozen = e.state[1].copy()
    rng = np.random.default_rng(0)
    for _ in range(200):
        rewards = e.step(random_actions(rng, 3))
        np.testing.assert_array_equal(rewards[1], 0.0)
    np.testing.assert_array_equal(e.state[1], frozen)
    assert e.done.tolist() == [False, True, False]
    assert (e.state[[0, 2], STEPS] == 200).all()


@pytest.mark.parametrize("preset", ["classic", "seed"])
@pytest.mark.parametrize("cpu_side", [0, 1])
def test_scores_stop_at_points_to_win(preset: str, cpu_side: int) -> None:
    r, batch = SHORT[preset], 64
    e = Engine(r, batch, seed=5)
    e.reset()
    rng = np.random.default_rng(5)
    total = np.zeros((batch, 2))
    for _ in range(100_000):
        actions = random_actions(rng, batch)
        actions[:, cpu_side] = CPU
        total += e.step(actions)
        assert e.state[:, [SCORE_L, SCORE_R]].max() <= r.points_to_win
        if e.done.all():
            break
    s = e.state
    assert s[:, TERMINATED].all()
    winners = (s[:, SCORE_L] == r.points_to_win).astype(int) + (s[:, SCORE_R] == r.points_to_win)
    np.testing.assert_array_equal(winners, 1)  # exactly one side reached it
    # Rewards add up to the score difference (no hit reward here).
    np.testing.assert_array_equal(total[:, 0], s[:, SCORE_L] - s[:, SCORE_R])
    np.testing.assert_array_equal(total[:, 1], s[:, SCORE_R] - s[:, SCORE_L])


def test_truncation_at_max_steps() -> None:
    r = rules("classic", max_steps=50)
    e = Engine(r, 4, seed=0)
    e.reset()
    cpus = np.full((4, 2), CPU, dtype=np.int64)
    for _ in range(49):
        e.step(cpus)
    assert not e.done.any()
    e.step(cpus)
    np.testing.assert_array_equal(e.state[:, TRUNCATED], 1.0)
    np.testing.assert_array_equal(e.state[:, TERMINATED], 0.0)
    np.testing.assert_array_equal(e.state[:, STEPS], 50.0)
    frozen = e.state.copy()
    e.step(cpus)
    np.testing.assert_array_equal(e.state, frozen)


def test_winning_on_the_last_step_terminates_rather_than_truncates() -> None:
    r = rules("classic", max_steps=50, points_to_win=3)
    e = Engine(r, 1, seed=0)
    e.reset()
    e.state[0, [STEPS, SCORE_L, BX, VX, VY, RY]] = [49.0, 2.0, 790.0, 12.0, 0.0, 0.0]
    e.state[0, LY] = 0.0
    e.step(np.zeros((1, 2), dtype=np.int64))
    assert e.state[0, SCORE_L] == 3.0
    assert (e.state[0, TERMINATED], e.state[0, TRUNCATED]) == (1.0, 0.0)


def test_no_truncation_without_max_steps() -> None:
    r: Rules = rules("seed")
    e = Engine(r, 1, seed=0)
    e.reset()
    e.state[0, STEPS] = 10**9
    e.step(np.full((1, 2), CPU, dtype=np.int64))
    assert not e.done[0]


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Engine(rules(), 0)
