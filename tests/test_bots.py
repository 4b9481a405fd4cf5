"""The reference bots: interception against the engine's own ball, both sides, batch independence,
each bot's style (edge aiming, late reaction, aim error), and the compiled bots against their
numpy reference, action for action."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from envs.bots import (
    AIM_ERROR,
    BOTS,
    SPARRING_SPREAD,
    Court,
    Delayed,
    EdgeAimer,
    Follower,
    Interceptor,
    Noisy,
    Sparring,
    _fold,
    intercept,
    reflect,
)
from envs.engine import (
    BX,
    BY,
    CPU,
    DOWN,
    HITS_L,
    HITS_R,
    LY,
    SCORE_L,
    SCORE_R,
    STAY,
    UP,
    VX,
    VY,
    Engine,
)
from envs.observation import FRAME_SIZE, push_coords
from envs.rules import Rules, rules
from envs.scripted import RandomPolicy, ScriptedCPU, StillPolicy
from league.evaluation import play_games
from league.players import load_bot, resolve_player

REPO = Path(__file__).resolve().parents[1]
CLASSIC = rules("classic")


def obs_of(court: Court, frames: list[dict[str, float]]) -> np.ndarray:
    """One observation (1, 6K) from frames in pixels of the mirrored court, oldest first."""
    row = []
    for f in frames:
        w, h, v = court.width, court.height, court.ball_speed
        row += [2 * f["x"] / w - 1, 2 * f["y"] / h - 1, 2 * f["own"] / h - 1]
        row += [2 * f.get("opp", h / 2) / h - 1, f["vx"] / v, f["vy"] / v]
    return np.array([row], dtype=np.float32)


# ------------------------------------------------------------------------- the geometry


def test_reflect_folds_the_path_between_the_walls() -> None:
    y, turned = reflect(np.array([8.0, 200.0, 0.0, 400.0, 786.0, -760.0]), 8.0, 392.0)
    np.testing.assert_allclose(y, [8.0, 200.0, 16.0, 384.0, 18.0, 8.0])
    np.testing.assert_array_equal(turned, [1, 1, -1, -1, 1, 1])


def _contact_y(state: np.ndarray, face_x: float, side: int, width: float) -> float:
    """The ball's y when it met the paddle face this step, from the state after the rebound."""
    x, vx = state[BX], state[VX]
    if side == 1:
        x, vx = width - x, -vx
    after = (x - face_x) / vx  # the part of the step travelled since the contact
    return float(state[BY] - state[VY] * after)


@pytest.mark.parametrize("side", [0, 1])
def test_interceptor_predicts_where_the_engine_ball_meets_its_paddle(side: int) -> None:
    game = CLASSIC.replace(points_to_win=4)
    court = Court.of(game)
    bot, still = Interceptor(game), StillPolicy()
    compared = 0
    for seed in range(8):
        engine = Engine(game, 1)
        engine.reset(seeds=[seed], first_serve=[seed % 2])
        obs = np.zeros((1, FRAME_SIZE * 4), dtype=np.float32)
        push_coords(engine.state, engine.params, side, obs, True)
        predicted = None
        while not engine.done[0]:
            towards = engine.state[0, VX] < 0 if side == 0 else engine.state[0, VX] > 0
            if towards and predicted is None:  # far away: the first step of the flight
                predicted = predicted_y(court, obs)
            elif not towards:
                predicted = None
            hits = engine.state[0, HITS_L + side]
            mine, other = bot.act(obs)[0], still.act(obs)[0]
            engine.step(np.array([[mine, other] if side == 0 else [other, mine]]))
            push_coords(engine.state, engine.params, side, obs, False)
            if engine.state[0, HITS_L + side] > hits and predicted is not None:
                met = _contact_y(engine.state[0], court.face_x, side, court.width)
                if court.radius <= met <= court.height - court.radius:  # no wall after contact
                    assert met == pytest.approx(predicted, abs=1e-3)
                    compared += 1
                predicted = None
    assert compared >= 20


def predicted_y(court: Court, obs: np.ndarray) -> float:
    """Where the interceptor expects the ball of the newest frame to meet its face."""
    return float(intercept(court, court.frame(obs)).y[0])


# ------------------------------------------------------------------------ whole games


def test_interceptor_never_misses() -> None:
    for ball_speedup in (1.0, CLASSIC.ball_speedup):  # slow serves only, then speeding up
        game = CLASSIC.replace(points_to_win=3, ball_speedup=ball_speedup)
        bot, cpu = Interceptor(game), ScriptedCPU()
        out = play_games(game, [bot] * 4 + [cpu] * 4, [cpu] * 4 + [bot] * 4, list(range(8)))
        assert (out.left_points[:4] == 3).all() and (out.right_points[:4] == 0).all()
        assert (out.right_points[4:] == 3).all() and (out.left_points[4:] == 0).all()


