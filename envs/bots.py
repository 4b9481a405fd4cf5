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

Two implementations of the same arithmetic live here. ``act`` runs a compiled kernel per bot
(numba, loops over the rows, sharing the compiled steps :func:`_pixels`, :func:`_meet`,
:func:`_fold`, :func:`_steer` and the edge aimer's :func:`_edge_position`,
:func:`_rebound_angle`, :func:`_rebound_gap`): a gauntlet calls every bot at every game step.
``act_numpy`` is the same bot in numpy array operations (:meth:`Court.frame`, :func:`reflect`,
:func:`intercept`, :func:`steer`, :meth:`EdgeAimer.aim`, :meth:`Noisy.aim_error`): the readable
reference, which the tests hold the kernels to action for action and ``scripts/bench_bots.py``
times them against. The kernels do the same float64 operations in the same order, so the two
agree to the last bit, not only on most rows: change both together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from numba import njit

from envs.engine import DOWN, STAY, UP
from envs.observation import FRAME_SIZE
from envs.rules import Rules

EDGE_SHARE = 0.8  # where the edge aimer meets the ball: this share of half its paddle off centre
AIM_ERROR = 0.7  # the noisy bot's largest aim error, in paddle heights
SPARRING_SPREAD = 0.4  # the sparring partner's: EDGE_SHARE of half a paddle, within its reach

# The court as the kernels read it: Court.vector(), one float64 per field, in this order.
(
    G_WIDTH,
    G_HEIGHT,
    G_RADIUS,
    G_FACE_X,
    G_FAR_X,
    G_HALF_PADDLE,
    G_PADDLE_SPEED,
    G_BALL_SPEED,
    G_BOUNCE,
    G_CARRY,
    G_DEAD_BAND,
) = range(11)

# splitmix64, for the noisy bot's aim error (see _unit_hash)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TWO53 = float(2**53)


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

        (Numpy, per row in the kernels: :func:`_pixels`.)

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

    @cached_property
    def geometry(self) -> np.ndarray:
        """:meth:`vector`, made once per court: what a kernel called at every step reads."""
        return self.vector()

    def vector(self) -> np.ndarray:
        """The geometry as the compiled kernels read it: float64, indexed by the ``G_*`` names."""
        return np.array(
            [
                self.width,
                self.height,
                self.radius,
                self.face_x,
                self.far_x,
                self.half_paddle,
                self.paddle_speed,
                self.ball_speed,
                self.bounce,
                self.carry,
                self.dead_band,
            ],
            dtype=np.float64,
        )


# ------------------------------------------------------------- numpy: the bots' reference steps


def reflect(y: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Fold an unbounded straight path's y into ``[low, high]`` as the walls reflect the ball.

    (Numpy, per row in the kernels: :func:`_fold`.)

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

    Rows where the ball moves away (or is already past the face) get the ball's own y. (Numpy,
    per row in the kernels: :func:`_meet`.)

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

    (Numpy, per row in the kernels: :func:`_steer`.)

    :param own: paddle centre y per row.
    :param target: wanted paddle centre y per row.
    :param dead_band: no move when within this distance of the target.
    :return: int64 actions, 0 stay, 1 up, 2 down.
    """
    gap = target - own
    return np.where(gap < -dead_band, UP, np.where(gap > dead_band, DOWN, STAY)).astype(np.int64)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _batch(obs: np.ndarray) -> np.ndarray:
    """A (B, 6K) float32 or float64 array of ``obs`` (one row for a single observation)."""
    if type(obs) is not np.ndarray:
        obs = np.asarray(obs)
    if obs.ndim == 1:
        obs = obs.reshape(1, -1)
    if obs.ndim != 2 or obs.shape[1] < FRAME_SIZE:
        raise ValueError(f"need observations (B, {FRAME_SIZE}K), got shape {obs.shape}")
    if obs.dtype not in _FLOATS:
        obs = obs.astype(np.float64)  # as Court.frame reads them: one compiled kernel per dtype
    return obs


def _unit_hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A uniform in [0, 1) per row from the float64 bits of ``a`` and ``b`` (splitmix64).

    Integer arithmetic on the bits: the same value on every machine and in every batch, which a
    hash through ``sin`` would not promise to the last bit.
    """
    with np.errstate(over="ignore"):
        z = a.view(np.uint64) * _GOLDEN ^ b.view(np.uint64)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) / _TWO53


