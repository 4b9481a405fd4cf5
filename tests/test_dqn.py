"""LeagueDQN trains to SB3's DQN weights bit for bit, saves ordinary DQN files, and falls back to
SB3 for networks it cannot run lean."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from stable_baselines3 import DQN

from envs import PongVsOpponent
from envs.features import FEATURES, court_vector
from envs.rules import rules
from league.config import LeagueConfig
from league.dqn import LeagueDQN
from league.features import InterceptFeatures, extractor_kwargs
from league.learners import algo_class, new_learner

# Past learning_starts, through two target-network copies, with exploration falling to its end.
STEPS = 5_000
KWARGS = {
    "learning_starts": 500,
    "buffer_size": 5_000,
    "batch_size": 32,
    "train_freq": 4,
    "target_update_interval": 1_000,
    "exploration_fraction": 0.3,
    "learning_rate": 1e-3,
}


def _trained(cls: type[DQN], **extra) -> DQN:
    env = PongVsOpponent("classic", opponent="cpu")
    policy_kwargs = {"net_arch": [32, 32], **extra.pop("policy_kwargs", {})}
    model = cls("MlpPolicy", env, seed=3, device="cpu", policy_kwargs=policy_kwargs, **KWARGS)
    model.learn(STEPS)
    return model


def _same_weights(a: DQN, b: DQN) -> bool:
    pairs = zip(a.policy.state_dict().values(), b.policy.state_dict().values(), strict=True)
    return all(torch.equal(x, y) for x, y in pairs)


@pytest.fixture(scope="module")
def sb3() -> DQN:
    torch.set_num_threads(1)
    return _trained(DQN)


@pytest.fixture(scope="module")
def lean() -> LeagueDQN:
    torch.set_num_threads(1)
    return _trained(LeagueDQN)


def test_league_dqn_trains_to_sb3_dqn_weights_bit_for_bit(sb3: DQN, lean: LeagueDQN) -> None:
    assert lean._lean
    assert lean._n_updates == sb3._n_updates > 1_000
    assert lean.exploration_rate == sb3.exploration_rate
    assert _same_weights(sb3, lean)
    # The replay buffers were filled by the same actions.
    n = STEPS
    assert np.array_equal(sb3.replay_buffer.actions[:n], lean.replay_buffer.actions[:n])


def test_league_dqn_acts_as_sb3_dqn(lean: LeagueDQN) -> None:
    model = lean
    obs = np.random.default_rng(0).uniform(-1, 1, (64, 24)).astype(np.float32)
    sb3_actions, _ = DQN.predict(model, obs, deterministic=True)
    actions, _ = model.predict(obs, deterministic=True)
    assert np.array_equal(actions, sb3_actions)
    assert len(set(actions.tolist())) > 1  # a real decision, not one constant action
    single, _ = model.predict(obs[0], deterministic=True)  # not vectorized: SB3's own path
    assert single.shape == () and int(single) == int(actions[0])


def test_a_saved_league_dqn_is_an_ordinary_dqn_file(lean: LeagueDQN, tmp_path: Path) -> None:
    model = lean
    model.save(tmp_path / "m.zip")
    plain = DQN.load(tmp_path / "m.zip", device="cpu")
    again = LeagueDQN.load(tmp_path / "m.zip", device="cpu")
    assert _same_weights(model, plain) and _same_weights(model, again)
    assert again._lean and again._trained[0] is again.q_net.q_net[0].weight


def test_the_intercept_extractor_trains_lean_to_sb3_dqn_weights_bit_for_bit() -> None:
    extractor = extractor_kwargs("intercept", court_vector(rules("classic")))
    sb3 = _trained(DQN, policy_kwargs=extractor)
    lean = _trained(LeagueDQN, policy_kwargs=extractor)
    assert lean._lean and isinstance(lean.q_net.features_extractor, InterceptFeatures)
    assert lean.q_net.q_net[0].in_features == 24 + FEATURES
    assert _same_weights(sb3, lean)


def test_another_activation_falls_back_to_sb3() -> None:
    sb3 = _trained(DQN, policy_kwargs={"activation_fn": torch.nn.Tanh})
    lean = _trained(LeagueDQN, policy_kwargs={"activation_fn": torch.nn.Tanh})
    assert not lean._lean
    assert _same_weights(sb3, lean)


def test_the_league_trains_dqn_with_league_dqn() -> None:
    config = LeagueConfig(net_arch=(16, 16))
    assert algo_class("dqn") is LeagueDQN
    model = new_learner(config, PongVsOpponent("classic"), seed=0, tb_dir=None)  # type: ignore[arg-type]
    assert isinstance(model, LeagueDQN) and model._lean