@pytest.mark.parametrize("name", list(BOTS))
def test_each_bot_beats_a_still_paddle_from_either_side(name: str) -> None:
    game = CLASSIC.replace(points_to_win=3)
    bot, still = BOTS[name](game), StillPolicy()
    out = play_games(game, [bot] * 4 + [still] * 4, [still] * 4 + [bot] * 4, list(range(8)))
    assert out.left_won[:4].all() and out.right_won[4:].all()


def test_edge_aimer_beats_the_cpu() -> None:
    game = CLASSIC.replace(points_to_win=5)
    edge, cpu = EdgeAimer(game), ScriptedCPU()
    out = play_games(game, [edge] * 8 + [cpu] * 8, [cpu] * 8 + [edge] * 8, list(range(16)))
    assert out.left_won[:8].sum() + out.right_won[8:].sum() >= 15


def test_a_game_alone_plays_as_in_a_batch() -> None:
    game = CLASSIC.replace(points_to_win=2, max_steps=600)  # bot against bot may never end
    players = [cls(game) for cls in BOTS.values()] + [ScriptedCPU()]
    n = 12
    left = [players[i % len(players)] for i in range(n)]
    right = [players[(i * 5 + 2) % len(players)] for i in range(n)]
    batch = play_games(game, left, right, list(range(n)))
    for i in range(n):
        alone = play_games(game, [left[i]], [right[i]], [i], first_serve=[i % 2])
        assert alone.left_points[0] == batch.left_points[i]
        assert alone.right_points[0] == batch.right_points[i]
        assert alone.steps[0] == batch.steps[i]


def test_every_bot_is_a_player_by_name() -> None:
    for name, cls in BOTS.items():
        player = resolve_player(name, None, CLASSIC)
        assert player.id == name and isinstance(player.policy, cls)
        actions = player.policy.act(np.zeros((3, 24), dtype=np.float32))
        assert actions.shape == (3,) and actions.dtype == np.int64
        assert player.policy.act(np.zeros(24, dtype=np.float32)).shape == (1,)


# ------------------------------------------------------------------------------ styles


def test_follower_plays_as_the_example_bot() -> None:
    example = load_bot(f"py:{REPO / 'scripts' / 'example_bot.py'}:Follower", CLASSIC)
    obs = np.random.default_rng(0).uniform(-1, 1, (2000, 24)).astype(np.float32)
    np.testing.assert_array_equal(Follower(CLASSIC).act(obs), example.act(obs))


def test_interceptor_returns_to_the_centre_while_the_ball_leaves() -> None:
    court = Court.of(CLASSIC)
    away = {"x": 300.0, "y": 50.0, "vx": 10.0, "vy": 0.0}
    bot = Interceptor(CLASSIC)
    assert bot.act(obs_of(court, [{**away, "own": 100.0}]))[0] == DOWN
    assert bot.act(obs_of(court, [{**away, "own": 300.0}]))[0] == UP
    assert bot.act(obs_of(court, [{**away, "own": 202.0}]))[0] == STAY  # within the dead band


@pytest.mark.parametrize(("opp", "move"), [(60.0, UP), (340.0, DOWN)])
def test_edge_aimer_meets_the_ball_off_centre_away_from_the_opponent(opp: float, move: int) -> None:
    # Rebounds of at most 10 degrees reach the far side without meeting a wall.
    game = CLASSIC.replace(max_bounce_angle=10.0)
    court = Court.of(game)
    # A flat ball arriving at y = 200 where the paddle already waits: the interceptor stays.
    frame = {"x": 300.0, "y": 200.0, "own": 200.0, "opp": opp, "vx": -12.0, "vy": 0.0}
    assert Interceptor(game).act(obs_of(court, [frame]))[0] == STAY
    # Opponent high: meet the ball below the centre (paddle up) to send it down, and vice versa.
    assert EdgeAimer(game).act(obs_of(court, [frame]))[0] == move
    f = court.frame(obs_of(court, [frame]))
    target = EdgeAimer(game).aim(f, intercept(court, f))[0]
    # The edge, 80% of half the paddle off centre, on the paddle's reach: whole moves away.
    edge = 0.8 * game.paddle_height / 2
    assert abs(target - (200.0 - edge if move == UP else 200.0 + edge)) <= game.paddle_speed / 2
    assert (target - 200.0) / game.paddle_speed == pytest.approx(round((target - 200.0) / 8.0))


