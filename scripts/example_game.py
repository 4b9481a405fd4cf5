"""Your own game for pong-league: race to ten, a PettingZoo AEC env with an action mask.

Two players take turns adding 1 or 2 to a running total that starts at 0; whoever brings it to
10 wins. The first player wins with perfect play (always leave a total of 1, 4 or 7).

    pong-league train --game py:scripts/example_game.py:env --run-dir runs/race
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv

TARGET = 10


class RaceToTen(AECEnv):
    metadata = {"name": "race_to_ten_v0", "render_modes": []}

    def __init__(self) -> None:
        super().__init__()
        self.possible_agents = ["first", "second"]
        self._action_space = spaces.Discrete(2)
        self._obs_space = spaces.Dict(
            {
                "observation": spaces.Box(0, 1, (TARGET + 1,), dtype=np.int8),  # the total
                "action_mask": spaces.Box(0, 1, (2,), dtype=np.int8),  # add 1, add 2
            }
        )

    def observation_space(self, agent: str) -> spaces.Space:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_space

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        self.agents = list(self.possible_agents)
        self.total = 0
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = {a: {} for a in self.agents}
        self.agent_selection = "first"

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        total = np.zeros(TARGET + 1, dtype=np.int8)
        total[self.total] = 1
        mask = np.array([1, int(self.total + 2 <= TARGET)], dtype=np.int8)
        return {"observation": total, "action_mask": mask}

    def step(self, action: int | None) -> None:
        me = self.agent_selection
        if self.terminations[me] or self.truncations[me]:
            return self._was_dead_step(action)
        other = "second" if me == "first" else "first"
        self.total = min(TARGET, self.total + int(action) + 1)
        self.rewards = {a: 0.0 for a in self.agents}
        if self.total == TARGET:
            self.rewards = {me: 1.0, other: -1.0}
            self.terminations = {a: True for a in self.agents}
        self._cumulative_rewards[me] = 0.0
        self._accumulate_rewards()
        self.agent_selection = other


def env() -> RaceToTen:
    return RaceToTen()
