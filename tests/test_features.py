"""The intercept features: where the ball will meet the player, from its own observation."""

from __future__ import annotations

import numpy as np
import pytest

from envs import PongVsOpponent
from envs.bots import Court, Interceptor, steer
from envs.features import (
    ETA_CAP,
    ETA_UNIT,
    FEATURES,
    intercept_features,
    intercept_features_numpy,
    with_intercept_features,
)
from envs.observation import FRAME_SIZE


def _observations(steps: int = 3_000, seed: int = 0) -> tuple[list[np.ndarray | None], Court]:
    """A left player's observations over random moves against the CPU; None between episodes."""
    env = PongVsOpponent("classic", opponent="cpu")
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    rows: list[np.ndarray | None] = []
    for _ in range(steps):
        rows.append(obs.copy())
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(3)))
        if terminated or truncated:
            rows.append(None)
            obs, _ = env.reset()
    return rows, Court.of(env.rules)


def test_the_meeting_point_holds_along_a_flight_and_the_eta_counts_down() -> None:
    # The prediction folds the walls in: a step later, the ball (one step further, perhaps off a
    # wall) is predicted to arrive at the same y, one step sooner.
    rows, court = _observations()
    pairs = 0
    for before, after in zip(rows, rows[1:], strict=False):
        if before is None or after is None:
            continue
        f0, f1 = intercept_features(np.stack([before, after]), court)
        x0, x1 = before[-FRAME_SIZE], after[-FRAME_SIZE]
        if not (f0[3] == f1[3] == 1.0) or abs(x1 - x0) > 0.2 or f1[2] == 0.0:
            continue  # not one flight towards the player (a hit, a serve, or the ball past it)
        if f0[2] == ETA_CAP / ETA_UNIT:
            continue  # more than ETA_CAP steps away (a slow serve): capped
        pairs += 1
        assert f1[0] == pytest.approx(f0[0], abs=1e-5)
        assert f0[2] - f1[2] == pytest.approx(1.0 / ETA_UNIT, abs=1e-5)
    assert pairs > 500


def test_the_gap_is_where_the_interceptor_goes() -> None:
    rows, court = _observations()
    obs = np.stack([r for r in rows if r is not None])
    features = intercept_features(obs, court)
    coming = features[:, 3] == 1.0
    assert 0.3 < coming.mean() < 0.7
    own = court.frame(obs).own
    target = own + features[:, 1].astype(np.float64) * court.height / 2.0
    moves = steer(own, target, court.dead_band)
    bot = Interceptor(PongVsOpponent("classic").rules).act(obs)
    assert (moves[coming] == bot[coming]).mean() > 0.995
    # While the ball moves away: no gap to close, no time to count.
    assert np.all(features[~coming, 1:] == 0.0)


def test_features_are_appended_and_bad_shapes_refused() -> None:
    rows, court = _observations(50)
    obs = np.stack([r for r in rows if r is not None])
    extended = with_intercept_features(obs.astype(np.float64), court)
    assert extended.dtype == np.float32 and extended.shape == (len(obs), obs.shape[1] + FEATURES)
    np.testing.assert_array_equal(extended[:, : obs.shape[1]], obs)
    with pytest.raises(ValueError, match="coords observations"):
        intercept_features(obs[:, :-1], court)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_compiled_features_are_the_numpy_reference_bit_for_bit(dtype: type) -> None:
    rows, court = _observations(5_000)
    played = np.stack([r for r in rows if r is not None]).astype(dtype)
    # Odd values too: balls far outside the court, paddles anywhere, velocities of any sign.
    odd = np.random.default_rng(1).uniform(-3.0, 3.0, (20_000, played.shape[1])).astype(dtype)
    for obs in (played, odd, played[:1]):
        fast, reference = intercept_features(obs, court), intercept_features_numpy(obs, court)
        assert fast.dtype == reference.dtype == np.float32
        np.testing.assert_array_equal(fast.view(np.uint32), reference.view(np.uint32))