def _returned(game: Rules, bot: object, games: int = 8) -> tuple[int, int]:
    """Of the bot's (left) hits, how many a still right paddle met again, out of how many."""
    engine = Engine(game, games)
    engine.reset(seeds=list(range(games)), first_serve=[i % 2 for i in range(games)])
    obs = np.zeros((games, FRAME_SIZE * 4), dtype=np.float32)
    push_coords(engine.state, engine.params, 0, obs, True)
    pending = np.zeros(games, dtype=bool)  # a hit of the bot on its way to the still paddle
    returned = hits = 0
    while not engine.done.all():
        before = engine.state[:, [HITS_L, HITS_R, SCORE_L, SCORE_R]].copy()
        actions = np.stack([bot.act(obs), np.zeros(games, dtype=np.int64)], axis=1)
        engine.step(actions)
        push_coords(engine.state, engine.params, 0, obs, False)
        new = engine.state[:, [HITS_L, HITS_R, SCORE_L, SCORE_R]] - before
        returned += int((pending & (new[:, 1] > 0)).sum())
        pending &= (new[:, 1] == 0) & (new[:, 2] + new[:, 3] == 0)
        pending |= new[:, 0] > 0
        hits += int((new[:, 0] > 0).sum())
    return returned, hits


def test_edge_aimer_sends_the_ball_past_the_opponent() -> None:
    game = CLASSIC.replace(points_to_win=5)
    returned, hits = _returned(game, EdgeAimer(game), games=12)
    assert hits >= 30 and returned <= 0.05 * hits
    # The interceptor meets the ball with its paddle's centre: the still paddle gets far more.
    returned, hits = _returned(game, Interceptor(game), games=12)
    assert returned >= 0.1 * hits


def test_delayed_reacts_to_the_oldest_frame_and_only_in_its_own_half() -> None:
    court, bot = Court.of(CLASSIC), Delayed(CLASSIC)
    coming = {"vx": -12.0, "vy": 0.0, "own": 200.0}
    # Now the ball is close and low, but three steps ago it was still in the other half: wait.
    old = {**coming, "x": 420.0, "y": 100.0}
    new = {**coming, "x": 384.0, "y": 350.0}
    assert bot.act(obs_of(court, [old, old, old, new]))[0] == STAY
    assert Interceptor(CLASSIC).act(obs_of(court, [old, old, old, new]))[0] == DOWN
    # The oldest frame in its own half decides, high, though the newest ball is low.
    old = {**coming, "x": 380.0, "y": 100.0}
    assert bot.act(obs_of(court, [old, old, old, new]))[0] == UP


def test_noisy_aim_error_is_fixed_for_a_flight_and_spread_over_the_paddle() -> None:
    bot = Noisy(CLASSIC)
    rng = np.random.default_rng(0)
    vx, vy = -rng.uniform(5, 24, 5000), rng.uniform(-20, 20, 5000)
    error = bot.aim_error(vx, vy)
    np.testing.assert_array_equal(error, bot.aim_error(vx, -vy))  # a wall turns vy only
    np.testing.assert_array_equal(error[::-1], bot.aim_error(vx[::-1], vy[::-1]))
    spread = AIM_ERROR * CLASSIC.paddle_height
    assert (np.abs(error) <= spread).all()
    assert error.min() < -0.95 * spread and error.max() > 0.95 * spread
    assert abs(error.mean()) < 0.05 * spread
    assert len(np.unique(error)) == len(error)


def _hit_offsets(game: Rules, bot: object, games: int = 8) -> np.ndarray:
    """Where the bot (left) met the ball at each of its hits, in games against the CPU (right):
    the ball's y less the paddle's centre, in half paddle heights."""
    engine = Engine(game, games)
    engine.reset(seeds=list(range(games)), first_serve=[i % 2 for i in range(games)])
    obs = np.zeros((games, FRAME_SIZE * 4), dtype=np.float32)
    push_coords(engine.state, engine.params, 0, obs, True)
    half = game.paddle_height / 2.0
    offsets = []
    while not engine.done.all():
        hits = engine.state[:, HITS_L].copy()
        engine.step(np.stack([bot.act(obs), np.full(games, CPU, dtype=np.int64)], axis=1))
        push_coords(engine.state, engine.params, 0, obs, False)
        s = engine.state[engine.state[:, HITS_L] > hits]
        offsets += ((s[:, BY] - s[:, LY] - half) / half).tolist()
    return np.array(offsets)


