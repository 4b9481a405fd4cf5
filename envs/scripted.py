"""The policy protocol, and the scripted players that meet it: ``cpu``, ``random``, ``still``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from envs.engine import CPU
from envs.rules import Rules


@runtime_checkable
class Policy(Protocol):
    """Anything that plays: ``act`` maps a batch of observations (B, D) to B actions.

    Actions are 0 stay, 1 up, 2 down; a policy may also answer ``envs.engine.CPU`` (3) to let the
    scripted ball-following CPU steer its paddle.
    """

    def act(self, obs: np.ndarray) -> np.ndarray: ...


class ScriptedCPU:
    """The article's CPU: moves its paddle centre towards the ball at the rules' ``cpu_speed``.

    The rule itself runs inside the engine, on the exact state (see ``envs.engine``); this policy
    only asks for it, so it plays any side under any rules and needs no observation.

    :param rules: unused; accepted so that every scripted policy is built the same way.
    """

    name = "cpu"

    def __init__(self, rules: Rules | None = None) -> None:
        self._actions = np.full(1, CPU, dtype=np.int64)

    def act(self, obs: np.ndarray) -> np.ndarray:
        batch = 1 if obs.ndim == 1 else obs.shape[0]
        if self._actions.shape[0] != batch:
            self._actions = np.full(batch, CPU, dtype=np.int64)
        return self._actions


class RandomPolicy:
    """Uniformly random moves.

    :param rules: unused.
    :param seed: seed of its Generator.
    """

    name = "random"

    def __init__(self, rules: Rules | None = None, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray) -> np.ndarray:
        batch = 1 if obs.ndim == 1 else obs.shape[0]
        return self.rng.integers(0, 3, size=batch, dtype=np.int64)


class StillPolicy:
    """Never moves."""

    name = "still"

    def __init__(self, rules: Rules | None = None) -> None:
        pass

    def act(self, obs: np.ndarray) -> np.ndarray:
        batch = 1 if obs.ndim == 1 else obs.shape[0]
        return np.zeros(batch, dtype=np.int64)


SCRIPTED: dict[str, Callable[..., Policy]] = {
    "cpu": ScriptedCPU,
    "random": RandomPolicy,
    "still": StillPolicy,
}


def scripted(name: str, rules: Rules | None = None, seed: int | None = None) -> Policy:
    """The scripted policy called ``name`` (``"cpu"``, ``"random"`` or ``"still"``)."""
    if name not in SCRIPTED:
        raise ValueError(f"unknown scripted policy {name!r}; choose one of: {', '.join(SCRIPTED)}")
    if name == "random":
        return RandomPolicy(rules, seed=seed)
    return SCRIPTED[name](rules)
