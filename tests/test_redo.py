"""ReDo: a DQN learner's dormant units get new incoming and zero outgoing weights."""

from __future__ import annotations

import pytest
import torch

from envs.scripted import ScriptedCPU
from league.config import LeagueConfig
from league.learners import make_vec_env, new_learner, schedule_generation
from league.redo import Recycler, dormant_units, recycle_dormant

STEPS = 1500


def trained(every: int = 0) -> tuple[object, Recycler | None]:
    """A small DQN learner after STEPS steps against the CPU (gradient steps from 200 on)."""
    config = LeagueConfig(
        net_arch=(16, 16), hyperparams={"dqn": {"learning_starts": 200, "buffer_size": 5000}}
    )
    env = make_vec_env(config, "left", lambda rng: ("cpu", ScriptedCPU()), seed=0)
    model = new_learner(config, env, seed=0, tb_dir=None)
    schedule_generation(model, config, STEPS)
    recycler = Recycler(every, tau=0.0) if every else None
    model.learn(STEPS, reset_num_timesteps=False, callback=recycler)
    return model, recycler


def test_a_dead_unit_is_recycled_and_the_q_values_stay_the_same() -> None:
    model, _ = trained()
    first, second, _ = [m for m in model.q_net.q_net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        first.bias[3] = -1e6  # no state activates unit 3 of the first hidden layer now
    obs = torch.as_tensor(model.replay_buffer.observations[:STEPS, 0])
    assert dormant_units(model.q_net, obs, 0.0)[0][3]
    before = model.q_net(obs).detach()
    recycled = recycle_dormant(model, tau=0.0, obs=obs)
    assert recycled >= 1
    assert -1.0 < first.bias[3].item() < 1.0  # new incoming weights, drawn as a new layer's
    assert torch.count_nonzero(second.weight[:, 3]) == 0  # no effect on the next layer yet
    # A unit dead on these states passed nothing on and its outgoing weights are zero now: the
    # network computes the same values on them, and the unit can learn again.
    assert torch.allclose(model.q_net(obs).detach(), before, atol=1e-6)
    assert not dormant_units(model.q_net, obs, 0.0)[0][3]
    moments = model.policy.optimizer.state[first.weight]
    assert torch.count_nonzero(moments["exp_avg"][3]) == 0
    assert torch.count_nonzero(moments["exp_avg_sq"][3]) == 0
    assert torch.count_nonzero(moments["exp_avg"]) > 0  # the other units' moments are kept


def test_nothing_is_recycled_before_the_buffer_holds_a_batch() -> None:
    config = LeagueConfig(net_arch=(8,))
    env = make_vec_env(config, "left", lambda rng: ("cpu", ScriptedCPU()), seed=0)
    model = new_learner(config, env, seed=0, tb_dir=None)
    assert recycle_dormant(model, tau=0.0) == 0


def test_the_recycler_checks_every_so_many_steps() -> None:
    _, recycler = trained(every=300)
    assert recycler is not None and len(recycler.recycled) == STEPS // 300


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"main_redo_every": -1}, "main_redo_every"),
        ({"main_redo_every": 1000, "algo": "ppo"}, "unless algo is dqn"),
        ({"main_redo_tau": -0.1}, "main_redo_tau"),
    ],
)
def test_impossible_redo_settings_are_refused(overrides: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        LeagueConfig(**overrides)