def test_sparring_partner_never_misses_and_meets_the_ball_all_over_its_paddle() -> None:
    game = CLASSIC.replace(points_to_win=3, max_steps=6_000)
    spar = Sparring(game)
    assert spar.name not in BOTS  # a training partner, not one of the gauntlet's bots
    assert isinstance(resolve_player("sparring", None, CLASSIC).policy, Sparring)
    # Not a point conceded to the edge aimer's steep fast balls, nor to the CPU's.
    for other in (EdgeAimer(game), ScriptedCPU()):
        out = play_games(game, [spar] * 4 + [other] * 4, [other] * 4 + [spar] * 4, list(range(8)))
        assert (out.right_points[:4] == 0).all() and (out.left_points[4:] == 0).all()
    # Off its centre by up to SPARRING_SPREAD paddle heights, new for every flight, so its
    # rebounds take every angle the paddle gives; the interceptor meets the ball near its centre.
    game = CLASSIC.replace(points_to_win=3)
    spread = _hit_offsets(game, Sparring(game))
    centred = _hit_offsets(game, Interceptor(game))
    assert len(spread) >= 50 and np.abs(spread).max() <= 2 * SPARRING_SPREAD + 0.2
    assert spread.min() < -0.6 and spread.max() > 0.6
    assert np.abs(spread).mean() > 2.0 * np.abs(centred).mean()


def test_bots_follow_the_rules_geometry() -> None:
    small = Rules(height=200.0, paddle_height=40.0, ball_radius=4.0)
    court = Court.of(small)
    # A ball bouncing once off the bottom wall (y = 196) on its way to the face (x = 34).
    frame = {"x": 134.0, "y": 150.0, "own": 100.0, "vx": -10.0, "vy": 10.0}
    at = intercept(court, court.frame(obs_of(court, [frame])))
    assert at.y[0] == pytest.approx(2 * 196.0 - 250.0, abs=1e-3) and at.turned[0] == -1
    assert at.steps[0] == pytest.approx(10.0)


# ------------------------------------------------------------------ compiled against numpy

# Rules that move every figure the bots read: the classic court, the article's (no bounce angle:
# the edge aimer's limit is 1e-9), a small court with flat rebounds, and a steep, half-carrying
# one with a slow paddle and another right paddle.
REFERENCE_RULES = {
    "classic": CLASSIC,
    "seed": rules("seed"),
    "small": Rules(height=200.0, paddle_height=40.0, ball_radius=4.0, max_bounce_angle=10.0),
    "steep": CLASSIC.replace(
        bounce_carry=0.5, paddle_speed=5.0, right_paddle_height=50.0, max_bounce_angle=75.0
    ),
}


