"""The learners: one SB3 model per role, built from the config, saved and loaded atomically."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import torch
from stable_baselines3 import PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvObs, VecEnvStepReturn
from stable_baselines3.common.vec_env.util import dict_to_obs

from envs.single import OpponentSampler
from league.config import LeagueConfig
from league.dqn import LeagueDQN
from league.files import atomic_write
from league.games import Game, game_of


def algo_class(name: str) -> type[BaseAlgorithm]:
    """The SB3 class of an algorithm name: DQN is :class:`league.dqn.LeagueDQN`, SB3's DQN with
    the same arithmetic and less overhead."""
    if name in ("qrdqn", "maskable_ppo"):
        # imported on demand: sb3-contrib is only needed for these
        from sb3_contrib import QRDQN, MaskablePPO

        return {"qrdqn": QRDQN, "maskable_ppo": MaskablePPO}[name]
    return {"dqn": LeagueDQN, "ppo": PPO}[name]


def make_vec_env(
    config: LeagueConfig,
    role: str,
    sampler: OpponentSampler,
    seed: int,
    game: Game | None = None,
    vec_env_class: type[DummyVecEnv] | None = None,
) -> VecEnv:
    """``n_envs`` copies of the role's env in the config's game (or ``game``, already
    loaded), each drawing opponents from ``sampler``, in a :class:`SeatVecEnv` (or
    ``vec_env_class``: SB3's ``DummyVecEnv`` to compare with)."""
    game = game or game_of(config)

    def factory(i: int) -> Callable[[], Monitor]:
        # Monitor: SB3 logs rollout/ep_rew_mean (points won minus lost per game) and
        # rollout/ep_len_mean only from the episode records it keeps.
        return lambda: Monitor(game.seat_env(role, sampler))

    env = (vec_env_class or SeatVecEnv)([factory(i) for i in range(config.n_envs)])
    env.seed(seed)
    return env


class SeatVecEnv(DummyVecEnv):
    """SB3's :class:`DummyVecEnv` for the league's seat envs, without its deep copies.

    ``DummyVecEnv`` deep-copies the observation buffer and every step's info dicts, so that an
    env that reuses its arrays or dicts cannot change what the learner stored: a fifth of a DQN
    learner's time on Pong (``scripts/bench_league.py``: 1.27x steps/s without them). The
    league's seat envs return a fresh observation and a fresh info dict of immutable values at
    every step (``Monitor`` adds a fresh ``episode`` dict), so a shallow copy of each keeps
    exactly what SB3 sees; the observation buffer is copied array by array as ``deepcopy`` does.
    """

    def step_wait(self) -> VecEnvStepReturn:
        for i, env in enumerate(self.envs):
            obs, self.buf_rews[i], terminated, truncated, info = env.step(self.actions[i])
            self.buf_dones[i] = terminated or truncated
            info["TimeLimit.truncated"] = truncated and not terminated
            if self.buf_dones[i]:
                info["terminal_observation"] = obs
                obs, self.reset_infos[i] = env.reset()
            self.buf_infos[i] = info
            self._save_obs(i, obs)
        infos = [dict(info) for info in self.buf_infos]
        return self._obs_from_buf(), self.buf_rews.copy(), self.buf_dones.copy(), infos

    def _obs_from_buf(self) -> VecEnvObs:
        return dict_to_obs(self.observation_space, {k: v.copy() for k, v in self.buf_obs.items()})


def use_one_thread() -> None:
    """Train on one torch thread.

    A 64-64 MLP on batches of 64 gains nothing from a second intra-op thread, and on a busy
    2-core machine the spinning second thread made training several times slower.
    """
    torch.set_num_threads(1)


def new_learner(config: LeagueConfig, env: VecEnv, seed: int, tb_dir: Path | None) -> BaseAlgorithm:
    """An untrained learner with the config's algorithm, network and hyper-parameters."""
    use_one_thread()
    kwargs = config.algo_kwargs()
    # Annealed within every generation (see schedule_generation). With a constant 1e-3, DQN
    # snapshots taken at the end of a generation sometimes collapsed (100% -> 30% vs the CPU).
    kwargs["learning_rate"] = LinearSchedule(
        kwargs["learning_rate"], kwargs.pop("learning_rate_end"), 1.0
    )
    policy_kwargs: dict[str, Any] = {"net_arch": list(config.net_arch)}
    if config.features != "none":
        from envs.features import court_vector
        from league.features import extractor_kwargs

        policy_kwargs.update(extractor_kwargs(config.features, court_vector(config.game_rules())))
    if "n_quantiles" in kwargs:  # a policy argument of QR-DQN, kept with its hyper-parameters
        policy_kwargs["n_quantiles"] = kwargs.pop("n_quantiles")
    model = algo_class(config.algo)(
        "MlpPolicy",
        env,
        policy_kwargs=policy_kwargs,
        tensorboard_log=str(tb_dir) if tb_dir else None,
        seed=seed,
        verbose=0,
        device="cpu",
        **kwargs,
    )
    if tb_dir is None:
        log_nowhere(model)
    return model


def log_nowhere(model: BaseAlgorithm) -> None:
    """A logger without outputs: SB3's default one, without a TensorBoard folder, makes an
    empty ``/tmp/SB3-<date>`` folder at every ``learn`` call."""
    model.set_logger(Logger(None, []))


@dataclass(frozen=True)
class WithinGeneration:
    """A schedule over the progress of one generation instead of the learner's whole life.

    A learner continues between generations (``learn(..., reset_num_timesteps=False)``), so
    SB3's progress remaining runs from ``1 - done/(done + steps)`` to 0 in each call: schedules
    would start lower and lower as the learner ages. This maps it back to 1 -> 0 within the call.

    :param inner: the schedule over the generation's progress remaining (1 -> 0).
    :param scale: ``(done + steps) / steps`` for a call of ``steps`` after ``done`` steps.
    """

    inner: Callable[[float], float]
    scale: float

    def __call__(self, progress_remaining: float) -> float:
        return self.inner(min(1.0, progress_remaining * self.scale))


def schedule_generation(model: BaseAlgorithm, config: LeagueConfig, steps: int) -> None:
    """Set the learner's schedules for its next ``learn`` call of ``steps`` env steps.

    The learning rate falls from ``learning_rate`` (``restart_learning_rate``, where set, after the
    learner's first generation) to ``learning_rate_end`` within the call. The
    exploration rate (DQN, QR-DQN) falls from ``exploration_initial_eps`` in the learner's first
    generation, from ``restart_exploration_eps`` in later ones, to ``exploration_final_eps`` over
    ``exploration_fraction`` of the call: a learner whose opponents changed explores again.
    """
    kwargs = config.algo_kwargs()
    scale = (model.num_timesteps + steps) / steps
    first = model.num_timesteps == 0
    start = kwargs["learning_rate"]
    if not first and config.restart_learning_rate is not None:
        start = config.restart_learning_rate
    rate = LinearSchedule(start, kwargs["learning_rate_end"], 1.0)
    model.lr_schedule = WithinGeneration(rate, scale)
    if hasattr(model, "exploration_schedule"):
        final = kwargs["exploration_final_eps"]
        start = (
            kwargs.get("exploration_initial_eps", 1.0) if first else config.restart_exploration_eps
        )
        eps = LinearSchedule(max(start, final), final, kwargs["exploration_fraction"])
        model.exploration_schedule = WithinGeneration(eps, scale)
        model.exploration_rate = eps(1.0)


def perturb_learner(model: BaseAlgorithm, share: float) -> None:
    """Shrink and perturb the learner's network: every weight ``w`` becomes
    ``(1 - share) * w + share * w0``, ``w0`` the same weight of a newly initialised policy (drawn
    from torch's global generator: seed it first), and the optimizer's state (Adam's moments)
    restarts. A DQN's target network is mixed the same way, with the same fresh weights."""
    policy = model.policy
    fresh = policy.__class__(
        policy.observation_space, policy.action_space, model.lr_schedule, **model.policy_kwargs
    )
    fresh_state = fresh.state_dict()
    with torch.no_grad():
        for name, tensor in policy.state_dict().items():
            if tensor.is_floating_point():
                tensor.mul_(1.0 - share).add_(fresh_state[name], alpha=share)
    policy.optimizer.state.clear()


def save_learner(model: BaseAlgorithm, zip_path: Path) -> None:
    """Write the model atomically (a league's checkpoints, with their replay buffers, are
    :func:`league.hosts.LearnerHost`'s bytes)."""
    with atomic_write(zip_path) as tmp:
        model.save(tmp)


def load_model(
    algo: str, zip_file: Path | IO[bytes], custom: dict[str, Any], env: VecEnv | None = None
) -> BaseAlgorithm:
    """An SB3 zip of ``algo`` loaded on the CPU (``custom``: SB3's ``custom_objects``)."""
    with warnings.catch_warnings():
        # A saved n-step DQN names its NStepReplayBuffer, with n_steps and gamma in its kwargs:
        # SB3 warns that n_steps is "ignored", but that buffer is what it builds.
        warnings.filterwarnings("ignore", message="`n_steps=.*` is ignored because a custom")
        return algo_class(algo).load(zip_file, env=env, device="cpu", custom_objects=custom)


def load_learner(
    config: LeagueConfig,
    zip_file: Path | IO[bytes],
    buffer_file: Path | IO[bytes] | None,
    env: VecEnv,
    tb_dir: Path | None,
) -> BaseAlgorithm:
    """A learner as saved (files, or their bytes as file objects), to continue training; a
    buffer file that does not exist is skipped."""
    use_one_thread()
    custom: dict[str, Any] = {"tensorboard_log": str(tb_dir) if tb_dir else None}
    model = load_model(config.algo, zip_file, custom, env)
    if isinstance(buffer_file, (str, os.PathLike)) and not os.path.exists(buffer_file):
        buffer_file = None
    if buffer_file is not None and isinstance(model, OffPolicyAlgorithm):
        model.load_replay_buffer(buffer_file)
    if tb_dir is None:
        log_nowhere(model)
    return model
