"""Learners continue between generations, but their schedules restart in each one."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv

from envs.engine import HITS_L, HITS_R, VX, VY
from envs.scripted import ScriptedCPU
from league import learners
from league.config import LeagueConfig
from league.errors import LeagueError
from league.games import game_of
from league.learners import (
    load_learner,
    make_vec_env,
    new_learner,
    perturb_learner,
    schedule_generation,
)

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


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.policy.state_dict().items()}


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_shrink_and_perturb_mixes_fresh_weights_in_and_restarts_the_optimizer(
    share: float,
) -> None:
    config = LeagueConfig(net_arch=(8,), hyperparams={"dqn": {"learning_starts": 50}})
    cpu = ScriptedCPU()
    env = make_vec_env(config, "left", lambda rng: ("cpu", cpu), seed=0)
    model = new_learner(config, env, seed=0, tb_dir=None)
    schedule_generation(model, config, STEPS)
    model.learn(STEPS, reset_num_timesteps=False)
    assert model.policy.optimizer.state  # Adam's moments after the gradient steps
    trained = _weights(model)
    torch.manual_seed(7)
    perturb_learner(model, share)
    torch.manual_seed(7)  # the same draws: the fresh weights that were mixed in
    fresh = type(model.policy)(
        model.observation_space, model.action_space, model.lr_schedule, **model.policy_kwargs
    ).state_dict()
    mixed = _weights(model)
    for name, w in trained.items():
        assert torch.allclose(mixed[name], (1 - share) * w + share * fresh[name], atol=1e-6)
    assert not torch.equal(fresh["q_net.q_net.0.weight"], trained["q_net.q_net.0.weight"])
    # The target network was mixed with the same fresh weights as the network it follows.
    assert torch.equal(fresh["q_net_target.q_net.0.weight"], fresh["q_net.q_net.0.weight"])
    assert not model.policy.optimizer.state
    model.learn(STEPS, reset_num_timesteps=False)
    assert model.policy.optimizer.state


@pytest.mark.parametrize(
    ("game", "algo", "hyperparams"),
    [
        ("pong", "dqn", {"learning_starts": 200, "buffer_size": 2_000, "batch_size": 16}),
        ("pettingzoo.classic.tictactoe_v3", "maskable_ppo", {"n_steps": 64, "batch_size": 64}),
    ],
)
def test_seat_vec_env_trains_to_dummy_vec_env_weights_bit_for_bit(
    game: str, algo: str, hyperparams: dict
) -> None:
    """Without DummyVecEnv's deep copies, the learner stores and learns exactly the same."""
    config = LeagueConfig(
        game=game,
        algo=algo,
        n_envs=2,
        hyperparams={algo: hyperparams},
        **({"rules_overrides": {"points_to_win": 1}} if game == "pong" else {}),
    )
    the_game = game_of(config)

    def trained(vec_env_class: type[DummyVecEnv] | None) -> tuple[list[torch.Tensor], int]:
        sampler = lambda rng: ("cpu", the_game.baseline(rng))  # noqa: E731
        env = make_vec_env(config, "left", sampler, 0, the_game, vec_env_class)
        model = new_learner(config, env, seed=0, tb_dir=None)
        model.learn(1_500)
        episodes = sum(1 for _ in model.ep_info_buffer)
        return list(model.policy.state_dict().values()), episodes

    lean, lean_episodes = trained(None)
    sb3, sb3_episodes = trained(DummyVecEnv)
    assert lean_episodes == sb3_episodes > 2  # episodes ended: the terminal observations were kept
    assert all(torch.equal(a, b) for a, b in zip(lean, sb3, strict=True))


def first_hit_speed(env: VecEnv) -> float:
    """Ball speed just after the first paddle hit, the learner's paddle standing still."""
    engine = env.envs[0].unwrapped.engine
    env.reset()
    while engine.state[0, HITS_L] + engine.state[0, HITS_R] == 0:
        env.step(np.zeros(1, dtype=np.int64))
    return float(np.hypot(engine.state[0, VX], engine.state[0, VY]))


def test_learners_train_under_the_training_rules_and_matches_follow_the_games() -> None:
    config = LeagueConfig(
        rules_overrides={"paddle_height": 200},  # the still paddle is hit soon
        train_rules_overrides={"ball_speedup": 1.5},
    )
    game = game_of(config)
    sampler = lambda rng: ("cpu", game.baseline(rng))  # noqa: E731
    trained_in = make_vec_env(config, "left", sampler, 0, game)
    plain = make_vec_env(LeagueConfig(rules_overrides={"paddle_height": 200}), "left", sampler, 0)
    serve = config.game_rules().ball_speed
    assert first_hit_speed(trained_in) == pytest.approx(serve * 1.5)
    assert first_hit_speed(plain) == pytest.approx(serve * 1.05)
    assert game.rules == config.game_rules() != config.training_rules()  # evaluations: the game
    assert config.training_rules().paddle_height == 200  # both overrides apply in training


def test_a_learner_without_tensorboard_leaves_no_folder_in_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SB3's default logger makes an empty /tmp/SB3-<date> folder at every learn call."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    config = LeagueConfig(hyperparams={"dqn": {"learning_starts": 50}})
    cpu = ScriptedCPU()
    env = make_vec_env(config, "left", lambda rng: ("cpu", cpu), seed=0)
    model = new_learner(config, env, seed=0, tb_dir=None)
    model.learn(100)
    model.save(tmp_path / "model.zip")
    again = load_learner(config, tmp_path / "model.zip", None, env, tb_dir=None)
    again.learn(100)
    assert list(tmp_path.glob("SB3-*")) == []
    monkeypatch.setattr(learners, "log_nowhere", lambda model: None)  # the check can fail
    new_learner(config, env, seed=0, tb_dir=None).learn(100)
    assert len(list(tmp_path.glob("SB3-*"))) == 1


@pytest.mark.parametrize("n_steps", [5, 1])
def test_dqn_learns_from_n_step_returns(n_steps: int) -> None:
    config = LeagueConfig(net_arch=(8,), hyperparams={"dqn": {"n_steps": n_steps}})
    default = LeagueConfig(net_arch=(8,))
    assert default.algo_kwargs()["n_steps"] == 5  # the default: 5-step returns
    cpu = ScriptedCPU()
    env = make_vec_env(config, "left", lambda rng: ("cpu", cpu), seed=0)
    model = new_learner(config, env, seed=0, tb_dir=None)
    model.learn(300)
    data = model.replay_buffer.sample(256)
    if n_steps == 1:
        assert data.discounts is None  # one-step targets: gamma itself
    else:
        # A target looks 5 steps ahead (fewer only where the data ends or the game did).
        looks = np.round(np.log(data.discounts.numpy()) / np.log(0.99)).astype(int).ravel()
        assert looks.max() == 5 and (looks == 5).mean() > 0.9 and looks.min() >= 1


def test_a_loaded_learner_keeps_its_n_step_returns_without_a_warning() -> None:
    import io
    import warnings

    config = LeagueConfig(net_arch=(8,))
    cpu = ScriptedCPU()
    env = make_vec_env(config, "left", lambda rng: ("cpu", cpu), seed=0)
    model = new_learner(config, env, seed=0, tb_dir=None)
    saved = io.BytesIO()
    model.save(saved)
    saved.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SB3's "n_steps is ignored" would fail here
        loaded = load_learner(config, saved, None, env, None)
    assert loaded.n_steps == 5 and loaded.replay_buffer.n_steps == 5
