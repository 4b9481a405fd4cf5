"""The rules, checked on the engine: the article's game (``seed``, one test per rule of
docs/SEED_RULES.md), the properties that make ``classic`` a game of skill, and rejected overrides.

Most tests hand-set one game's state row, step once and read the row back.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from envs import engine
from envs.engine import (
    BX,
    BY,
    CPU,
    HITS_L,
    HITS_R,
    LY,
    RY,
    SCORE_L,
    SCORE_R,
    STEPS,
    TERMINATED,
    TOUCH_L,
    TOUCH_R,
    TRUNCATED,
    VX,
    VY,
    Engine,
)
from envs.rules import Rules, rules

SEED = rules("seed")
STAY, UP, DOWN = 0, 1, 2
# Columns a test may set by name (see engine_at).
COLUMNS = {
    name: getattr(engine, name)
    for name in ("BX", "BY", "VX", "VY", "LY", "RY", "SCORE_L", "SCORE_R", "TOUCH_L", "TOUCH_R")
}


def engine_at(r: Rules, **columns: float) -> Engine:
    """A one-game engine after reset, with the named columns (``BX=...``) set by hand.

    The ball rests at the centre and both paddles at the top unless told otherwise, so a test
    only names what it is about.
    """
    e = Engine(r, 1, seed=0)
    e.reset()
    row = e.state[0]
    row[[BX, BY, VX, VY, LY, RY]] = [r.width / 2, r.height / 2, 0.0, 0.0, 0.0, 0.0]
    for name, value in columns.items():
        row[COLUMNS[name]] = value
    return e


def step_once(e: Engine, left: int = STAY, right: int = STAY) -> np.ndarray:
    return e.step(np.array([[left, right]], dtype=np.int64)).copy()


# --- Court and bodies -----------------------------------------------------------------------


def test_seed_figures() -> None:
    r = SEED
    assert (r.width, r.height) == (800, 400)
    assert (r.paddle_width, r.left_height, r.right_height) == (10, 70, 70)
    # Left paddle spans x 20..30, the right one x 770..780.
    assert (r.paddle_margin - r.paddle_width, r.paddle_margin) == (20, 30)
    assert (r.width - r.paddle_margin, r.width - r.paddle_margin + r.paddle_width) == (770, 780)
    assert r.ball_radius == 10
    assert (r.paddle_speed, r.right_speed, r.cpu_speed, r.ball_speed) == (8, 8, 8, 10)
    assert (r.points_to_win, r.max_steps, r.hit_reward) == (21, None, 0.0)


def test_seed_ball_starts_at_centre() -> None:
    e = Engine(SEED, 16, seed=3)
    e.reset()
    np.testing.assert_array_equal(e.state[:, BX], 400.0)
    np.testing.assert_array_equal(e.state[:, BY], 200.0)


# --- Moves ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "start", "expected"),
    [
        (STAY, 100.0, 100.0),
        (UP, 100.0, 92.0),
        (DOWN, 100.0, 108.0),
        (UP, 8.0, 0.0),
        (UP, 4.0, 4.0),  # would reach -4: skipped whole, not clamped to 0
        (UP, 0.0, 0.0),
        (DOWN, 322.0, 330.0),
        (DOWN, 326.0, 326.0),  # would reach 334: skipped
        (DOWN, 330.0, 330.0),
    ],
)
def test_seed_paddle_moves_by_8_and_skips_moves_out_of_court(
    action: int, start: float, expected: float
) -> None:
    e = engine_at(SEED, LY=start, RY=start)
    step_once(e, action, action)
    assert e.state[0, LY] == expected
    assert e.state[0, RY] == expected


@pytest.mark.parametrize(
    ("paddle", "ball_y", "expected"),
    [
        (100.0, 200.0, 108.0),  # centre 135 above the ball: down
        (100.0, 50.0, 92.0),  # below the ball: up
        (100.0, 135.0, 100.0),  # level with the ball: stays
        (100.0, 137.0, 108.0),  # a whole move of 8 even when the ball is 2 px away
        (0.0, 15.0, -8.0),  # one move outside the court is allowed...
        (-8.0, 15.0, -8.0),  # ...but not two
        (330.0, 385.0, 338.0),
        (338.0, 385.0, 338.0),
    ],
)
def test_seed_cpu_follows_ball_with_loose_bounds(
    paddle: float, ball_y: float, expected: float
) -> None:
    e = engine_at(SEED, LY=paddle, RY=paddle, BY=ball_y)
    step_once(e, CPU, CPU)
    assert e.state[0, LY] == expected
    assert e.state[0, RY] == expected


def test_seed_ball_moves_by_its_velocity() -> None:
    e = engine_at(SEED, BX=400.0, BY=200.0, VX=3.0, VY=-4.0, LY=200.0, RY=200.0)
    step_once(e)
    np.testing.assert_array_equal(e.state[0, [BX, BY, VX, VY]], [403.0, 196.0, 3.0, -4.0])


@pytest.mark.parametrize(
    ("y", "vy", "flips"),
    [
        (14.0, -5.0, True),  # y - 10 = -1 after the move
        (20.0, -10.0, True),  # exactly touching (y - 10 == 0) counts
        (25.0, -5.0, False),
        (386.0, 5.0, True),
        (380.0, 10.0, True),  # y + 10 == 400
        (375.0, 5.0, False),
    ],
)
def test_seed_wall_flips_vy_without_correcting_position(y: float, vy: float, flips: bool) -> None:
    e = engine_at(SEED, BX=400.0, BY=y, VX=2.0, VY=vy, LY=200.0, RY=200.0)
    step_once(e)
    assert e.state[0, BY] == y + vy  # never pushed back inside
    assert e.state[0, VY] == (-vy if flips else vy)
    assert e.state[0, VX] == 2.0


# Ball y after the move, and whether the paddle (top at 100, bottom at 170) returns it.
SPAN_CASES = [
    (135.0, True),
    (100.5, True),
    (169.5, True),
    (100.0, False),  # the span is open: the top edge itself is not a hit
    (170.0, False),
    (99.0, False),  # just outside, although the ball's disc overlaps the paddle
    (171.0, False),
]
# The ball's leading edge after the move, x - 10 for the left paddle (x 20..30), and whether the
# paddle returns it; the right paddle (x 770..780) is checked on the mirrored x + 10 = 800 - edge.
EDGE_CASES = [(25.0, True), (29.5, True), (20.5, True), (30.0, False), (20.0, False), (31.0, False)]


def _hit_case(left: bool, y_after: float, edge_after: float) -> tuple[Engine, float]:
    """A ball moving at (-+10, 3) towards a still paddle (top 100), ending at the given spot."""
    vx = -10.0 if left else 10.0
    x_after = edge_after + 10.0 if left else (800.0 - edge_after) - 10.0
    e = engine_at(SEED, BX=x_after - vx, BY=y_after - 3.0, VX=vx, VY=3.0, LY=100.0, RY=100.0)
    return e, vx


@pytest.mark.parametrize("left", [True, False], ids=["left", "right"])
@pytest.mark.parametrize(("y_after", "hit"), SPAN_CASES)
def test_seed_paddle_hit_needs_ball_inside_span(left: bool, y_after: float, hit: bool) -> None:
    e, vx = _hit_case(left, y_after, 25.0)
    step_once(e)
    row = e.state[0]
    assert row[VX] == (-vx if hit else vx)
    assert row[VY] == 3.0  # a hit never changes the angle or the speed
    assert row[HITS_L if left else HITS_R] == float(hit)
    assert row[TOUCH_L if left else TOUCH_R] == float(hit)


@pytest.mark.parametrize("left", [True, False], ids=["left", "right"])
@pytest.mark.parametrize(("edge", "hit"), EDGE_CASES)
def test_seed_paddle_hit_needs_ball_edge_strictly_inside_paddle(
    left: bool, edge: float, hit: bool
) -> None:
    e, vx = _hit_case(left, 135.0, edge)
    step_once(e)
    assert e.state[0, VX] == (-vx if hit else vx)
    assert e.state[0, BX] == (edge + 10.0 if left else 790.0 - edge)


@pytest.mark.parametrize(
    ("x", "vx", "missed_by"),
    [(5.0, -10.0, "left"), (10.0, -10.0, None), (795.0, 10.0, "right"), (790.0, 10.0, None)],
)
def test_seed_miss_when_ball_passes_x_0_or_800(x: float, vx: float, missed_by: str | None) -> None:
    # Paddles far from the ball's line (y 300, paddles span 0..70); both sides touched it.
    e = engine_at(SEED, BX=x, BY=300.0, VX=vx, TOUCH_L=1.0, TOUCH_R=1.0)
    rewards = step_once(e)
    row = e.state[0]
    expected = {"left": [-1.0, 1.0], "right": [1.0, -1.0], None: [0.0, 0.0]}[missed_by]
    np.testing.assert_array_equal(rewards[0], expected)
    np.testing.assert_array_equal(row[[SCORE_L, SCORE_R]], np.maximum(expected, 0.0))
    if missed_by is None:
        assert row[BX] == x + vx
    else:  # served again from the centre
        assert (row[BX], row[BY]) == (400.0, 200.0)


# --- Serves ---------------------------------------------------------------------------------


def _check_serves(state: np.ndarray) -> None:
    np.testing.assert_array_equal(state[:, [BX, BY]], np.tile([400.0, 200.0], (len(state), 1)))
    for col in (LY, RY):
        np.testing.assert_array_equal(state[:, col], np.floor(state[:, col]))
        assert state[:, col].min() >= 0.0 and state[:, col].max() <= 330.0
    np.testing.assert_allclose(np.hypot(state[:, VX], state[:, VY]), 10.0, rtol=1e-12)
    np.testing.assert_array_equal(state[:, [TOUCH_L, TOUCH_R]], 0.0)
    # The ball heads for x = 25 (left paddle's middle) or 775 and meets that x on the paddle.
    left = state[:, VX] < 0
    target_x = np.where(left, 25.0, 775.0)
    aimed_y = 200.0 + state[:, VY] * (target_x - 400.0) / state[:, VX]
    top = np.where(left, state[:, LY], state[:, RY])
    assert np.all(aimed_y >= top - 1e-9) and np.all(aimed_y <= top + 70.0 + 1e-9)


def test_seed_serves_jump_paddles_and_aim_at_a_paddle() -> None:
    batch, rounds = 128, 20  # 20 serves a game: more than one noise pool's worth
    e = Engine(SEED, batch, seed=11)
    e.reset()
    serves = [e.state.copy()]
    still = np.zeros((batch, 2), dtype=np.int64)
    for _ in range(rounds - 1):
        # An untouched ball about to leave on the left, away from the paddles: a new serve.
        e.state[:, [BX, BY, VX, VY, LY]] = [5.0, 300.0, -10.0, 0.0, 0.0]
        e.step(still)
        serves.append(e.state.copy())
    all_serves = np.concatenate(serves)
    _check_serves(all_serves)
    np.testing.assert_array_equal(all_serves[:, [SCORE_L, SCORE_R]], 0.0)
    left_share = (all_serves[:, VX] < 0).mean()
    assert 0.45 < left_share < 0.55
    # Paddle jumps cover the whole range 0..330, and aims cover a paddle from end to end.
    for col in (LY, RY):
        assert all_serves[:, col].min() == 0 and all_serves[:, col].max() == 330
    left = all_serves[:, VX] < 0
    target_x = np.where(left, 25.0, 775.0)
    aimed = 200.0 + all_serves[:, VY] * (target_x - 400.0) / all_serves[:, VX]
    along = aimed - np.where(left, all_serves[:, LY], all_serves[:, RY])
    assert along.min() < 2.0 and along.max() > 68.0


# --- Scoring and rewards --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("touch_l", "touch_r", "ball_x", "vx", "scorer"),
    [
        (0.0, 1.0, 5.0, -10.0, "right"),  # left misses, right touched: right scores
        (0.0, 0.0, 5.0, -10.0, None),  # nobody touched: no score
        (1.0, 0.0, 5.0, -10.0, None),  # only the side that missed touched: no score
        (1.0, 0.0, 795.0, 10.0, "left"),
        (0.0, 1.0, 795.0, 10.0, None),
    ],
)
def test_seed_miss_scores_only_if_other_side_touched(
    touch_l: float, touch_r: float, ball_x: float, vx: float, scorer: str | None
) -> None:
    e = engine_at(SEED, BX=ball_x, BY=300.0, VX=vx, TOUCH_L=touch_l, TOUCH_R=touch_r)
    rewards = step_once(e)[0]
    row = e.state[0]
    if scorer is None:
        np.testing.assert_array_equal(rewards, [0.0, 0.0])
        assert (row[SCORE_L], row[SCORE_R]) == (0.0, 0.0)
    else:
        side = 0 if scorer == "left" else 1
        assert rewards[side] == 1.0 and rewards[1 - side] == -1.0
        assert row[SCORE_L + side] == 1.0 and row[SCORE_L + 1 - side] == 0.0
    # A serve follows either way, and the touch flags start over.
    assert (row[BX], row[BY], row[TOUCH_L], row[TOUCH_R]) == (400.0, 200.0, 0.0, 0.0)


def test_seed_touch_flag_set_by_a_hit_then_scores() -> None:
    # Right returns the ball (touching it), then left is nowhere near: right scores.
    e = engine_at(SEED, BX=755.0, BY=135.0, VX=10.0, RY=100.0, LY=300.0)
    step_once(e)
    assert e.state[0, TOUCH_R] == 1.0 and e.state[0, VX] == -10.0
    total = np.zeros(2)
    for _ in range(80):
        total += step_once(e)[0]
        if e.state[0, SCORE_R]:
            break
    np.testing.assert_array_equal(total, [-1.0, 1.0])
    assert (e.state[0, SCORE_L], e.state[0, SCORE_R]) == (0.0, 1.0)


@pytest.mark.parametrize("hit_reward", [0.0, 0.25])
def test_seed_hit_reward_goes_to_the_hitter(hit_reward: float) -> None:
    r = rules("seed", hit_reward=hit_reward)
    e = engine_at(r, BX=45.0, BY=135.0, VX=-10.0, LY=100.0, RY=300.0)
    np.testing.assert_array_equal(step_once(e)[0], [hit_reward, 0.0])
    e = engine_at(r, BX=755.0, BY=135.0, VX=10.0, RY=100.0, LY=300.0)
    np.testing.assert_array_equal(step_once(e)[0], [0.0, hit_reward])


def test_seed_game_ends_at_21() -> None:
    e = engine_at(SEED, BX=795.0, BY=300.0, VX=10.0, TOUCH_L=1.0, SCORE_L=19.0)
    step_once(e)
    assert e.state[0, SCORE_L] == 20.0 and e.state[0, TERMINATED] == 0.0
    e.state[0, [BX, BY, VX, VY, RY, TOUCH_L]] = [795.0, 300.0, 10.0, 0.0, 0.0, 1.0]
    np.testing.assert_array_equal(step_once(e)[0], [1.0, -1.0])
    assert e.state[0, SCORE_L] == 21.0 and e.state[0, TERMINATED] == 1.0
    assert e.done[0] and e.state[0, TRUNCATED] == 0.0
    frozen = e.state.copy()
    np.testing.assert_array_equal(step_once(e, DOWN, CPU)[0], [0.0, 0.0])
    np.testing.assert_array_equal(e.state, frozen)


def test_seed_ball_trackers_never_concede() -> None:
    # The measured property that made the project change the rules: a paddle that follows the
    # ball (an agent's move, tight bounds) against the CPU, 64 x 5000 steps, and no point falls.
    e = Engine(SEED, 64, seed=0)
    e.reset()
    actions = np.full((64, 2), CPU, dtype=np.int64)
    for _ in range(5000):
        gap = e.state[:, BY] - (e.state[:, LY] + SEED.left_height / 2)
        actions[:, 0] = np.where(gap > 0, DOWN, np.where(gap < 0, UP, STAY))
        assert not e.step(actions).any()
    assert e.state[:, HITS_L].sum() > 1000 and e.state[:, HITS_R].sum() > 1000


def test_seed_has_no_step_limit() -> None:
    e = engine_at(SEED)
    e.state[0, STEPS] = 1e7
    step_once(e, CPU, CPU)
    assert not e.done[0] and e.state[0, STEPS] == 1e7 + 1


# --- Classic: a game where skill decides ----------------------------------------------------

CLASSIC = rules("classic")


def play(r: Rules, left, right, games: int = 100, seed: int = 0) -> np.ndarray:
    """Play ``games`` games batched to the end; ``left``/``right`` map the state to actions."""
    e = Engine(r, games, seed=seed)
    e.reset()
    actions = np.zeros((games, 2), dtype=np.int64)
    while not e.done.all():
        actions[:, 0] = left(e.state)
        actions[:, 1] = right(e.state)
        e.step(actions)
    return e.state


def cpu(state: np.ndarray) -> np.ndarray:
    return np.full(len(state), CPU, dtype=np.int64)


def test_classic_random_policy_loses_to_cpu() -> None:
    rng = np.random.default_rng(0)
    end = play(CLASSIC, lambda s: rng.integers(0, 3, len(s)), cpu)
    assert (end[:, SCORE_R] >= CLASSIC.points_to_win).mean() >= 0.95


def fold(y: np.ndarray, r: Rules) -> np.ndarray:
    """Where an unbounded y lands once the top and bottom walls have reflected it."""
    span = r.height - 2 * r.ball_radius
    u = np.mod(y - r.ball_radius, 2 * span)
    return r.ball_radius + np.where(u <= span, u, 2 * span - u)


class EdgeAimer:
    """Left paddle that meets the ball with one of its ends, sending it away from the CPU.

    It predicts where the ball meets its face (walls included), and for each end predicts where
    the rebound would reach the CPU's face; it takes the end whose rebound lands farther from
    the CPU paddle's centre. Reads the engine's state, as a test may.

    :param r: the rules (classic bounce: angle from the contact offset, speed-up, cap).
    :param offset: contact point from the paddle centre, as a share of the bounce's scale.
    """

    def __init__(self, r: Rules, offset: float = 0.75) -> None:
        self.r, self.offset = r, offset

    def __call__(self, s: np.ndarray) -> np.ndarray:
        r = self.r
        reach = r.left_height / 2 + r.ball_radius  # the engine's offset scale
        face_l = r.paddle_margin + r.ball_radius
        face_r = r.width - r.paddle_margin - r.ball_radius
        vx = s[:, VX]
        coming = vx < 0
        meet_y = fold(s[:, BY] + s[:, VY] * (face_l - s[:, BX]) / np.where(coming, vx, -1), r)
        speed = np.minimum(np.hypot(vx, s[:, VY]) * r.ball_speedup, r.ball_speed_max)
        incoming = r.bounce_carry * np.arctan2(s[:, VY], np.abs(vx))
        limit = math.radians(r.max_bounce_angle)
        cpu_centre = s[:, RY] + r.right_height / 2
        best, best_side = np.full(len(s), -1.0), np.zeros(len(s))
        for side in (1.0, -1.0):
            angle = np.clip(incoming + limit * self.offset * side, -limit, limit)
            travel = (face_r - face_l) / (speed * np.cos(angle))
            lands = fold(meet_y + speed * np.sin(angle) * travel, r)
            away = np.abs(lands - cpu_centre)
            best_side = np.where(away > best, side, best_side)
            best = np.maximum(away, best)
        target = np.where(coming, meet_y - best_side * self.offset * reach, r.height / 2)
        gap = target - (s[:, LY] + r.left_height / 2)
        half = r.paddle_speed / 2
        return np.where(gap > half, DOWN, np.where(gap < -half, UP, STAY))


def test_classic_edge_aiming_beats_cpu() -> None:
    end = play(CLASSIC, EdgeAimer(CLASSIC), cpu)
    assert (end[:, SCORE_L] >= CLASSIC.points_to_win).mean() >= 0.8


def test_edge_aiming_wins_nothing_when_the_edge_adds_no_angle() -> None:
    # The same player, when a hit keeps the ball's angle: the CPU returns everything (draws).
    flat = rules("classic", max_bounce_angle=0.0, max_steps=5000)
    end = play(flat, EdgeAimer(flat), cpu, games=20)
    assert (end[:, SCORE_L] >= flat.points_to_win).mean() <= 0.2


def test_classic_two_cpus_finish_well_inside_max_steps() -> None:
    end = play(CLASSIC, cpu, cpu)
    assert end[:, TRUNCATED].sum() == 0
    assert end[:, TERMINATED].all()
    assert end[:, STEPS].mean() < CLASSIC.max_steps / 2


def _fire_at_paddles(r: Rules, n: int, seed: int) -> tuple[Engine, np.ndarray, np.ndarray]:
    """n balls at the speed cap, each aimed (walls included) at a point of a still paddle.

    :return: the engine, which balls head left, and which meet their paddle's face (the ball's
        centre within the span, or past an end by at most half a radius).
    """
    rng = np.random.default_rng(seed)
    e = Engine(r, n, seed=seed)
    e.reset()
    left = rng.random(n) < 0.5
    face_l = r.paddle_margin + r.ball_radius
    face_r = r.width - r.paddle_margin - r.ball_radius
    # Start anywhere from touching the face to the far side, some hugging a wall.
    gap = np.where(rng.random(n) < 0.3, rng.uniform(0, 30, n), rng.uniform(0, 650, n))
    near_wall = np.where(rng.random(n) < 0.5, r.ball_radius, r.height - r.ball_radius)
    y = np.where(rng.random(n) < 0.3, near_wall, rng.uniform(r.ball_radius, r.height - 10, n))
    angle = np.radians(rng.uniform(-80, 80, n))
    vx = np.where(left, -1.0, 1.0) * r.ball_speed_max * np.cos(angle)
    vy = r.ball_speed_max * np.sin(angle)
    meet = fold(y + vy * gap / np.abs(vx), r)
    half_r, length = r.ball_radius / 2, r.left_height
    top = np.clip(meet - rng.uniform(-half_r, length + half_r, n), 0.0, r.height - length)
    e.state[:, [BX, BY, VX, VY]] = np.stack(
        [np.where(left, face_l + gap, face_r - gap), y, vx, vy], 1
    )
    e.state[:, LY] = np.where(left, top, r.height / 2)
    e.state[:, RY] = np.where(left, r.height / 2, top)
    return e, left, (meet >= top - half_r) & (meet <= top + length + half_r)


def test_classic_swept_ball_at_speed_cap_never_passes_paddle_or_wall() -> None:
    r = CLASSIC
    assert r.collisions == "swept" and r.left_height == r.right_height
    e, left, aimed = _fire_at_paddles(r, 2000, seed=5)
    assert aimed.mean() > 0.9
    face_l = r.paddle_margin + r.ball_radius
    face_r = r.width - r.paddle_margin - r.ball_radius
    still = np.zeros((len(left), 2), dtype=np.int64)
    returned = np.zeros(len(left), dtype=bool)
    tol = 1e-9
    for _ in range(170):  # the slowest ball (80 degrees) needs about 160 steps
        e.step(still)
        s = e.state
        assert s[:, BY].min() >= r.ball_radius - tol
        assert s[:, BY].max() <= r.height - r.ball_radius + tol
        # Until its paddle returns it, a ball stays in front of that paddle's face.
        on_way = aimed & ~returned
        assert np.all(s[on_way & left, BX] >= face_l - tol)
        assert np.all(s[on_way & ~left, BX] <= face_r + tol)
        returned |= np.where(left, s[:, HITS_L], s[:, HITS_R]) > 0
    assert returned[aimed].all()


# --- Rejected overrides ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"paddle_heigth": 50.0}, "paddle_heigth"),
        ({"width": -800.0}, "width"),
        ({"height": 0.0}, "height"),
        ({"paddle_width": -1.0}, "paddle_width"),
        ({"ball_radius": -2.0}, "ball_radius"),
        ({"paddle_height": 500.0}, "paddle_height"),
        ({"paddle_height": 400.0}, "paddle_height"),
        ({"right_paddle_height": 401.0}, "right_paddle_height"),
        ({"ball_speed_max": 5.0}, "ball_speed_max"),
        ({"serve": "lob"}, "serve"),
        ({"scoring": "sometimes"}, "scoring"),
        ({"collisions": "magic"}, "collisions"),
        ({"paddle_bounds": "wrap"}, "paddle_bounds"),
        ({"points_to_win": 0}, "points_to_win"),
        ({"max_steps": 0}, "max_steps"),
    ],
)
@pytest.mark.parametrize("preset", ["classic", "seed"])
def test_bad_override_raises_naming_the_field(preset: str, overrides: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        rules(preset, **overrides)


def test_unknown_preset_raises() -> None:
    with pytest.raises(ValueError, match="nope"):
        rules("nope")


def test_good_override_applies_and_keeps_preset() -> None:
    r = rules("seed", points_to_win=5)
    assert r.points_to_win == 5 and r.serve == "aim_paddle" and r.ball_radius == 10
    assert rules() == rules("classic") == Rules()