# --------------------------------------------------------------------------- compiled kernels
# Each kernel is its bot's act_numpy row by row: the same float64 operations in the same order
# (no fastmath, so no fused multiply-adds), the same libm calls, ties broken the same way. The
# helpers carry the numpy function they mirror in their docstring.

_SHIFT30, _SHIFT27, _SHIFT31, _SHIFT11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


@njit(cache=True, error_model="numpy")
def _newest(obs: np.ndarray) -> int:
    """The column of the newest frame in observations (B, 6K)."""
    return (obs.shape[1] // FRAME_SIZE - 1) * FRAME_SIZE


@njit(cache=True, error_model="numpy")
def _pixels(
    obs: np.ndarray, i: int, o: int, g: np.ndarray
) -> tuple[float, float, float, float, float, float]:
    """:meth:`Court.frame` of row ``i``, the frame at column ``o``: x, y, own, opp, vx, vy."""
    w, h, v = g[G_WIDTH] / 2.0, g[G_HEIGHT] / 2.0, g[G_BALL_SPEED]
    return (
        (np.float64(obs[i, o]) + 1.0) * w,
        (np.float64(obs[i, o + 1]) + 1.0) * h,
        (np.float64(obs[i, o + 2]) + 1.0) * h,
        (np.float64(obs[i, o + 3]) + 1.0) * h,
        np.float64(obs[i, o + 4]) * v,
        np.float64(obs[i, o + 5]) * v,
    )


@njit(cache=True, error_model="numpy")
def _fold(y: float, low: float, high: float) -> tuple[float, float]:
    """:func:`reflect` of one y.

    ``np.mod(m, period)`` is ``fmod`` plus the period where that is negative. Within two periods
    either way ``fmod`` is at most one subtraction, exact (Sterbenz), so it is done as that, with
    selects rather than branches: the edge aimer's rebounds meet a wall or not at random.
    """
    span = high - low
    period = 2.0 * span
    m = y - low
    if -2.0 * period < m < 2.0 * period:
        m = m - period if m >= period else m
        m = m + period if m < 0.0 else m  # fmod's value, or numpy's correction of it
        m = m + period if m < 0.0 else m  # numpy's correction, after fmod's m + period
    else:
        m = np.fmod(m, period)
        if m != 0.0 and (period < 0.0) != (m < 0.0):
            m += period
    turned = m > span
    return low + (period - m if turned else m), -1.0 if turned else 1.0


@njit(cache=True, error_model="numpy")
def _meet(x: float, y: float, vx: float, vy: float, g: np.ndarray) -> tuple[float, float, float]:
    """:func:`intercept` of one ball: its y and turn at the bot's face, and the steps to it."""
    steps = (g[G_FACE_X] - x) / vx if vx < 0.0 else 0.0
    steps = max(steps, 0.0)
    at, turned = _fold(y + vy * steps, g[G_RADIUS], g[G_HEIGHT] - g[G_RADIUS])
    return at, turned, steps


@njit(cache=True, error_model="numpy")
def _steer(own: float, target: float, dead_band: float) -> int:
    """:func:`steer` of one paddle."""
    gap = target - own
    if gap < -dead_band:
        return UP
    if gap > dead_band:
        return DOWN
    return STAY


@njit(cache=True, error_model="numpy")
def _edge_position(
    at: float, own: float, side: float, moves: float, g: np.ndarray, edge: float
) -> float:
    """One side of :meth:`EdgeAimer.aim`: the paddle centre, whole moves from ``own`` and within
    the court, nearest to meeting the ball at ``at`` ``edge`` below (side 1) or above (-1) it.

    :param moves: whole moves the paddle has before the ball arrives.
    """
    half, speed = g[G_HALF_PADDLE], g[G_PADDLE_SPEED]
    k = min(max(np.rint((at - side * edge - own) / speed), -moves), moves)
    return min(max(own + k * speed, half), g[G_HEIGHT] - half)


@njit(cache=True, error_model="numpy")
def _rebound_angle(at: float, centre: float, incoming: float, g: np.ndarray) -> float:
    """The angle law of :meth:`EdgeAimer.aim`: the rebound off a paddle centred at ``centre``.

    :param incoming: the kept share of the incoming angle (``carry`` times it).
    """
    limit = max(g[G_BOUNCE], 1e-9)
    offset = (at - centre) / (g[G_HALF_PADDLE] + g[G_RADIUS])
    return min(max(incoming + g[G_BOUNCE] * offset, -limit), limit)


@njit(cache=True, error_model="numpy")
def _rebound_gap(at: float, slope: float, opp: float, g: np.ndarray) -> float:
    """The end of :meth:`EdgeAimer.aim`: how far from ``opp`` a rebound from ``at`` reaches the
    opponent's face, walls folded in.

    :param slope: the tangent of the rebound angle.
    """
    path = at + slope * (g[G_FAR_X] - g[G_FACE_X])
    arrival, _ = _fold(path, g[G_RADIUS], g[G_HEIGHT] - g[G_RADIUS])
    return abs(arrival - opp)


@njit(cache=True, error_model="numpy")
def _hash_unit(a: np.uint64, b: np.uint64) -> float:
    """:func:`_unit_hash` of one pair of float64 bit patterns."""
    z = (a * _GOLDEN) ^ b
    z = (z ^ (z >> _SHIFT30)) * _MIX1
    z = (z ^ (z >> _SHIFT27)) * _MIX2
    z ^= z >> _SHIFT31
    return np.float64(z >> _SHIFT11) / _TWO53


@njit(cache=True, error_model="numpy")
def _follower_kernel(obs: np.ndarray, g: np.ndarray, slack: float) -> np.ndarray:
    o = _newest(obs)
    out = np.empty(obs.shape[0], dtype=np.int64)
    for i in range(obs.shape[0]):
        _, y, own, _, _, _ = _pixels(obs, i, o, g)
        out[i] = _steer(own, y, slack)
    return out


@njit(cache=True, error_model="numpy")
def _wait_at(x: float, y: float, vx: float, vy: float, g: np.ndarray) -> float:
    """Where an interceptor waits: where a coming ball meets its face, else the centre."""
    return _meet(x, y, vx, vy, g)[0] if vx < 0.0 else g[G_HEIGHT] / 2.0


@njit(cache=True, error_model="numpy")
def _interceptor_kernel(obs: np.ndarray, g: np.ndarray) -> np.ndarray:
    o = _newest(obs)
    out = np.empty(obs.shape[0], dtype=np.int64)
    for i in range(obs.shape[0]):
        x, y, own, _, vx, vy = _pixels(obs, i, o, g)
        out[i] = _steer(own, _wait_at(x, y, vx, vy, g), g[G_DEAD_BAND])
    return out


@njit(cache=True, error_model="numpy")
def _edge_kernel(obs: np.ndarray, g: np.ndarray, edge: float) -> np.ndarray:
    n, o = obs.shape[0], _newest(obs)
    reach = g[G_HALF_PADDLE] + g[G_RADIUS] - 1.0  # a hit, with a pixel to spare
    out = np.empty(n, dtype=np.int64)
    # The rows that aim (a ball coming, an edge in reach), gathered into columns: the atan2 and
    # tan calls then run in loops of their own, back to back, instead of each waiting at the end
    # of its row's chain of divisions (this took a third off the time).
    rows = np.empty(n, dtype=np.int64)
    at, own, opp, rise, run = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    centres, angles = np.empty((n, 2)), np.empty((n, 2))
    m = 0
    for i in range(n):
        x, y, mine, theirs, vx, vy = _pixels(obs, i, o, g)
        target = g[G_HEIGHT] / 2.0
        if vx < 0.0:
            target, turned, steps = _meet(x, y, vx, vy, g)
            moves = np.floor(steps)  # a float: math.floor would give an int64
            down = _edge_position(target, mine, 1.0, moves, g, edge)  # sends the ball down
            up = _edge_position(target, mine, -1.0, moves, g, edge)
            if abs(target - down) <= reach or abs(target - up) <= reach:
                rows[m], at[m], own[m], opp[m] = i, target, mine, theirs
                rise[m], run[m] = vy * turned, abs(vx)  # the incoming angle's atan2 arguments
                centres[m, 0], centres[m, 1] = down, up
                m += 1
                continue
        out[i] = _steer(mine, target, g[G_DEAD_BAND])  # the centre, or the ball: no edge in reach
    for j in range(m):
        incoming = g[G_CARRY] * math.atan2(rise[j], run[j])
        for s in range(2):
            angles[j, s] = _rebound_angle(at[j], centres[j, s], incoming, g)
    for j in range(m):
        for s in range(2):
            angles[j, s] = math.tan(angles[j, s])
    for j in range(m):
        best, best_gap = at[j], -1.0
        for s in range(2):  # below the centre, then above it: a tie keeps the first
            if abs(at[j] - centres[j, s]) <= reach:  # else a miss, gap -1: never better
                gap = _rebound_gap(at[j], angles[j, s], opp[j], g)
                if gap > best_gap:
                    best, best_gap = centres[j, s], gap
        out[rows[j]] = _steer(own[j], best, g[G_DEAD_BAND])
    return out


@njit(cache=True, error_model="numpy")
def _delayed_kernel(obs: np.ndarray, g: np.ndarray) -> np.ndarray:
    o = _newest(obs)
    out = np.empty(obs.shape[0], dtype=np.int64)
    for i in range(obs.shape[0]):
        x, y, _, _, vx, vy = _pixels(obs, i, 0, g)  # the ball of the oldest frame
        own = _pixels(obs, i, o, g)[2]  # the paddle of the newest
        if x < g[G_WIDTH] / 2.0:
            out[i] = _steer(own, _wait_at(x, y, vx, vy, g), g[G_DEAD_BAND])
        else:
            out[i] = STAY
    return out


@njit(cache=True, error_model="numpy")
def _noisy_kernel(obs: np.ndarray, g: np.ndarray, spread: float) -> np.ndarray:
    o = _newest(obs)
    out = np.empty(obs.shape[0], dtype=np.int64)
    velocity = np.empty(2, dtype=np.float64)
    bits = velocity.view(np.uint64)  # the float64 bits of vx and |vy|
    for i in range(obs.shape[0]):
        x, y, own, _, vx, vy = _pixels(obs, i, o, g)
        target = g[G_HEIGHT] / 2.0
        if vx < 0.0:
            velocity[0], velocity[1] = vx, abs(vy)
            error = (2.0 * _hash_unit(bits[0], bits[1]) - 1.0) * spread
            target = _meet(x, y, vx, vy, g)[0] + error
        out[i] = _steer(own, target, g[G_DEAD_BAND])
    return out


# ------------------------------------------------------------------------------------ the bots


class Follower:
    """Moves its paddle centre towards the ball's y, with a quarter paddle of slack.

    :param rules: the rules of the game.
    """

    name = "follower"

    def __init__(self, rules: Rules) -> None:
        self.court = Court.of(rules)
        self.slack = rules.paddle_height / 4.0
        self._geometry = self.court.vector()

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row (int64: 0 stay, 1 up, 2 down).

        :param obs: observations (B, 6K) or one (6K,).
        """
        return _follower_kernel(_batch(obs), self._geometry, self.slack)

    def act_numpy(self, obs: np.ndarray) -> np.ndarray:
        """:meth:`act` in numpy array operations: the reference the kernel is tested against."""
        f = self.court.frame(_batch(obs))
        return steer(f.own, f.y, self.slack)


class Interceptor:
    """Waits where the ball will meet its paddle face; back to the centre while the ball leaves.

    :param rules: the rules of the game.
    """

    name = "interceptor"

    def __init__(self, rules: Rules) -> None:
        self.court = Court.of(rules)
        self._geometry = self.court.vector()

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row (int64: 0 stay, 1 up, 2 down).

        :param obs: observations (B, 6K) or one (6K,).
        """
        return _interceptor_kernel(_batch(obs), self._geometry)

    def act_numpy(self, obs: np.ndarray) -> np.ndarray:
        """:meth:`act` in numpy array operations: the reference the kernel is tested against."""
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
        self._geometry = self.court.vector()

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row (int64: 0 stay, 1 up, 2 down).

        :param obs: observations (B, 6K) or one (6K,).
        """
        return _edge_kernel(_batch(obs), self._geometry, self.edge)

    def act_numpy(self, obs: np.ndarray) -> np.ndarray:
        """:meth:`act` in numpy array operations: the reference the kernel is tested against."""
        f = self.court.frame(_batch(obs))
        target = np.where(f.vx < 0.0, self.aim(f, intercept(self.court, f)), self.court.centre)
        return steer(f.own, target, self.court.dead_band)

    def aim(self, f: Frame, at: Intercept) -> np.ndarray:
        """The paddle centre that sends the ball farthest from the opponent's paddle.

        Where neither edge can be reached in time, the ball's own y: the interceptor's target.
        (Numpy, per row in the kernel: :func:`_edge_position`, :func:`_rebound_angle`, then
        :func:`_rebound_gap` of the angle's tangent.)

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
        self._geometry = self.court.vector()

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row (int64: 0 stay, 1 up, 2 down).

        :param obs: observations (B, 6K) or one (6K,).
        """
        return _delayed_kernel(_batch(obs), self._geometry)

    def act_numpy(self, obs: np.ndarray) -> np.ndarray:
        """:meth:`act` in numpy array operations: the reference the kernel is tested against."""
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
        self._geometry = self.court.vector()

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One action per observation row (int64: 0 stay, 1 up, 2 down).

        :param obs: observations (B, 6K) or one (6K,).
        """
        return _noisy_kernel(_batch(obs), self._geometry, self.spread)

    def act_numpy(self, obs: np.ndarray) -> np.ndarray:
        """:meth:`act` in numpy array operations: the reference the kernel is tested against."""
        f = self.court.frame(_batch(obs))
        aimed = intercept(self.court, f).y + self.aim_error(f.vx, f.vy)
        target = np.where(f.vx < 0.0, aimed, self.court.centre)
        return steer(f.own, target, self.court.dead_band)

    def aim_error(self, vx: np.ndarray, vy: np.ndarray) -> np.ndarray:
        """The offset, in pixels, added to the predicted y of a ball flying with this velocity.

        (Numpy; the kernel hashes per row with :func:`_hash_unit`.)

        :param vx: the ball's x velocity, pixels per step.
        :param vy: the ball's y velocity (its sign is ignored).
        :return: per row, a value in ``[-spread, spread)``.
        """
        vx = np.asarray(vx, dtype=np.float64)
        vy = np.abs(np.asarray(vy, dtype=np.float64))
        return (2.0 * _unit_hash(vx, vy) - 1.0) * self.spread


class Sparring(Noisy):
    """A training partner, not a gauntlet bot: the noisy bot's aim kept within its paddle.

    It meets every ball it can reach at a point up to ``SPARRING_SPREAD`` paddle heights off its
    paddle's centre, new for every flight, so its rebounds spread over the angles a paddle can
    give; it never misses a ball it can reach in time. A league's main agents train against it
    for ``LeagueConfig.sparring_share`` of their episodes, to meet the fast, steep balls that
    their pool of frozen learners rarely hits.

    :param rules: the rules of the game.
    """

    name = "sparring"

    def __init__(self, rules: Rules) -> None:
        super().__init__(rules, spread=SPARRING_SPREAD)


# Scripted players a league trains against: playable by name, never in the gauntlet.
TRAINING_BOTS: dict[str, type] = {"sparring": Sparring}

BOTS: dict[str, type] = {
    "follower": Follower,
    "interceptor": Interceptor,
    "edge": EdgeAimer,
    "delayed": Delayed,
    "noisy": Noisy,
}
