"""The game's physics: compiled functions stepping a batch of B independent games at once.

State is one float64 array of shape (B, N_FIELDS), a row per game, with the columns named below.
Scores and flags are stored as floats so that a game is a single contiguous row: stepping one
game touches one cache line, and copying the whole state (get_state) is one array copy.

Randomness comes only from ``numpy.random.Generator``s, one per game. The compiled step cannot
call them, so every game keeps a pool of uniforms for its next serves (a row of ``noise``); serves
consume it, and :class:`Engine` refills a used-up row from that game's Generator. The same seed
and actions therefore give the same trajectory, bit for bit, whatever else the batch holds.

Actions per paddle: 0 stay, 1 up, 2 down, and ``CPU`` (3): the article's ball-following CPU,
which compares its paddle centre with the ball at ``cpu_speed`` and its looser bounds. Putting the
CPU's rule here keeps it exact (it reads the true state, not rounded observations) and lets the
scripted CPU meet the policy protocol like any other player: its ``act`` returns ``CPU``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from envs.rules import Rules

# State columns.
BX, BY, VX, VY, LY, RY = 0, 1, 2, 3, 4, 5  # ball centre and velocity, paddle top edges
SCORE_L, SCORE_R, TOUCH_L, TOUCH_R = 6, 7, 8, 9
STEPS, TERMINATED, TRUNCATED, HITS_L, HITS_R = 10, 11, 12, 13, 14
NOISE_AT = 15  # next unused position in the game's row of the noise pool
N_FIELDS = 16
SERVE_NOISE = 4  # uniforms one serve uses
POOL_SERVES = 64  # serves drawn at once: the Generator is called once every 64 serves
POOL_SIZE = SERVE_NOISE * POOL_SERVES

# Params (see Rules.params).
(
    P_W,
    P_H,
    P_PW,
    P_MARGIN,
    P_PH_L,
    P_PH_R,
    P_SPEED_L,
    P_SPEED_R,
    P_CPU_SPEED,
    P_CPU_LOOSE,
    P_R,
    P_BALL_SPEED,
    P_BALL_MAX,
    P_SPEEDUP,
    P_BOUNCE,
    P_CARRY,
    P_SERVE,
    P_SERVE_ANGLE,
    P_JUMP,
    P_SCORING,
    P_COLLISIONS,
    P_BOUNDS,
    P_POINTS,
    P_MAX_STEPS,
    P_HIT_REWARD,
) = range(25)

STAY, UP, DOWN, CPU = 0, 1, 2, 3
_DIRECTIONS = np.array([0.0, -1.0, 1.0, 0.0])  # y change per unit of speed, by action
_MAX_EVENTS = 8  # collisions resolved within one step; more only for a ball stuck in a corner


@njit(cache=True, error_model="numpy")
def _serve(s: np.ndarray, noise: np.ndarray, b: int, p: np.ndarray) -> bool:
    """Serve game b from the centre; returns whether its noise pool is used up."""
    w, h = p[P_W], p[P_H]
    at = int(s[b, NOISE_AT])
    u_side, u_aim, u_left, u_right = (
        noise[b, at],
        noise[b, at + 1],
        noise[b, at + 2],
        noise[b, at + 3],
    )
    s[b, NOISE_AT] = at + SERVE_NOISE
    if p[P_JUMP] != 0.0:
        s[b, LY] = math.floor(u_left * (h - p[P_PH_L] + 1.0))
        s[b, RY] = math.floor(u_right * (h - p[P_PH_R] + 1.0))
    s[b, BX] = w / 2.0
    s[b, BY] = h / 2.0
    speed = p[P_BALL_SPEED]
    if p[P_SERVE] == 0.0:  # aim at a random point of a random paddle
        if u_side < 0.5:
            tx = p[P_MARGIN] - p[P_PW] / 2.0
            ty = s[b, LY] + u_aim * p[P_PH_L]
        else:
            tx = w - p[P_MARGIN] + p[P_PW] / 2.0
            ty = s[b, RY] + u_aim * p[P_PH_R]
        dx, dy = tx - w / 2.0, ty - h / 2.0
        norm = math.sqrt(dx * dx + dy * dy)
        s[b, VX] = speed * dx / norm
        s[b, VY] = speed * dy / norm
    else:
        angle = (2.0 * u_aim - 1.0) * p[P_SERVE_ANGLE]
        direction = -1.0 if u_side < 0.5 else 1.0
        s[b, VX] = direction * speed * math.cos(angle)
        s[b, VY] = speed * math.sin(angle)
    s[b, TOUCH_L] = 0.0
    s[b, TOUCH_R] = 0.0
    return at + SERVE_NOISE >= POOL_SIZE


@njit(cache=True, error_model="numpy")
def reset_games(s: np.ndarray, noise: np.ndarray, p: np.ndarray, mask: np.ndarray) -> int:
    """Start a new game in every row where ``mask`` is true (keeping the rest of its noise).

    :return: the number of games whose noise pool is used up.
    """
    n = 0
    for b in range(s.shape[0]):
        if not mask[b]:
            continue
        at = s[b, NOISE_AT]
        s[b, :] = 0.0
        s[b, NOISE_AT] = at
        s[b, LY] = (p[P_H] - p[P_PH_L]) / 2.0
        s[b, RY] = (p[P_H] - p[P_PH_R]) / 2.0
        n += _serve(s, noise, b, p)
    return n


@njit(cache=True, error_model="numpy")
def _move_paddle(
    y: float,
    action: int,
    height: float,
    speed: float,
    ball_y: float,
    court_h: float,
    cpu_speed: float,
    cpu_loose: bool,
    clamp: bool,
) -> float:
    lo, hi = 0.0, court_h - height
    if action == CPU:  # the same side plays the CPU all game long: a predictable branch
        speed = cpu_speed
        centre = y + height / 2.0
        direction = (1.0 if centre < ball_y else 0.0) - (1.0 if centre > ball_y else 0.0)
        if cpu_loose:
            lo, hi = -speed, hi + speed
    else:
        # A table, not if/elif: learned and random actions make such branches coin flips,
        # and their mispredictions cost more than the rest of the batched step.
        direction = _DIRECTIONS[action]
    new = y + direction * speed
    if not clamp:  # skip a move that would leave the court, no partial move
        return new if lo <= new <= hi else y
    return min(max(new, lo), hi)


@njit(cache=True, error_model="numpy")
def _bounce(s: np.ndarray, b: int, p: np.ndarray, top: float, height: float, out: float) -> None:
    """Rebound off a paddle face: angle from where the ball meets it, speed up to the cap."""
    vx, vy = s[b, VX], s[b, VY]
    if p[P_BOUNCE] == 0.0 and p[P_SPEEDUP] == 1.0:
        s[b, VX] = -vx
        return
    speed = min(math.sqrt(vx * vx + vy * vy) * p[P_SPEEDUP], p[P_BALL_MAX])
    offset = (s[b, BY] - (top + height / 2.0)) / (height / 2.0 + p[P_R])
    offset = min(max(offset, -1.0), 1.0)
    angle = p[P_CARRY] * math.atan2(vy, abs(vx)) + p[P_BOUNCE] * offset
    limit = max(p[P_BOUNCE], 1e-9)
    angle = min(max(angle, -limit), limit)
    s[b, VX] = out * speed * math.cos(angle)
    s[b, VY] = speed * math.sin(angle)


@njit(cache=True, error_model="numpy")
def _hit(s: np.ndarray, b: int, p: np.ndarray, side: int, r: np.ndarray) -> None:
    s[b, TOUCH_L + side] = 1.0
    s[b, HITS_L + side] += 1.0
    r[b, side] += p[P_HIT_REWARD]


@njit(cache=True, error_model="numpy")
def _move_ball_discrete(s: np.ndarray, b: int, p: np.ndarray, r: np.ndarray) -> None:
    """The article's move: advance, flip on overlap with a wall or a paddle, never correct."""
    rad, h = p[P_R], p[P_H]
    s[b, BX] += s[b, VX]
    s[b, BY] += s[b, VY]
    x, y = s[b, BX], s[b, BY]
    if y - rad <= 0.0 or y + rad >= h:
        s[b, VY] = -s[b, VY]
    face_l, face_r = p[P_MARGIN], p[P_W] - p[P_MARGIN]
    if face_l - p[P_PW] < x - rad < face_l and s[b, LY] < y < s[b, LY] + p[P_PH_L]:
        _bounce(s, b, p, s[b, LY], p[P_PH_L], 1.0)
        _hit(s, b, p, 0, r)
    if face_r < x + rad < face_r + p[P_PW] and s[b, RY] < y < s[b, RY] + p[P_PH_R]:
        _bounce(s, b, p, s[b, RY], p[P_PH_R], -1.0)
        _hit(s, b, p, 1, r)