def _recorded(game: Rules, frame_stack: int, games: int, steps: int) -> np.ndarray:
    """What both sides saw at every step of games between the bots, the CPU and random moves."""
    game = game.replace(max_steps=steps, points_to_win=5)
    pool = [cls(game) for cls in BOTS.values()] + [ScriptedCPU(), RandomPolicy(seed=games)]
    left = [pool[i % len(pool)] for i in range(games)]
    right = [pool[(3 * i + 1 + i // len(pool)) % len(pool)] for i in range(games)]
    stacks = [np.zeros((games, FRAME_SIZE * frame_stack), dtype=np.float32) for _ in range(2)]
    params, seen = game.params(), []

    def record(state: np.ndarray) -> None:
        for side in range(2):
            push_coords(state, params, side, stacks[side], not seen)
        seen.extend(stack.copy() for stack in stacks)

    play_games(game, left, right, list(range(games)), frame_stack=frame_stack, on_step=record)
    return np.concatenate(seen)


def _random(rng: np.random.Generator, n: int, frame_stack: int, reach: float) -> np.ndarray:
    """Positions within ``reach`` of the court (in its [-1, 1] units), speeds up to 2.2 serves."""
    obs = rng.uniform(-reach, reach, (n, FRAME_SIZE * frame_stack))
    for f in range(frame_stack):
        obs[:, f * FRAME_SIZE + 4 : (f + 1) * FRAME_SIZE] = rng.uniform(-2.2, 2.2, (n, 2))
    return obs.astype(np.float32)


def _on_the_grid(rng: np.random.Generator, game: Rules, n: int, dtype: type) -> np.ndarray:
    """Half pixels, paddles on half moves and a few round speeds (0 among them): the ties and
    halves where a last bit decides a comparison or a rounding (float64 keeps many exact)."""
    w, h, v = game.width, game.height, game.ball_speed
    half_move = game.paddle_speed / 2.0
    speeds = np.array([-24, -16, -12, -8, -6, -1, 0, 1, 6, 8, 12, 16, 24], dtype=np.float64) / v
    obs = np.empty((n, FRAME_SIZE * 4))
    for o in range(0, FRAME_SIZE * 4, FRAME_SIZE):
        obs[:, o] = rng.integers(-20, 2 * int(w) + 20, n) / w - 1.0
        obs[:, o + 1] = rng.integers(-20, 2 * int(h) + 20, n) / h - 1.0
        obs[:, o + 2] = 2.0 * half_move * rng.integers(0, int(h / half_move) + 1, n) / h - 1.0
        obs[:, o + 3] = 2.0 * rng.integers(0, int(h) + 1, n) / h - 1.0
        obs[:, o + 4 : o + 6] = rng.choice(speeds, (n, 2))
    return obs.astype(dtype)


@pytest.fixture(scope="module")
def reference_observations() -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(20260509)
    out = {}
    for name, game in REFERENCE_RULES.items():
        out[name] = [
            _recorded(game, 4, games=14, steps=500),
            _recorded(game, 2, games=7, steps=300),
            _random(rng, 20_000, 4, 1.2),
            _random(rng, 5_000, 1, 1.2),
            _random(rng, 5_000, 3, 40.0),  # far out of the court: walls folded many times
            _on_the_grid(rng, game, 20_000, np.float32),
            _on_the_grid(rng, game, 20_000, np.float64),
        ]
    return out


@pytest.mark.parametrize("rules_name", list(REFERENCE_RULES))
def test_compiled_bots_act_as_their_numpy_reference(
    rules_name: str, reference_observations: dict[str, list[np.ndarray]]
) -> None:
    game = REFERENCE_RULES[rules_name]
    bots = [cls(game) for cls in BOTS.values()] + [Noisy(game, spread=0.3)]
    for bot in bots:
        counts = np.zeros(3, dtype=np.int64)
        for obs in reference_observations[rules_name]:
            want = bot.act_numpy(obs)
            got = bot.act(obs)
            assert got.dtype == np.int64 and got.shape == want.shape
            bad = np.flatnonzero(got != want)
            assert bad.size == 0, f"{bot.name}: rows {bad[:8]} of {len(obs)} differ"
            # Any layout and float type reads the same; one observation alone too.
            np.testing.assert_array_equal(bot.act(np.asfortranarray(obs)), want)
            np.testing.assert_array_equal(bot.act(obs[::-1].astype(np.float64)), want[::-1])
            np.testing.assert_array_equal(bot.act(obs[7]), want[7:8])
            counts += np.bincount(want, minlength=3)
        assert counts.min() > 1000  # every action, many times


def test_compiled_bots_act_as_their_numpy_reference_on_odd_values() -> None:
    # Signed zeros, tiny and huge speeds, a ball on the face line: as the numpy code, with its
    # divisions by zero, infinities and NaNs, decides (whatever that is worth).
    rng = np.random.default_rng(5)
    obs = rng.uniform(-1.0, 1.0, (20_000, FRAME_SIZE * 2))
    values = np.array([0.0, -0.0, 1e-30, -1e-30, -1e-300, 5e-324, -5e-324, 1e300, -np.inf])
    obs[:, 4::6] = rng.choice(values, (len(obs), 2))
    obs[:, 5::6] = rng.choice(np.array([0.0, -0.0, 1e-30, 1.0, 1e300, np.inf]), (len(obs), 2))
    obs[::3, 6] = 2 * (CLASSIC.paddle_margin + CLASSIC.ball_radius) / CLASSIC.width - 1.0
    obs[::7, 9] = np.nan
    with np.errstate(all="ignore"):
        for bot in [cls(CLASSIC) for cls in BOTS.values()]:
            np.testing.assert_array_equal(bot.act(obs), bot.act_numpy(obs), err_msg=bot.name)


def test_compiled_fold_is_numpy_reflect() -> None:
    rng = np.random.default_rng(3)
    for low, high in [(8.0, 392.0), (10.0, 390.0), (4.0, 196.0), (0.1, 0.3 + 1e-16), (3.3, 7.7)]:
        period = 2.0 * (high - low)
        turns = low + period / 2.0 * np.arange(-12, 13)  # the walls, and whole periods away
        y = np.concatenate(
            [
                turns,
                np.nextafter(turns, np.inf),
                np.nextafter(turns, -np.inf),
                low + period * rng.uniform(-3.0, 3.0, 20_000),  # the fast paths and past them
                rng.uniform(-1e6, 1e6, 2_000),
                [0.0, -0.0, 1e300, -1e300],
            ]
        )
        want_y, want_turned = reflect(y, low, high)
        got = np.array([_fold(v, low, high) for v in y])
        np.testing.assert_array_equal(got[:, 0], want_y)
        np.testing.assert_array_equal(got[:, 1], want_turned)
