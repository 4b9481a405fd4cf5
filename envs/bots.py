"""Reference bots of distinct styles, for measuring a learner against opponents it never trained on.

Every bot meets the policy protocol (``Cls(rules)``, then ``act(obs) -> actions`` on a batch of
coords observations, see :mod:`envs.observation`) and defends the left goal of its mirrored view,
so it plays either side unchanged. Each is a pure function of the observation: no random state,
so a game's result never depends on what else is in the batch.

- ``follower``: moves its paddle centre towards the ball (as ``scripts/example_bot.py``).
- ``interceptor``: predicts where the ball meets its paddle face, walls folded in, and waits
  there; returns to the centre while the ball moves away.
- ``edge``: the interceptor, meeting the ball near a paddle edge so that the rebound angle sends
  the ball as far as it can from the opponent's paddle.
- ``delayed``: the interceptor reacting late: it sees the ball ``K - 1`` steps late (the oldest
  frame of the stack) and moves only once the ball is in its own half.
- ``noisy``: the interceptor with an aim error of up to 0.7 paddle heights, fixed for a flight.

The bots read the rules' geometry and take their own paddle to be ``paddle_height`` high; under
rules whose right paddle differs they aim as if it did not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from envs.engine import DOWN, STAY, UP
from envs.observation import FRAME_SIZE
from envs.rules import Rules

EDGE_SHARE = 0.8  # where the edge aimer meets the ball: this share of half its paddle off centre
AIM_ERROR = 0.7  # the noisy bot's largest aim error, in paddle heights


class Frame(NamedTuple):
    """One frame of a batch of observations, in pixels of the mirrored court (float64).

    :param x: ball centre x (0 at the bot's own goal line).
    :param y: ball centre y (0 at the top).
    :param own: the bot's paddle centre y.
    :param opp: the opponent's paddle centre y.
    :param vx: ball x velocity (< 0: towards the bot).
    :param vy: ball y velocity (> 0: downward).
    """

    x: np.ndarray
    y: np.ndarray
    own: np.ndarray
    opp: np.ndarray
    vx: np.ndarray
    vy: np.ndarray


@dataclass(frozen=True)
class Court:
    """The rules' geometry as a bot needs it, in pixels, from the defending (left) side's view.

    :param width: court width.
    :param height: court height.
    :param radius: ball radius: the ball centre stays within ``[radius, height - radius]``.
    :param face_x: ball centre x when the ball touches the bot's paddle face.
    :param far_x: ball centre x when the ball touches the opponent's paddle face.
    :param half_paddle: half the bot's paddle height.
    :param paddle_speed: the bot's paddle move per step.
    :param ball_speed: the unit of the velocity observations.
    :param bounce: the rebound angle at the very edge of a paddle, radians.
    :param carry: the share of the incoming angle a rebound keeps.
    :param dead_band: a paddle this close to its target stays put (half a move: no jitter).
    """

    width: float
    height: float
    radius: float
    face_x: float
    far_x: float
    half_paddle: float
    paddle_speed: float
    ball_speed: float
    bounce: float
    carry: float
    dead_band: float

    @classmethod
    def of(cls, rules: Rules) -> Court:
        """The geometry of ``rules``.

        :param rules: the rules of the game.
        """
        return cls(
            width=rules.width,
            height=rules.height,
            radius=rules.ball_radius,
            face_x=rules.paddle_margin + rules.ball_radius,
            far_x=rules.width - rules.paddle_margin - rules.ball_radius,
            half_paddle=rules.paddle_height / 2.0,
            paddle_speed=rules.paddle_speed,
            ball_speed=rules.ball_speed,
            bounce=math.radians(rules.max_bounce_angle),
            carry=rules.bounce_carry,
            dead_band=rules.paddle_speed / 2.0,
        )

    def frame(self, obs: np.ndarray, index: int = -1) -> Frame:
        """Frame ``index`` of every observation (0 the oldest, -1 the newest), in pixels.

        :param obs: observations (B, 6K).
        :param index: which of the K stacked frames.
        """
        k = obs.shape[1] // FRAME_SIZE
        o = (index % k) * FRAME_SIZE
        cols = obs[:, o : o + FRAME_SIZE].astype(np.float64)
        w, h, v = self.width / 2.0, self.height / 2.0, self.ball_speed
        return Frame(
            x=(cols[:, 0] + 1.0) * w,
            y=(cols[:, 1] + 1.0) * h,
            own=(cols[:, 2] + 1.0) * h,
            opp=(cols[:, 3] + 1.0) * h,
            vx=cols[:, 4] * v,
            vy=cols[:, 5] * v,
        )

    @property
    def centre(self) -> float:
        """The court's centre line y, where a bot waits."""
        return self.height / 2.0


def reflect(y: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Fold an unbounded straight path's y into ``[low, high]`` as the walls reflect the ball.

    :param y: where the ball would be without walls.
    :param low: the top wall, for the ball centre.
    :param high: the bottom wall, for the ball centre.
    :return: the reflected y, and +1 where the ball then moves as it started, -1 where an odd
        number of wall bounces turned its vertical direction.
    """
    span = high - low
    m = np.mod(y - low, 2.0 * span)
    turned = m > span
    return low + np.where(turned, 2.0 * span - m, m), np.where(turned, -1.0, 1.0)


class Intercept(NamedTuple):
    """Where and when the ball's centre reaches the bot's paddle face.

    :param y: the ball's y there.
    :param turned: the sign of the ball's vertical velocity there relative to now.
    :param steps: steps until then (fractional; 0 where the ball moves away).
    """

    y: np.ndarray
    turned: np.ndarray
    steps: np.ndarray


def intercept(court: Court, f: Frame) -> Intercept:
    """Where the ball's centre reaches the bot's paddle face, if it moves towards the bot.

    Rows where the ball moves away (or is already past the face) get the ball's own y.

    :param court: the geometry.
    :param f: the frame to predict from.
    :return: the intercept per row, wall bounces folded in (see :func:`reflect`).
    """
    coming = f.vx < 0.0
    steps = np.where(coming, (court.face_x - f.x) / np.where(coming, f.vx, -1.0), 0.0)
    steps = np.maximum(steps, 0.0)
    y, turned = reflect(f.y + f.vy * steps, court.radius, court.height - court.radius)
    return Intercept(y, turned, steps)


def steer(own: np.ndarray, target: np.ndarray, dead_band: float) -> np.ndarray:
    """Actions moving paddle centres ``own`` towards ``target`` (y grows downward).

    :param own: paddle centre y per row.
    :param target: wanted paddle centre y per row.
    :param dead_band: no move when within this distance of the target.
    :return: int64 actions, 0 stay, 1 up, 2 down.
    """
    gap = target - own
    return np.where(gap < -dead_band, UP, np.where(gap > dead_band, DOWN, STAY)).astype(np.int64)


def _batch(obs: np.ndarray) -> np.ndarray:
    obs = np.asarray(obs)
    return obs.reshape(1, -1) if obs.ndim == 1 else obs


def _unit_hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A uniform in [0, 1) per row from the float64 bits of ``a`` and ``b`` (splitmix64).

    Integer arithmetic on the bits: the same value on every machine and in every batch, which a
    hash through ``sin`` would not promise to the last bit.
    """
    with np.errstate(over="ignore"):
        z = a.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ b.view(np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


class Follower:
    """Moves its paddle centre towards the ball's y, with a quarter paddle of slack.

    :param rules: the rules of the game.
    """

    name = "follower"

    def __init__(self, rules: Rules) -> None:
        self.court = Court.of(rules)
        self.slack = rules.paddle_height / 4.0

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row.

        :param obs: observations (B, 6K) or one (6K,).
        """
        f = self.court.frame(_batch(obs))
        return steer(f.own, f.y, self.slack)


class Interceptor:
    """Waits where the ball will meet its paddle face; back to the centre while the ball leaves.

    :param rules: the rules of the game.
    """

    name = "interceptor"

    def __init__(self, rules: Rules) -> None:
        self.court = Court.of(rules)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row.

        :param obs: observations (B, 6K) or one (6K,).
        """
        f = self.court.frame(_batch(obs))
        target = np.where(f.vx < 0.0, intercept(self.court, f).y, self.court.centre)
        return steer(f.own, target, self.court.dead_band)


class EdgeAimer:
    """The interceptor, meeting the ball near an edge of its paddle to aim the rebound.

    Of the two edges (the ball about ``EDGE_SHARE`` of half the paddle above or below its
    centre), it takes the one whose rebound, by the rules' angle law, reaches the opponent's face
    farthest from where the opponent's paddle is now. It aims at positions its paddle can stand
    on at the contact (whole moves from where it is, within the court): a few pixels off on the
    paddle turn the rebound by degrees and its arrival by tens of pixels.

    :param rules: the rules of the game.
    """

    name = "edge"

    def __init__(self, rules: Rules) -> None:
        self.court = Court.of(rules)
        self.edge = EDGE_SHARE * self.court.half_paddle

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row.

        :param obs: observations (B, 6K) or one (6K,).
        """
        f = self.court.frame(_batch(obs))
        target = np.where(f.vx < 0.0, self.aim(f, intercept(self.court, f)), self.court.centre)
        return steer(f.own, target, self.court.dead_band)

    def aim(self, f: Frame, at: Intercept) -> np.ndarray:
        """The paddle centre that sends the ball farthest from the opponent's paddle.

        Where neither edge can be reached in time, the ball's own y: the interceptor's target.

        :param f: the frame (the bot's and the opponent's paddles, the ball's velocity).
        :param at: where and when the ball meets the bot's face.
        """
        c = self.court
        low, high = c.half_paddle, c.height - c.half_paddle
        reach = c.half_paddle + c.radius - 1.0  # a hit, with a pixel to spare
        incoming = c.carry * np.arctan2(f.vy * at.turned, np.abs(f.vx))
        limit = max(c.bounce, 1e-9)
        moves = np.floor(at.steps)
        best, best_gap = at.y, np.full_like(at.y, -1.0)
        for side in (1.0, -1.0):  # below the centre (sends the ball down), then above it
            k = np.clip(np.round((at.y - side * self.edge - f.own) / c.paddle_speed), -moves, moves)
            centre = np.clip(f.own + k * c.paddle_speed, low, high)
            offset = (at.y - centre) / (c.half_paddle + c.radius)
            angle = np.clip(incoming + c.bounce * offset, -limit, limit)
            arrival, _ = reflect(
                at.y + np.tan(angle) * (c.far_x - c.face_x), c.radius, c.height - c.radius
            )
            gap = np.where(np.abs(at.y - centre) <= reach, np.abs(arrival - f.opp), -1.0)
            better = gap > best_gap
            best = np.where(better, centre, best)
            best_gap = np.where(better, gap, best_gap)
        return best


class Delayed:
    """The interceptor reacting late: it sees the ball as it was in the oldest stacked frame
    (``K - 1`` steps ago) and moves only once that ball is in its own half.

    Its own paddle it reads from the newest frame: steering a paddle by where it was K - 1 steps
    ago overshoots every target and oscillates, which is a different bot.

    :param rules: the rules of the game.
    """

    name = "delayed"

    def __init__(self, rules: Rules) -> None:
        self.court = Court.of(rules)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row.

        :param obs: observations (B, 6K) or one (6K,).
        """
        obs = _batch(obs)
        seen = self.court.frame(obs, 0)
        own = self.court.frame(obs, -1).own
        target = np.where(seen.vx < 0.0, intercept(self.court, seen).y, self.court.centre)
        actions = steer(own, target, self.court.dead_band)
        return np.where(seen.x < self.court.width / 2.0, actions, STAY)


class Noisy:
    """The interceptor with an aim error of up to ``AIM_ERROR`` paddle heights either way.

    The error is a hash of the ball's velocity with the sign of vy dropped, which stays the same
    from one paddle hit to the next (walls only turn vy): fixed for a flight, new for the next,
    and the same whatever else is in the batch.

    :param rules: the rules of the game.
    :param spread: the largest error, in paddle heights.
    """

    name = "noisy"

    def __init__(self, rules: Rules, spread: float = AIM_ERROR) -> None:
        self.court = Court.of(rules)
        self.spread = spread * rules.paddle_height

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row.

        :param obs: observations (B, 6K) or one (6K,).
        """
        f = self.court.frame(_batch(obs))
        aimed = intercept(self.court, f).y + self.aim_error(f.vx, f.vy)
        target = np.where(f.vx < 0.0, aimed, self.court.centre)
        return steer(f.own, target, self.court.dead_band)

    def aim_error(self, vx: np.ndarray, vy: np.ndarray) -> np.ndarray:
        """The offset, in pixels, added to the predicted y of a ball flying with this velocity.

        :param vx: the ball's x velocity, pixels per step.
        :param vy: the ball's y velocity (its sign is ignored).
        :return: per row, a value in ``[-spread, spread)``.
        """
        vx = np.asarray(vx, dtype=np.float64)
        vy = np.abs(np.asarray(vy, dtype=np.float64))
        return (2.0 * _unit_hash(vx, vy) - 1.0) * self.spread


BOTS: dict[str, type] = {
    "follower": Follower,
    "interceptor": Interceptor,
    "edge": EdgeAimer,
    "delayed": Delayed,
    "noisy": Noisy,
}
