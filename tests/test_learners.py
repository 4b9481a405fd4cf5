"""Learners continue between generations, but their schedules restart in each one."""

from __future__ import annotations

import pytest
from stable_baselines3.common.callbacks import BaseCallback

from envs.scripted import ScriptedCPU
from league.config import LeagueConfig
from league.errors import LeagueError
from league.learners import make_vec_env, new_learner, schedule_generation

STEPS = 400


class Rates(BaseCallback):
    """SB3's exploration rate and learning rate at every step of a learn() call."""

    def __init__(self) -> None:
        super().__init__()
        self.eps: list[float] = []
        self.lr: list[float] = []

    def _on_step(self) -> bool:
        self.eps.append(self.model.exploration_rate)
        self.lr.append(self.model.lr_schedule(self.model._current_progress_remaining))
        return True


def generations(config: LeagueConfig, count: int) -> list[Rates]:
    cpu = ScriptedCPU()
    env = make_vec_env(config, "left", lambda rng: ("cpu", cpu), seed=0)
    model = new_learner(config, env, seed=0, tb_dir=None)
    seen = []
    for _ in range(count):
        rates = Rates()
        schedule_generation(model, config, STEPS)
        model.learn(STEPS, reset_num_timesteps=False, callback=rates)
        seen.append(rates)
    assert model.num_timesteps == count * STEPS  # the learner continued, it was not rebuilt
    return seen


def test_exploration_and_learning_rate_restart_every_generation() -> None:
    config = LeagueConfig(
        net_arch=(8,),
        restart_exploration_eps=0.3,
        hyperparams={"dqn": {"learning_starts": 50, "exploration_fraction": 0.5}},
    )
    first, second, third = generations(config, 3)
    assert first.eps[0] == pytest.approx(1.0, abs=0.01)
    for later in (second, third):
        assert later.eps[0] == pytest.approx(0.3, abs=0.01)
        # Half-way through the generation's exploration fraction: half-way down.
        assert later.eps[STEPS // 4] == pytest.approx((0.3 + 0.02) / 2, abs=0.01)
    for gen in (first, second, third):
        assert gen.eps[-1] == pytest.approx(0.02)
        # The learning rate runs from 1e-3 to 1e-4 within every generation, not over a life.
        assert gen.lr[1] == pytest.approx(1e-3, rel=0.01)  # [0]: the previous call's last
        assert gen.lr[-1] == pytest.approx(1e-4, rel=0.05)


def test_no_restart_keeps_the_final_exploration_rate() -> None:
    config = LeagueConfig(
        net_arch=(8,), restart_exploration_eps=0.0, hyperparams={"dqn": {"learning_starts": 50}}
    )
    first, second = generations(config, 2)
    assert first.eps[0] == pytest.approx(1.0, abs=0.01)
    assert max(second.eps) == pytest.approx(0.02)


def test_restart_learning_rate_starts_later_generations_lower() -> None:
    config = LeagueConfig(
        net_arch=(8,), restart_learning_rate=3e-4, hyperparams={"dqn": {"learning_starts": 50}}
    )
    first, second, third = generations(config, 3)
    assert first.lr[1] == pytest.approx(1e-3, rel=0.01)
    for later in (second, third):
        assert later.lr[1] == pytest.approx(3e-4, rel=0.01)
        assert later.lr[-1] == pytest.approx(1e-4, rel=0.05)


def test_a_restart_learning_rate_that_is_not_a_positive_number_is_refused() -> None:
    with pytest.raises(ValueError, match="restart_learning_rate"):
        LeagueConfig(restart_learning_rate=0.0)
    with pytest.raises(LeagueError, match="restart_learning_rate"):
        LeagueConfig.from_dict({"restart_learning_rate": -1e-3})