@njit(cache=True, error_model="numpy")
def _sweep(s: np.ndarray, b: int, p: np.ndarray, r: np.ndarray) -> None:
    """Move along the path, resolving the earliest wall or paddle-face contact first."""
    rad, h = p[P_R], p[P_H]
    face_l, face_r = p[P_MARGIN], p[P_W] - p[P_MARGIN]
    t = 1.0
    for _ in range(_MAX_EVENTS):
        x, y, vx, vy = s[b, BX], s[b, BY], s[b, VX], s[b, VY]
        first, event = t, 0
        if vy < 0.0:
            tw = max((rad - y) / vy, 0.0)
            if tw < first:
                first, event = tw, 1
        elif vy > 0.0:
            tw = max((h - rad - y) / vy, 0.0)
            if tw < first:
                first, event = tw, 1
        if vx < 0.0 and x - rad >= face_l - 1e-9:
            tp = max((face_l + rad - x) / vx, 0.0)
            yp = y + vy * tp
            if tp <= first and s[b, LY] - rad <= yp <= s[b, LY] + p[P_PH_L] + rad:
                first, event = tp, 2
        elif vx > 0.0 and x + rad <= face_r + 1e-9:
            tp = max((face_r - rad - x) / vx, 0.0)
            yp = y + vy * tp
            if tp <= first and s[b, RY] - rad <= yp <= s[b, RY] + p[P_PH_R] + rad:
                first, event = tp, 3
        s[b, BX] = x + vx * first
        s[b, BY] = y + vy * first
        t -= first
        if event == 0:
            return
        if event == 1:
            s[b, VY] = -vy
        elif event == 2:
            _bounce(s, b, p, s[b, LY], p[P_PH_L], 1.0)
            _hit(s, b, p, 0, r)
        else:
            _bounce(s, b, p, s[b, RY], p[P_PH_R], -1.0)
            _hit(s, b, p, 1, r)
        if t <= 0.0:
            return


