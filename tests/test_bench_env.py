"""The environment benchmark runs, and its plain-Python rebuild of the article's env plays by the
seed rules. No timing is asserted: speed depends on the machine."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from script_loader import load_script

from envs.engine import BX, BY, LY, RY, SCORE_L, SCORE_R, TOUCH_L, TOUCH_R, VX, VY, Engine
from envs.rules import rules

bench = load_script("bench_env")

SHORT = 0.05


@pytest.mark.parametrize(
    "measure",
    [
        lambda: bench.bench_article(SHORT, repeats=1),
        lambda: bench.bench_engine_one("seed", SHORT, repeats=1),
        lambda: bench.bench_engine_one("classic", SHORT, repeats=1),
        lambda: bench.bench_engine_batch(SHORT, repeats=1, batch=64),
        lambda: bench.bench_engine_batch(SHORT, repeats=1, players=("random", "random"), batch=64),
        lambda: bench.bench_env(SHORT, repeats=1),
    ],
    ids=["article", "one-seed", "one-classic", "batch-cpu", "batch-random", "env"],
)
def test_measurements_are_positive_rates(measure) -> None:
    rate = measure()
    assert math.isfinite(rate) and rate > 0


def test_main_prints_a_table_and_writes_json(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(bench, "pin_to_one_core", lambda: None)  # leave the test process alone
    out = tmp_path / "bench.json"
    assert bench.main(["--seconds", "0.03", "--repeats", "1", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| measurement |" in printed and bench.ARTICLE_ROW in printed
    report = json.loads(out.read_text())
    assert len(report["rows"]) == 8
    assert all(row["steps_per_s"] > 0 for row in report["rows"])


def test_article_env_scores_only_after_a_touch() -> None:
    env = bench.ArticlePong(seed=3)
    actions = np.random.default_rng(3).integers(0, 3, 60_000)
    points, unscored, games = 0, 0, 0
    for action in actions:
        touched = list(env.touched)
        _, rewards, done = env.step(int(action))
        served = env.ball_x == 400.0 and env.ball_y == 200.0
        if rewards[0] or rewards[1]:
            scorer = 0 if rewards[0] > 0 else 1
            assert rewards[1 - scorer] == -rewards[scorer] == -1.0
            assert touched[scorer], "a point went to a side that never touched the ball"
            points += 1
        elif served:
            unscored += 1
        assert 0.0 <= env.left_y <= 330.0
        assert -8.0 <= env.right_y <= 338.0
        if done:
            assert max(env.scores) == 21
            games += 1
            env.reset()
    assert points > 0 and unscored > 0
    assert games >= 1


def _copy_into(engine: Engine, env) -> None:
    """Put the article env's positions, velocities, scores and touches into engine game 0."""
    s = engine.state[0]
    s[[BX, BY, VX, VY, LY, RY]] = env.ball_x, env.ball_y, env.vx, env.vy, env.left_y, env.right_y
    s[[SCORE_L, SCORE_R]] = env.scores
    s[[TOUCH_L, TOUCH_R]] = [float(t) for t in env.touched]


def test_article_env_steps_like_the_engine_under_seed_rules() -> None:
    """Between serves the two must agree exactly: same moves, CPU, walls, hits and rewards."""
    env = bench.ArticlePong(seed=5)
    engine = Engine(rules("seed", points_to_win=10**6), 1, seed=5)
    engine.reset()
    _copy_into(engine, env)
    rng = np.random.default_rng(5)
    actions = np.full((1, 2), bench.CPU, dtype=np.int64)
    hits = 0
    for _ in range(20_000):
        before = engine.state[0, [TOUCH_L, TOUCH_R]].sum()
        actions[0, 0] = rng.integers(0, 3)
        _, rewards, _ = env.step(int(actions[0, 0]))
        engine_rewards = engine.step(actions)
        assert list(engine_rewards[0]) == rewards
        if env.ball_x == 400.0 and env.ball_y == 200.0:  # a serve: the two draw differently
            env.scores = [0, 0]
            _copy_into(engine, env)
            continue
        s = engine.state[0]
        mine = [env.ball_x, env.ball_y, env.vx, env.vy, env.left_y, env.right_y]
        assert list(s[[BX, BY, VX, VY, LY, RY]]) == mine
        assert list(s[[TOUCH_L, TOUCH_R]]) == [float(t) for t in env.touched]
        hits += int(s[[TOUCH_L, TOUCH_R]].sum() > before)
    assert hits > 10  # the rallies compared did include paddle hits
