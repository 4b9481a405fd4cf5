"""``LeagueDQN``: SB3's DQN with the same arithmetic and less Python around it.

The league trains DQN on one env with a 64-64 MLP, so most of a training step is not arithmetic
but Python around it: ``policy.predict`` switches every module to eval mode, converts and checks
the observation and calls through seven ``nn.Module`` wrappers for one 24-float forward pass;
``train`` switches them back, and ``clip_grad_norm_`` groups the gradients by device and dtype
twice per update. ``LeagueDQN`` runs the same tensor operations in the same order without those
wrappers (``F.linear`` and ``F.relu`` on the layers' own weights, the foreach norm and scaling
that ``clip_grad_norm_`` does on CPU tensors), and draws from the same random generators in the
same order, so a learner trains to the same weights bit for bit (a test checks it against
``stable_baselines3.DQN``) in less time (``scripts/bench_league.py``).

Networks it cannot run this way (another activation, a features extractor other than flatten or
``league.features.InterceptFeatures``, an image or integer observation) fall back to SB3's own
``predict`` and ``train``. Saved models are ordinary SB3 DQN files: ``stable_baselines3.DQN.load``
reads them (with pong-league importable, for the intercept extractor).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from gymnasium import spaces
from stable_baselines3 import DQN
from stable_baselines3.common.torch_layers import FlattenExtractor
from stable_baselines3.dqn.policies import QNetwork
from torch import nn

from league.features import InterceptFeatures


def lean_forward_supported(q_net: QNetwork, observation_space: spaces.Space) -> bool:
    """Whether :func:`lean_q_values` computes exactly what ``q_net(obs)`` does."""
    return (
        isinstance(observation_space, spaces.Box)
        and observation_space.dtype == np.float32
        and type(q_net.features_extractor) in (FlattenExtractor, InterceptFeatures)
        and all(
            isinstance(m, nn.Linear) or (type(m) is nn.ReLU and not m.inplace) for m in q_net.q_net
        )
    )


def lean_q_values(q_net: QNetwork, obs: torch.Tensor) -> torch.Tensor:
    """``q_net(obs)`` for a flatten (or intercept) extractor and Linear/ReLU layers, without
    module calls."""
    x = obs.float().flatten(1)  # preprocess_obs of a float Box, then FlattenExtractor
    if type(q_net.features_extractor) is InterceptFeatures:
        x = q_net.features_extractor.forward(x)
    for layer in q_net.q_net:
        x = F.linear(x, layer.weight, layer.bias) if isinstance(layer, nn.Linear) else F.relu(x)
    return x


class LeagueDQN(DQN):
    """SB3's :class:`~stable_baselines3.DQN`, trained and acting through :func:`lean_q_values`.

    Takes exactly DQN's arguments. Its policy stays in eval mode, which changes nothing for the
    layers it runs lean (no dropout, no batch norm).
    """

    def _setup_model(self) -> None:
        super()._setup_model()
        self._lean = lean_forward_supported(self.q_net, self.observation_space)
        # What clip_grad_norm_ sees of policy.parameters(): the target network's have no grad.
        self._trained = list(self.q_net.parameters())

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_lean", "_trained"]

    def predict(
        self,
        observation: np.ndarray | dict[str, np.ndarray],
        state: tuple[np.ndarray, ...] | None = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
        vectorized = (
            isinstance(observation, np.ndarray)
            and observation.ndim == 2
            and observation.shape[1:] == self.observation_space.shape
        )
        if not (self._lean and vectorized):
            return super().predict(observation, state, episode_start, deterministic)
        # DQN.predict's epsilon-greedy step, drawing from the same generators in the same order:
        # SB3 explores with numpy's global generator, which set_random_seed seeds.
        if not deterministic and np.random.rand() < self.exploration_rate:  # noqa: NPY002
            actions = np.array([self.action_space.sample() for _ in range(observation.shape[0])])
            return actions, state
        with torch.no_grad():
            q = lean_q_values(self.q_net, torch.as_tensor(observation, device=self.device))
        return q.argmax(dim=1).reshape(-1).cpu().numpy(), state

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        if not self._lean:
            super().train(gradient_steps, batch_size)
            return
        # DQN.train step for step, without the module wrappers and mode switches. Adam's foreach
        # kernels compute its per-tensor update in fewer calls, with the same result.
        self._update_learning_rate(self.policy.optimizer)
        if isinstance(self.policy.optimizer, torch.optim.Adam):
            for group in self.policy.optimizer.param_groups:
                group["foreach"] = True
        losses = []
        for _ in range(gradient_steps):
            data = self.replay_buffer.sample(batch_size, env=self._vec_normalize_env)  # type: ignore[union-attr]
            discounts = data.discounts if data.discounts is not None else self.gamma
            with torch.no_grad():
                next_q, _ = lean_q_values(self.q_net_target, data.next_observations).max(dim=1)
                target = data.rewards + (1 - data.dones) * discounts * next_q.reshape(-1, 1)
            current = lean_q_values(self.q_net, data.observations)
            current = torch.gather(current, dim=1, index=data.actions.long())
            loss = F.smooth_l1_loss(current, target)
            losses.append(loss.item())
            self.policy.optimizer.zero_grad()
            loss.backward()
            clip_grad_norm(self._trained, self.max_grad_norm)
            self.policy.optimizer.step()
        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", np.mean(losses))


def clip_grad_norm(parameters: Any, max_norm: float) -> None:
    """``torch.nn.utils.clip_grad_norm_(parameters, max_norm)`` for CPU float32 parameters.

    The same operations as torch's foreach path (per-tensor norms, the norm of their stack, the
    clamped coefficient, one in-place multiply), without grouping the tensors twice.
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads, 2.0)), 2.0)
    coefficient = torch.clamp(float(max_norm) / (total + 1e-6), max=1.0)
    torch._foreach_mul_(grads, coefficient)