@njit(cache=True, error_model="numpy")
def _score(s: np.ndarray, b: int, p: np.ndarray, r: np.ndarray, scorer: int) -> bool:
    """A miss by the other side; returns whether the game goes on (and needs a serve)."""
    if p[P_SCORING] == 0.0 and s[b, TOUCH_L + scorer] == 0.0:
        return True  # the scorer never touched the ball: nobody scores
    s[b, SCORE_L + scorer] += 1.0
    r[b, scorer] += 1.0
    r[b, 1 - scorer] -= 1.0
    if s[b, SCORE_L + scorer] >= p[P_POINTS]:
        s[b, TERMINATED] = 1.0
        return False
    return True


@njit(cache=True, error_model="numpy")
def step(
    s: np.ndarray,
    noise: np.ndarray,
    actions: np.ndarray,
    p: np.ndarray,
    r: np.ndarray,
    used: np.ndarray,
) -> int:
    """Advance every running game by one step.

    :param s: state (B, N_FIELDS), updated in place; finished games are left as they are.
    :param noise: the games' noise pools (B, POOL_SIZE), read by serves.
    :param actions: int (B, 2), the left and the right paddle's action.
    :param p: the rules' params vector.
    :param r: float (B, 2), overwritten with this step's rewards for left and right.
    :param used: int (B,), its first entries overwritten with the rows whose noise pool is
        used up, to refill before the next step (see ``Engine``).
    :return: the number of such rows.
    """
    swept, clamp, loose = p[P_COLLISIONS] != 0.0, p[P_BOUNDS] != 0.0, p[P_CPU_LOOSE] != 0.0
    # The rule switches as constants in a copy of the loop for the default (classic) rules:
    # their tests and the code they skip leave the loop that steps every game.
    if swept and clamp and not loose:
        return _step_games(s, noise, actions, p, r, used, True, True, False)
    return _step_games(s, noise, actions, p, r, used, swept, clamp, loose)


