"""The Gymnasium and PettingZoo envs: contracts, the observation layout, mirroring, frame stacks,
infos, opponent sampling, seeding, and a short SB3 run."""

from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

from envs import ENV_ID, PongDuel, PongVsOpponent, scripted
from envs.engine import (
    BX,
    BY,
    HITS_L,
    HITS_R,
    LY,
    RY,
    SCORE_L,
    SCORE_R,
    TOUCH_L,
    TOUCH_R,
    VX,
    VY,
    Engine,
)
from envs.observation import LEFT, PIXELS, RIGHT, draw_pixels, push_coords
from envs.rules import Rules, rules

CLASSIC = rules("classic")
ROLES = ("left", "right")
OBS_MODES = ("coords", "pixels")


def frame_of(row: np.ndarray, r: Rules, side: int) -> np.ndarray:
    """The documented coords frame, written out again: side's mirrored view of a state row."""
    x, vx, own, opp = row[BX], row[VX], row[LY], row[RY]
    own_h, opp_h = r.left_height, r.right_height
    if side == RIGHT:
        x, vx, own, opp, own_h, opp_h = r.width - x, -vx, opp, own, opp_h, own_h
    return np.array(
        [
            2 * x / r.width - 1,
            2 * row[BY] / r.height - 1,
            2 * (own + own_h / 2) / r.height - 1,
            2 * (opp + opp_h / 2) / r.height - 1,
            vx / r.ball_speed,
            row[VY] / r.ball_speed,
        ]
    )


def mirrored(state: np.ndarray, r: Rules) -> np.ndarray:
    """The mirror image of state rows: x -> width - x, vx -> -vx, the two sides swapped."""
    m = state.copy()
    m[:, BX] = r.width - state[:, BX]
    m[:, VX] = -state[:, VX]
    for a, b in ((LY, RY), (SCORE_L, SCORE_R), (TOUCH_L, TOUCH_R), (HITS_L, HITS_R)):
        m[:, a], m[:, b] = state[:, b], state[:, a]
    return m


