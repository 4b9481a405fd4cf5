"""``PongDuel``: both paddles as a PettingZoo ``ParallelEnv`` with agents ``left`` and ``right``."""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv

from envs.engine import SCORE_L, SCORE_R, TERMINATED, TRUNCATED, Engine
from envs.observation import OBS_MODES, PIXELS, coords_bounds, push_coords, push_pixels
from envs.rules import Rules
from envs.single import ROLES, _Display, resolve_rules


class PongDuel(ParallelEnv):
    """Two-player Pong: each agent sees its own mirrored view and gets its own rewards.

    Rewards: +1 to the scorer, -1 to the side that conceded, plus ``hit_reward`` to a hitter.
    The game terminates at ``points_to_win`` and is truncated at ``max_steps``; ``infos`` carry
    the score as ``(left, right)``. ``reset(seed=s, options={"first_serve": k})`` serves the
    first ball to side k (0 left, 1 right) instead of a random side, as game i of an evaluation
    serves to ``i % 2``: seeded so, a game replays ``league.evaluation``'s game of seed s.

    :param rules: a ``Rules`` or a preset name (default ``"classic"``).
    :param obs_mode: ``"coords"`` or ``"pixels"`` (see ``envs.observation``).
    :param frame_stack: frames K per observation.
    :param render_mode: ``"human"`` or ``"rgb_array"``.
    :param names: the players' names drawn on rendered frames.
    """

    metadata = {"name": "pong_duel_v0", "render_modes": ["human", "rgb_array"], "render_fps": 60}

    def __init__(
        self,
        rules: Rules | str | None = None,
        obs_mode: str = "coords",
        frame_stack: int = 4,
        render_mode: str | None = None,
        names: tuple[str, str] = ("left", "right"),
    ) -> None:
        if obs_mode not in OBS_MODES:
            raise ValueError(f"obs_mode={obs_mode!r}; choose one of {', '.join(OBS_MODES)}")
        if frame_stack < 1:
            raise ValueError(f"frame_stack={frame_stack} must be >= 1")
        self.rules = resolve_rules(rules)
        self.obs_mode = obs_mode
        self.frame_stack = frame_stack
        self.render_mode = render_mode
        self.names = names
        self.possible_agents = list(ROLES)
        self.agents: list[str] = []
        self.engine = Engine(self.rules, 1)
        self._actions = np.zeros((1, 2), dtype=np.int64)
        if obs_mode == "coords":
            size = coords_bounds(self.engine.params, frame_stack)[0].size
            self._obs = [np.zeros((1, size), dtype=np.float32) for _ in ROLES]
        else:
            shape = (1, frame_stack, PIXELS, PIXELS)
            self._obs = [np.zeros(shape, dtype=np.uint8) for _ in ROLES]
        self._display = _Display(self.rules, render_mode, self.metadata["render_fps"])

    @functools.cache  # noqa: B019 - PettingZoo's own pattern: one space per agent
    def observation_space(self, agent: str) -> gym.spaces.Box:
        if self.obs_mode == "pixels":
            return gym.spaces.Box(0, 255, (self.frame_stack, PIXELS, PIXELS), dtype=np.uint8)
        low, high = coords_bounds(self.engine.params, self.frame_stack)
        return gym.spaces.Box(low, high, dtype=np.float32)

    @functools.cache  # noqa: B019
    def action_space(self, agent: str) -> gym.spaces.Discrete:
        return gym.spaces.Discrete(3)

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        if seed is not None or not self.agents and not hasattr(self, "_rng"):
            self._rng = np.random.default_rng(seed)
            self.engine.set_rng(0, self._rng)
        self.agents = list(self.possible_agents)
        first_serve = (options or {}).get("first_serve")
        if first_serve not in (None, 0, 1):
            raise ValueError(f"first_serve={first_serve!r}; choose 0 (left) or 1 (right)")
        self.engine.reset(first_serve=None if first_serve is None else np.array([first_serve]))
        self._observe(fill=True)
        return self._observations(), self._infos()

    def step(self, actions: dict[str, int]) -> tuple[dict, dict, dict, dict, dict]:
        for side, agent in enumerate(ROLES):
            self._actions[0, side] = actions[agent]
        rewards = self.engine.step(self._actions)
        self._observe(fill=False)
        row = self.engine.state[0]
        terminated, truncated = bool(row[TERMINATED]), bool(row[TRUNCATED])
        obs, infos = self._observations(), self._infos()
        out_rewards = {agent: float(rewards[0, side]) for side, agent in enumerate(ROLES)}
        terminations = {agent: terminated for agent in self.agents}
        truncations = {agent: truncated for agent in self.agents}
        if terminated or truncated:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return obs, out_rewards, terminations, truncations, infos

    def _observe(self, fill: bool) -> None:
        s, p = self.engine.state, self.engine.params
        push = push_coords if self.obs_mode == "coords" else push_pixels
        for side in range(2):
            push(s, p, side, self._obs[side], fill)

    def _observations(self) -> dict[str, np.ndarray]:
        return {agent: self._obs[side][0].copy() for side, agent in enumerate(ROLES)}

    def _infos(self) -> dict[str, dict[str, Any]]:
        row = self.engine.state[0]
        score = (int(row[SCORE_L]), int(row[SCORE_R]))
        return {agent: {"score": score} for agent in ROLES}

    def render(self) -> np.ndarray | None:
        return self._display.render(self.engine.state[0], self.names)

    def close(self) -> None:
        self._display.close()