@njit(cache=True, error_model="numpy", inline="always")
def _step_games(
    s: np.ndarray,
    noise: np.ndarray,
    actions: np.ndarray,
    p: np.ndarray,
    r: np.ndarray,
    used: np.ndarray,
    swept: bool,
    clamp: bool,
    cpu_loose: bool,
) -> int:
    n_used = 0
    # Params read once into locals: the compiler cannot tell that ``p`` is not written through
    # ``s`` or ``r``, and would otherwise reload every one of them for every game.
    rad, h, w = p[P_R], p[P_H], p[P_W]
    face_l, face_r = p[P_MARGIN], p[P_W] - p[P_MARGIN]
    ph_l, ph_r, speed_l, speed_r = p[P_PH_L], p[P_PH_R], p[P_SPEED_L], p[P_SPEED_R]
    cpu_speed = p[P_CPU_SPEED]
    max_steps = p[P_MAX_STEPS] if p[P_MAX_STEPS] > 0.0 else np.inf
    for b in range(s.shape[0]):
        r[b, 0] = 0.0
        r[b, 1] = 0.0
        if s[b, TERMINATED] + s[b, TRUNCATED] != 0.0:  # flags are 0 or 1: one test for both
            continue
        ball_y = s[b, BY]
        s[b, LY] = _move_paddle(
            s[b, LY], actions[b, 0], ph_l, speed_l, ball_y, h, cpu_speed, cpu_loose, clamp
        )
        s[b, RY] = _move_paddle(
            s[b, RY], actions[b, 1], ph_r, speed_r, ball_y, h, cpu_speed, cpu_loose, clamp
        )
        x, y = s[b, BX], s[b, BY]
        nx, ny = x + s[b, VX], y + s[b, VY]
        if not swept:
            _move_ball_discrete(s, b, p, r)
        elif (nx - rad > face_l or x - rad < face_l) and (nx + rad < face_r or x + rad > face_r):
            # No paddle face plane is crossed this step (a ball already behind a face, a miss on
            # its way out, crosses none): at most a wall is met, and reflecting the end point
            # about it is the swept result, without the sweep's divisions. The sweep stays out
            # of line so that this loop compiles small.
            if ny - rad <= 0.0:
                ny = 2.0 * rad - ny
                s[b, VY] = -s[b, VY]
            elif ny + rad >= h:
                ny = 2.0 * (h - rad) - ny
                s[b, VY] = -s[b, VY]
            s[b, BX], s[b, BY] = nx, ny
        else:
            _sweep(s, b, p, r)
        x = s[b, BX]
        serve = False
        if x < 0.0:
            serve = _score(s, b, p, r, 1)
        elif x > w:
            serve = _score(s, b, p, r, 0)
        if serve and _serve(s, noise, b, p):
            used[n_used] = b
            n_used += 1
        s[b, STEPS] += 1.0
        if s[b, STEPS] >= max_steps and s[b, TERMINATED] == 0.0:
            s[b, TRUNCATED] = 1.0
    return n_used


@dataclass(frozen=True)
class EngineState:
    """A copy of an :class:`Engine`'s games: state, noise pools and Generator states."""

    state: np.ndarray
    noise: np.ndarray
    rng_states: tuple[dict[str, Any], ...]