def random_rows(r: Rules, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = Engine(r, n, seed=seed)
    e.reset()
    s = e.state
    s[:, BX] = rng.uniform(0, r.width, n)
    s[:, BY] = rng.uniform(r.ball_radius, r.height - r.ball_radius, n)
    s[:, [VX, VY]] = rng.uniform(-r.ball_speed_max, r.ball_speed_max, (n, 2)) / 1.5
    s[:, [LY, RY]] = rng.uniform(0, r.height - r.left_height, (n, 2))
    return s


class Predictor:
    """Coords policy written for the left side: meets the ball where it will reach its face.

    Uses every number of the newest frame (x and vx included), so a side whose view were not
    the mirror image would play badly with it.
    """

    def __init__(self, r: Rules) -> None:
        self.r = r

    def act(self, obs: np.ndarray) -> np.ndarray:
        r = self.r
        f = np.atleast_2d(obs)[:, -6:].astype(np.float64)
        x, y = (f[:, 0] + 1) * r.width / 2, (f[:, 1] + 1) * r.height / 2
        own = (f[:, 2] + 1) * r.height / 2
        vx, vy = f[:, 4] * r.ball_speed, f[:, 5] * r.ball_speed
        coming = vx < 0
        face = r.paddle_margin + r.ball_radius
        unfolded = y + vy * (face - x) / np.where(coming, vx, -1.0)
        span = r.height - 2 * r.ball_radius
        u = np.mod(unfolded - r.ball_radius, 2 * span)
        meet = r.ball_radius + np.where(u <= span, u, 2 * span - u)
        gap = np.where(coming, meet, r.height / 2) - own
        half = r.paddle_speed / 2
        return np.where(gap > half, 2, np.where(gap < -half, 1, 0)).astype(np.int64)


# --- Contracts ------------------------------------------------------------------------------


@pytest.mark.parametrize("obs_mode", OBS_MODES)
@pytest.mark.parametrize("role", ROLES)
def test_check_env(role: str, obs_mode: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(PongVsOpponent(role=role, obs_mode=obs_mode), skip_render_check=True)


@pytest.mark.parametrize("opponent", ["random", "still"])
def test_check_env_with_other_scripted_opponents(opponent: str) -> None:
    # A named opponent draws from the env's Generator, so seeded steps repeat exactly.
    check_env(PongVsOpponent(opponent=opponent), skip_render_check=True)


def test_unknown_scripted_opponent_is_rejected() -> None:
    with pytest.raises(ValueError, match="nope"):
        PongVsOpponent(opponent="nope")


@pytest.mark.parametrize("name", ["runs/a/snapshots/left-0007.npz", "left-0007.json", "x.zip"])
def test_a_snapshot_path_says_how_to_load_it(name: str) -> None:
    """The game never imports the trainer, so a snapshot file is loaded by the caller."""
    with pytest.raises(ValueError, match=r"NumpyPolicy\.load\(path\)"):
        PongVsOpponent(opponent=name)
    with pytest.raises(ValueError, match="snapshot file"):
        gymnasium.make(ENV_ID, opponent=name)


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped version")
@pytest.mark.parametrize(
    "kwargs", [{}, {"role": "right", "obs_mode": "pixels", "rules": "seed", "frame_stack": 2}]
)
def test_check_env_through_gymnasium_make(kwargs: dict) -> None:
    env = gymnasium.make(ENV_ID, **kwargs)
    assert isinstance(env.unwrapped, PongVsOpponent)
    check_env(env, skip_render_check=True)
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("obs_mode", OBS_MODES)
def test_parallel_api(obs_mode: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        parallel_api_test(PongDuel(obs_mode=obs_mode), num_cycles=1000)
        parallel_api_test(PongDuel(rules("seed", points_to_win=1), obs_mode=obs_mode), 1000)


@pytest.mark.parametrize("obs_mode", OBS_MODES)
def test_observations_stay_in_their_spaces(obs_mode: str) -> None:
    for preset in ("classic", "seed"):
        env = PongDuel(preset, obs_mode=obs_mode)
        obs, _ = env.reset(seed=1)
        rng = np.random.default_rng(1)
        for _ in range(1500):
            for agent in env.possible_agents:
                assert env.observation_space(agent).contains(obs[agent]), preset
            obs, *_ = env.step({a: int(rng.integers(0, 3)) for a in env.possible_agents})
            if not env.agents:
                obs, _ = env.reset()


# --- Observation layout and mirroring -------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # The learner stays at 100; the CPU (centre below the ball) moves up by 6.
        ("left", [0.015, -0.515, -0.325, 0.145, 0.5, -0.25]),
        ("right", [-0.015, -0.515, -0.325, 0.145, -0.5, -0.25]),
    ],
)
def test_coords_layout_on_a_hand_set_state(role: str, expected: list[float]) -> None:
    env = PongVsOpponent(CLASSIC, role=role, frame_stack=1)
    env.reset(seed=0)
    env.engine.state[0, [BX, BY, VX, VY]] = [400.0, 100.0, 6.0, -3.0]
    own, other = (LY, RY) if role == "left" else (RY, LY)
    env.engine.state[0, [own, other]] = [100.0, 200.0]
    obs, *_ = env.step(0)
    # Ball at (406, 97); centres: own 135, CPU 229; velocities over ball_speed 12.
    assert obs.dtype == np.float32
    np.testing.assert_allclose(obs, expected, rtol=1e-6, atol=1e-7)


def test_coords_frame_matches_documented_formula() -> None:
    for preset in ("classic", "seed"):
        r = rules(preset, right_paddle_height=50.0)
        s = random_rows(r, 50, seed=2)
        for side in (LEFT, RIGHT):
            stack = np.zeros((len(s), 6), dtype=np.float32)
            push_coords(s, r.params(), side, stack, True)
            expected = np.stack([frame_of(row, r, side) for row in s])
            np.testing.assert_allclose(stack, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("preset", ["classic", "seed"])
def test_right_view_is_left_view_of_mirrored_state(preset: str) -> None:
    r = rules(preset)
    s = random_rows(r, 200, seed=3)
    m = mirrored(s, r)
    p = r.params()
    right, left_of_mirror = np.zeros((2, len(s), 24), dtype=np.float32)
    push_coords(s, p, RIGHT, right, True)
    push_coords(m, p, LEFT, left_of_mirror, True)
    np.testing.assert_array_equal(right, left_of_mirror)
    left = np.zeros_like(right)
    push_coords(s, p, LEFT, left, True)
    assert not np.allclose(left, right)  # the two sides do see different things
    for b in range(0, len(s), 20):
        img_r, img_m = np.zeros((2, PIXELS, PIXELS), dtype=np.uint8)
        draw_pixels(s, b, p, RIGHT, img_r)
        draw_pixels(m, b, p, LEFT, img_m)
        np.testing.assert_array_equal(img_r, img_m)
        assert img_r.any()


def test_pixels_draw_own_paddle_on_the_left() -> None:
    r = CLASSIC
    s = random_rows(r, 1, seed=4)
    s[0, [LY, RY, BX, BY]] = [0.0, r.height - r.left_height, 400.0, 200.0]
    p = r.params()
    for side, own_at_top in ((LEFT, True), (RIGHT, False)):
        img = np.zeros((PIXELS, PIXELS), dtype=np.uint8)
        draw_pixels(s, 0, p, side, img)
        own_rows = np.flatnonzero(img[:, :6].any(axis=1))  # paddle x 20..30 -> columns 2..3
        opp_rows = np.flatnonzero(img[:, -6:].any(axis=1))
        assert own_rows.size and opp_rows.size
        assert (own_rows.max() < PIXELS // 2) == own_at_top
        assert (opp_rows.min() > PIXELS // 2) == own_at_top
        assert img[40:44, 40:44].any()  # the ball in the middle


def test_left_policy_plays_right_unchanged_step_by_step() -> None:
    # A left env plays a game; before each step a right env is set to its mirror image and the
    # same left-side policy plays it. Every step must then be the mirror image too. (They are
    # re-synced each step: classic bounces amplify rounding differences over many rallies.)
    left = PongVsOpponent(CLASSIC, role="left", frame_stack=1)
    right = PongVsOpponent(CLASSIC, role="right", frame_stack=1)
    player = Predictor(CLASSIC)
    obs_l, _ = left.reset(seed=0)
    right.reset(seed=1)
    compared, points = 0, 0.0
    for _ in range(3000):
        right.engine.state[:] = mirrored(left.engine.state, CLASSIC)
        obs_r = frame_of(right.engine.state[0], CLASSIC, RIGHT).astype(np.float32)
        np.testing.assert_allclose(obs_r, obs_l, atol=1e-6)
        action = int(player.act(obs_l)[0])
        assert int(player.act(obs_r)[0]) == action
        obs_l, rew_l, done_l, _, info_l = left.step(action)
        obs_r, rew_r, done_r, _, info_r = right.step(action)
        assert (rew_l, done_l, info_l["score"]) == (rew_r, done_r, info_r["score"])
        points += abs(rew_l)
        if left.engine.state[0, BX] != CLASSIC.width / 2:  # not a serve (its noise differs)
            np.testing.assert_allclose(obs_r, obs_l, atol=1e-6)
            compared += 1
        if done_l:
            obs_l, _ = left.reset()
    assert compared > 2900 and points >= 3


def run_games(env: PongVsOpponent, player: Predictor, games: int) -> tuple[int, float]:
    wins, own_points, all_points = 0, 0, 0
    for game in range(games):
        obs, info = env.reset(seed=100 + game)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(int(player.act(obs)[0]))
            done = terminated or truncated
        own, other = info["score"]
        wins += own > other
        own_points, all_points = own_points + own, all_points + own + other
    return wins, own_points / all_points


def test_left_policy_gets_same_results_on_both_sides() -> None:
    r = rules("classic", points_to_win=3)
    results = {}
    for role in ROLES:
        env = PongVsOpponent(r, role=role, frame_stack=2)
        results[role] = run_games(env, Predictor(r), games=8)
    (wins_l, share_l), (wins_r, share_r) = results["left"], results["right"]
    assert wins_l >= 7 and wins_r >= 7
    assert abs(share_l - share_r) < 0.15


# --- Frame stacking, infos, opponents --------------------------------------------------------


def test_coords_stack_oldest_first_filled_at_reset() -> None:
    env = PongVsOpponent(CLASSIC, role="right", frame_stack=3)
    obs, _ = env.reset(seed=5)
    first = frame_of(env.engine.state[0], CLASSIC, RIGHT)
    np.testing.assert_allclose(obs, np.tile(first, 3), atol=1e-6)
    frames = [first] * 3
    rng = np.random.default_rng(5)
    for _ in range(200):
        obs, *_ = env.step(int(rng.integers(0, 3)))
        frames.append(frame_of(env.engine.state[0], CLASSIC, RIGHT))
        np.testing.assert_allclose(obs, np.concatenate(frames[-3:]), atol=1e-6)


def test_pixel_stack_oldest_first_filled_at_reset() -> None:
    env = PongVsOpponent(CLASSIC, obs_mode="pixels", frame_stack=4)
    obs, _ = env.reset(seed=6)
    assert obs.shape == (4, PIXELS, PIXELS) and obs.dtype == np.uint8
    for k in range(1, 4):
        np.testing.assert_array_equal(obs[k], obs[0])
    rng = np.random.default_rng(6)
    for _ in range(50):
        new, *_ = env.step(int(rng.integers(0, 3)))
        np.testing.assert_array_equal(new[:3], obs[1:])
        img = np.zeros((PIXELS, PIXELS), dtype=np.uint8)
        draw_pixels(env.engine.state, 0, env.engine.params, LEFT, img)
        np.testing.assert_array_equal(new[3], img)
        obs = new
    assert not np.array_equal(obs[0], obs[3])  # the ball moved


@pytest.mark.parametrize("role", ROLES)
def test_info_carries_opponent_and_score_every_step(role: str) -> None:
    r = rules("classic", points_to_win=2)
    env = PongVsOpponent(r, role=role, opponent="cpu")
    _, info = env.reset(seed=7)
    assert info == {"opponent_id": "cpu", "score": (0, 0)}
    own_col, other_col = (SCORE_L, SCORE_R) if role == "left" else (SCORE_R, SCORE_L)
    rng = np.random.default_rng(7)
    total, done = 0.0, False
    while not done:
        _, reward, terminated, truncated, info = env.step(int(rng.integers(0, 3)))
        done = terminated or truncated
        total += reward
        row = env.engine.state[0]
        assert info["opponent_id"] == "cpu"
        assert info["score"] == (int(row[own_col]), int(row[other_col]))
        assert total == info["score"][0] - info["score"][1]
    assert max(info["score"]) == 2


def test_opponent_sampler_called_at_every_reset_with_env_generator() -> None:
    calls: list[np.random.Generator] = []
    pool = {"cpu": scripted("cpu"), "still": scripted("still")}

    def sampler(rng: np.random.Generator) -> tuple[str, object]:
        calls.append(rng)
        name = ["cpu", "still"][int(rng.integers(0, 2))]
        return f"{name}-{len(calls)}", pool[name]

    env = PongVsOpponent(CLASSIC, role="left", opponent_sampler=sampler)
    ids = []
    for episode in range(8):
        _, info = env.reset(seed=11 if episode == 0 else None)
        assert len(calls) == episode + 1 and calls[-1] is env.np_random
        name = "cpu" if env.opponent is pool["cpu"] else "still"
        assert info["opponent_id"] == f"{name}-{episode + 1}"
        ids.append(info["opponent_id"])
        opponent_y = env.engine.state[0, RY]
        for _ in range(20):
            _, _, _, _, info = env.step(0)
            assert info["opponent_id"] == ids[-1]
        moved = env.engine.state[0, RY] != opponent_y
        assert moved == ids[-1].startswith("cpu")  # the sampled policy is the one playing
    assert {i.split("-")[0] for i in ids} == {"cpu", "still"}


class Recorder:
    """An opponent that stays still and keeps every observation it is given."""

    def __init__(self) -> None:
        self.seen: list[np.ndarray] = []

    def act(self, obs: np.ndarray) -> np.ndarray:
        self.seen.append(obs.copy())
        return np.zeros(len(obs), dtype=np.int64)


@pytest.mark.parametrize("role", ROLES)
def test_opponent_sees_its_own_side(role: str) -> None:
    recorder = Recorder()
    env = PongVsOpponent(CLASSIC, role=role, opponent=recorder, frame_stack=2)
    env.reset(seed=13)
    their_side = RIGHT if role == "left" else LEFT
    previous = frame_of(env.engine.state[0], CLASSIC, their_side)
    current = previous
    for _ in range(100):
        env.step(1)
        # It acted on the stack as it was before this step, from its own mirrored view.
        np.testing.assert_allclose(recorder.seen[-1][0], np.concatenate([previous, current]), 1e-6)
        previous, current = current, frame_of(env.engine.state[0], CLASSIC, their_side)
    assert len(recorder.seen) == 100


@pytest.mark.parametrize("obs_mode", OBS_MODES)
def test_duel_agents_see_their_own_sides(obs_mode: str) -> None:
    env = PongDuel(CLASSIC, obs_mode=obs_mode, frame_stack=1)
    obs, _ = env.reset(seed=14)
    rng = np.random.default_rng(14)
    for _ in range(100):
        for side, agent in ((LEFT, "left"), (RIGHT, "right")):
            if obs_mode == "coords":
                expected = frame_of(env.engine.state[0], CLASSIC, side)
                np.testing.assert_allclose(obs[agent], expected, atol=1e-6)
            else:
                img = np.zeros((PIXELS, PIXELS), dtype=np.uint8)
                draw_pixels(env.engine.state, 0, env.engine.params, side, img)
                np.testing.assert_array_equal(obs[agent][0], img)
        obs, *_ = env.step({agent: int(rng.integers(0, 3)) for agent in env.agents})


def test_opponent_and_sampler_are_exclusive() -> None:
    with pytest.raises(ValueError, match="opponent_sampler"):
        PongVsOpponent(opponent="cpu", opponent_sampler=lambda rng: ("cpu", scripted("cpu")))


def test_duel_rewards_zero_sum_and_infos_carry_score() -> None:
    env = PongDuel(rules("classic", points_to_win=3))
    obs, infos = env.reset(seed=8)
    assert infos == {"left": {"score": (0, 0)}, "right": {"score": (0, 0)}}
    rng = np.random.default_rng(8)
    total = {"left": 0.0, "right": 0.0}
    games = scored = 0
    while games < 3:
        actions = {agent: int(rng.integers(0, 3)) for agent in env.agents}
        obs, rewards, terms, truncs, infos = env.step(actions)
        assert rewards["left"] == -rewards["right"]
        scored += rewards["left"] != 0
        for agent in total:
            total[agent] += rewards[agent]
        score = infos["left"]["score"]
        assert infos["right"]["score"] == score
        assert score == (int(env.engine.state[0, SCORE_L]), int(env.engine.state[0, SCORE_R]))
        assert total["left"] == score[0] - score[1]
        if terms["left"] or truncs["left"]:
            assert terms == {"left": True, "right": True} and env.agents == []
            assert max(score) == 3
            games += 1
            total = {"left": 0.0, "right": 0.0}
            obs, infos = env.reset()
    assert scored > 0


# --- Seeding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "obs_mode", "opponent"),
    [
        ("left", "coords", "cpu"),
        ("right", "coords", "cpu"),
        ("left", "pixels", "cpu"),
        ("right", "pixels", "cpu"),
        ("left", "coords", "random"),
        ("right", "pixels", "random"),
    ],
)
def test_seeded_env_is_reproducible(role: str, obs_mode: str, opponent: str) -> None:
    r = rules("seed", points_to_win=2)
    runs = []
    for seed in (3, 3, 4):
        env = PongVsOpponent(r, role=role, opponent=opponent, obs_mode=obs_mode, frame_stack=2)
        actions = np.random.default_rng(0).integers(0, 3, 600)
        trace = [env.reset(seed=seed)[0]]
        for a in actions:
            obs, reward, terminated, truncated, info = env.step(int(a))
            trace.append(obs)
            trace.append(np.array([reward, info["score"][0], info["score"][1]]))
            if terminated or truncated:
                trace.append(env.reset()[0])  # later resets continue from the seeded Generator
        runs.append(trace)
    assert len(runs[0]) == len(runs[1])
    for a, b in zip(runs[0], runs[1], strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][0], runs[2][0])  # another seed, another serve


def test_seeded_duel_is_reproducible() -> None:
    traces = []
    for _ in range(2):
        env = PongDuel("seed", obs_mode="coords")
        obs, _ = env.reset(seed=12)
        trace = [obs["left"], obs["right"]]
        rng = np.random.default_rng(0)
        for _ in range(500):
            obs, rewards, *_ = env.step({a: int(rng.integers(0, 3)) for a in env.agents})
            trace += [obs["left"], obs["right"], np.array(list(rewards.values()))]
            if not env.agents:
                obs, _ = env.reset()
        traces.append(trace)
    for a, b in zip(*traces, strict=True):
        np.testing.assert_array_equal(a, b)


# --- SB3 --------------------------------------------------------------------------------------


def test_dqn_cnn_learns_on_pixels_without_error() -> None:
    import torch
    from stable_baselines3 import DQN

    torch.set_num_threads(1)
    env = PongVsOpponent(obs_mode="pixels", frame_stack=4)
    model = DQN(
        "CnnPolicy",
        env,
        buffer_size=256,
        learning_starts=150,
        train_freq=10,
        batch_size=8,
        target_update_interval=50,
        seed=0,
        device="cpu",
    )
    before = [p.detach().clone() for p in model.q_net.parameters()]
    model.learn(total_timesteps=200)
    assert model.num_timesteps == 200
    after = list(model.q_net.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(int(action))


def test_duel_serves_its_first_ball_where_reset_asks() -> None:
    env = PongDuel(CLASSIC)
    for seed in range(6):
        for side in (0, 1):
            env.reset(seed=seed, options={"first_serve": side})
            assert np.sign(env.engine.state[0, VX]) == (-1 if side == 0 else 1)
    served = set()
    for seed in range(20):  # without the option, a random side
        env.reset(seed=seed)
        served.add(int(np.sign(env.engine.state[0, VX])))
    assert served == {-1, 1}
    with pytest.raises(ValueError, match="first_serve"):
        env.reset(seed=0, options={"first_serve": 2})
