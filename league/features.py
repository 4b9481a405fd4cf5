"""``InterceptFeatures``: an SB3 features extractor that adds where the ball will meet the player.

The league's ``features = "intercept"`` (Pong only) gives every learner this extractor in place of
SB3's ``FlattenExtractor``: the network's input is the coords observation followed by
:func:`envs.features.intercept_features` of it. It has no weights; the snapshot's ``.json`` names
it with the court geometry, and :class:`~league.policies.NumpyPolicy` computes the same
function before its first layer, so the weights-only copy acts exactly as the model does.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

from envs.bots import Court
from envs.features import FEATURES, intercept_features


class InterceptFeatures(BaseFeaturesExtractor):
    """The flat observation with :func:`~envs.features.intercept_features` appended.

    :param observation_space: a flat Box of stacked coords frames.
    :param court: the court geometry, :func:`envs.features.court_vector` of the game's rules.
    """

    def __init__(self, observation_space: gym.spaces.Box, court: Sequence[float]) -> None:
        super().__init__(observation_space, int(observation_space.shape[0]) + FEATURES)
        self.court_vector = [float(v) for v in court]
        self.court = Court(*self.court_vector)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        obs = observations.float().flatten(1)
        # One implementation for the learner and its numpy snapshot: the same bits.
        extra = intercept_features(obs.detach().cpu().numpy(), self.court)
        return torch.cat([obs, torch.from_numpy(extra).to(obs.device)], dim=1)


def extractor_kwargs(features: str, court: Sequence[float]) -> dict[str, object]:
    """The ``policy_kwargs`` entries that give a learner the ``features`` of a config."""
    if features == "none":
        return {}
    return {
        "features_extractor_class": InterceptFeatures,
        "features_extractor_kwargs": {"court": list(court)},
    }


def described_features(extractor: object) -> dict[str, object] | None:
    """What a snapshot's description says of ``extractor``: ``None`` for a plain flatten."""
    if isinstance(extractor, InterceptFeatures):
        return {"kind": "intercept", "court": list(extractor.court_vector)}
    return None