class Engine:
    """B independent games under one set of rules, each with its own Generator.

    A game's trajectory depends only on its own seed and actions, never on the other games of
    the batch: game i of a batched evaluation replays alone, bit for bit, from the same seed.

    :param rules: the rules.
    :param batch_size: number of games B.
    :param seed: game b's Generator starts from ``seed + b`` (``None``: from fresh entropy).
    """

    def __init__(self, rules: Rules, batch_size: int = 1, seed: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size} must be >= 1")
        self.rules = rules
        self.params = rules.params()
        self.state = np.zeros((batch_size, N_FIELDS), dtype=np.float64)
        self.noise = np.zeros((batch_size, POOL_SIZE), dtype=np.float64)
        self.rewards = np.zeros((batch_size, 2), dtype=np.float64)
        self._used = np.zeros(batch_size, dtype=np.int64)  # rows to refill after a step
        self.rngs = [
            np.random.default_rng(None if seed is None else seed + b) for b in range(batch_size)
        ]
        self.state[:, NOISE_AT] = POOL_SIZE
        self._refill()

    @property
    def batch_size(self) -> int:
        return self.state.shape[0]

    def reset(
        self,
        mask: np.ndarray | None = None,
        seeds: list[int] | None = None,
        first_serve: np.ndarray | None = None,
    ) -> None:
        """Start new games in the rows of ``mask`` (all rows by default).

        :param seeds: one seed per reset row, in row order, to restart its Generator from.
        :param first_serve: one side per reset row (0 left, 1 right): where the first ball goes,
            instead of a random side; evaluations serve half their games to each side.
        """
        if mask is None:
            mask = np.ones(self.batch_size, dtype=np.bool_)
        rows = np.flatnonzero(mask)
        if seeds is not None:
            if len(seeds) != rows.size:
                raise ValueError(f"{len(seeds)} seeds for {rows.size} games")
            for row, seed in zip(rows, seeds, strict=True):
                self.set_rng(int(row), np.random.default_rng(seed))
        if first_serve is not None:
            # The first uniform of a serve picks its side (< 0.5: left); fix it in the pool.
            at = self.state[rows, NOISE_AT].astype(np.int64)
            self.noise[rows, at] = np.where(np.asarray(first_serve) == 0, 0.25, 0.75)
        if reset_games(self.state, self.noise, self.params, mask):
            self._refill()

    def set_rng(self, row: int, rng: np.random.Generator) -> None:
        """Make ``rng`` game ``row``'s Generator, dropping the noise drawn from the old one."""
        self.rngs[row] = rng
        self.noise[row] = rng.random(POOL_SIZE)
        self.state[row, NOISE_AT] = 0.0

    def step(self, actions: np.ndarray) -> np.ndarray:
        """Step all games with int64 ``actions`` of shape (B, 2); returns the (B, 2) rewards."""
        n = step(self.state, self.noise, actions, self.params, self.rewards, self._used)
        if n:
            self._refill(self._used[:n])
        return self.rewards

    def _refill(self, rows: np.ndarray | None = None) -> None:
        """Draw new noise pools for ``rows`` (default: every row whose pool is used up)."""
        if rows is None:
            rows = np.flatnonzero(self.state[:, NOISE_AT] >= POOL_SIZE)
        for row in rows:
            self.noise[row] = self.rngs[row].random(POOL_SIZE)
            self.state[row, NOISE_AT] = 0.0

    @property
    def done(self) -> np.ndarray:
        return (self.state[:, TERMINATED] != 0.0) | (self.state[:, TRUNCATED] != 0.0)

    def get_state(self) -> EngineState:
        rng_states = tuple(copy.deepcopy(rng.bit_generator.state) for rng in self.rngs)
        return EngineState(self.state.copy(), self.noise.copy(), rng_states)

    def set_state(self, saved: EngineState) -> None:
        if saved.state.shape != self.state.shape:
            raise ValueError(f"state shape {saved.state.shape} != engine's {self.state.shape}")
        self.state[...] = saved.state
        self.noise[...] = saved.noise
        for rng, rng_state in zip(self.rngs, saved.rng_states, strict=True):
            rng.bit_generator.state = copy.deepcopy(rng_state)
