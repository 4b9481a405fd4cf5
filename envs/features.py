"""Features a policy can compute from its own coords observation: where the ball will meet it.

A learner sees the ball's position and velocity (see :mod:`envs.observation`); to be where the
ball arrives it has to fold the ball's straight path at the walls, a zig-zag function of five
inputs that a small MLP fits only roughly. A learner that misses balls has holes that a best
response finds and aims at (README, "Does the league help?"). :func:`intercept_features` hands it
that arithmetic instead, computed from the newest frame of the observation alone, exactly as the
scripted interceptor computes it (:func:`envs.bots.intercept`): nothing the player could not
see, and nothing learned from another player.

Appended to the observation (``FEATURES`` floats per row):

- ``meet_y``: the ball centre's y where it reaches the player's paddle face, scaled to [-1, 1];
  while the ball moves away, the ball's own y;
- ``gap``: ``meet_y`` minus the player's paddle centre, in half court heights; 0 while the ball
  moves away;
- ``eta``: steps until the ball reaches the face, divided by 50 and capped at 2 (100 steps);
- ``coming``: 1 while the ball moves towards the player, else 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from envs.bots import G_HEIGHT, Court, _meet, _newest, _pixels, intercept
from envs.observation import FRAME_SIZE
from envs.rules import Rules

FEATURES = 4
ETA_UNIT = 50.0  # steps; a ball crosses the classic court in 30 to 60
ETA_CAP = 100.0


def court_vector(rules: Rules) -> list[float]:
    """The geometry :func:`intercept_features` needs, as plain floats (a snapshot stores it)."""
    return [float(v) for v in Court.of(rules).vector()]


def intercept_features(obs: np.ndarray, court: Court) -> np.ndarray:
    """The ``FEATURES`` floats of each row of a batch of coords observations.

    A compiled kernel (the scripted bots' :func:`envs.bots._meet`, row by row): a league
    opponent computes them at every step. :func:`intercept_features_numpy` is the same in numpy
    array operations, the readable reference the tests hold it to, bit for bit.

    :param obs: observations ``(B, 6K)`` (any float dtype), the player's mirrored view.
    :param court: the rules' geometry (:meth:`Court.of`, or ``Court(*court_vector(rules))``).
    :return: float32 ``(B, FEATURES)``.
    """
    obs = _checked(obs)
    if obs.dtype not in (np.float32, np.float64):
        obs = obs.astype(np.float64)
    out = np.empty((obs.shape[0], FEATURES), dtype=np.float32)
    _features_kernel(obs, court.geometry, out)
    return out


def intercept_features_numpy(obs: np.ndarray, court: Court) -> np.ndarray:
    """:func:`intercept_features` in numpy array operations (the reference)."""
    obs = _checked(obs)
    frame = court.frame(obs)
    meet = intercept(court, frame)
    coming = (frame.vx < 0.0).astype(np.float64)
    half = court.height / 2.0
    out = np.empty((obs.shape[0], FEATURES), dtype=np.float32)
    out[:, 0] = meet.y / half - 1.0
    out[:, 1] = coming * (meet.y - frame.own) / half
    out[:, 2] = np.minimum(meet.steps, ETA_CAP) / ETA_UNIT
    out[:, 3] = coming
    return out


def _checked(obs: np.ndarray) -> np.ndarray:
    obs = np.asarray(obs)
    if obs.ndim != 2 or obs.shape[1] % FRAME_SIZE or not obs.shape[1]:
        raise ValueError(f"expected coords observations (B, {FRAME_SIZE}K), got {obs.shape}")
    return obs


@njit(cache=True, error_model="numpy")
def _features_kernel(obs: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
    """:func:`intercept_features_numpy` row by row: its float64 operations in the same order."""
    o = _newest(obs)
    half = g[G_HEIGHT] / 2.0
    for i in range(obs.shape[0]):
        x, y, own, _, vx, vy = _pixels(obs, i, o, g)
        at, _, steps = _meet(x, y, vx, vy, g)
        coming = 1.0 if vx < 0.0 else 0.0
        out[i, 0] = at / half - 1.0
        out[i, 1] = coming * (at - own) / half
        out[i, 2] = min(steps, ETA_CAP) / ETA_UNIT
        out[i, 3] = coming


def with_intercept_features(obs: np.ndarray, court: Court) -> np.ndarray:
    """``obs`` (float32) with :func:`intercept_features` appended to every row."""
    obs = np.asarray(obs, dtype=np.float32)
    return np.concatenate([obs, intercept_features(obs, court)], axis=1)
