"""``PongVsOpponent``: the env a learner sees, one paddle of the game against a policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from envs.engine import SCORE_L, TERMINATED, TRUNCATED, Engine
from envs.observation import OBS_MODES, PIXELS, coords_bounds, push_coords, push_pixels
from envs.rules import Rules, rules
from envs.scripted import SCRIPTED, Policy, scripted

ROLES = ("left", "right")
SNAPSHOT_SUFFIXES = (".npz", ".json", ".zip")
OpponentSampler = Callable[[np.random.Generator], tuple[str, Policy]]


def resolve_rules(value: Rules | str | None) -> Rules:
    """A ``Rules`` from a preset name, a ``Rules`` or ``None`` (the classic preset)."""
    if value is None:
        return rules()
    return rules(value) if isinstance(value, str) else value


class _Display:
    """Renders a game row for an env in ``"human"`` or ``"rgb_array"`` mode (pygame on demand)."""

    def __init__(self, rules: Rules, mode: str | None, fps: int) -> None:
        self.rules, self.mode, self.fps = rules, mode, fps
        self._renderer: Any = None
        self._window: Any = None

    def render(self, row: np.ndarray, names: tuple[str, str]) -> np.ndarray | None:
        from envs.render import Renderer, Window

        if self.mode == "rgb_array":
            if self._renderer is None or self._renderer.names != names:
                self._renderer = Renderer(self.rules, names)
            return self._renderer.draw(row)
        if self.mode == "human":
            if self._window is None:
                self._window = Window(self.rules, names, fps=self.fps)
            self._window.show(row)
        return None

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None


class PongVsOpponent(gym.Env):
    """One side of Pong, the other side played by a policy or by an opponent sampler.

    :param rules: a ``Rules`` or a preset name (default ``"classic"``).
    :param role: the learner's side, ``"left"`` or ``"right"``.
    :param opponent: the other side: a policy (``act(obs) -> actions``) or a scripted policy's
        name (default ``"cpu"``). It sees ``coords`` observations of its own side. A league
        snapshot is a policy once loaded: ``league.policies.NumpyPolicy.load(path)``.
    :param opponent_sampler: instead of ``opponent``, a callable ``(rng) -> (id, policy)`` called
        at every reset with the env's Generator: the league's matchmaking.
    :param obs_mode: ``"coords"`` (6 floats per frame) or ``"pixels"`` (84x84 grayscale).
    :param frame_stack: frames K per observation, oldest first.
    :param render_mode: ``"human"`` (a pygame window) or ``"rgb_array"``.
    :param name: the learner's name drawn on rendered frames.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 60}

    def __init__(
        self,
        rules: Rules | str | None = None,
        role: str = "left",
        opponent: Policy | str | None = None,
        opponent_sampler: OpponentSampler | None = None,
        obs_mode: str = "coords",
        frame_stack: int = 4,
        render_mode: str | None = None,
        name: str = "agent",
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"role={role!r}; choose 'left' or 'right'")
        if obs_mode not in OBS_MODES:
            raise ValueError(f"obs_mode={obs_mode!r}; choose one of {', '.join(OBS_MODES)}")
        if frame_stack < 1:
            raise ValueError(f"frame_stack={frame_stack} must be >= 1")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode={render_mode!r}; choose 'human' or 'rgb_array'")
        if opponent is not None and opponent_sampler is not None:
            raise ValueError("give either an opponent or an opponent_sampler, not both")
        self.rules = resolve_rules(rules)
        self.role = role
        self.side = ROLES.index(role)
        self.obs_mode = obs_mode
        self.frame_stack = frame_stack
        self.render_mode = render_mode
        self.name = name
        if opponent_sampler is None:
            opponent = "cpu" if opponent is None else opponent
            if isinstance(opponent, str):
                opponent_sampler = _named(opponent, self.rules)
            else:
                opponent_sampler = _fixed(str(getattr(opponent, "name", "opponent")), opponent)
        self.opponent_sampler = opponent_sampler
        self.opponent_id, self.opponent = "", None

        self.engine = Engine(self.rules, 1)
        p = self.engine.params
        self._actions = np.zeros((1, 2), dtype=np.int64)
        low, high = coords_bounds(p, frame_stack)
        self._opponent_obs = np.zeros((1, low.size), dtype=np.float32)
        if obs_mode == "coords":
            self._obs = np.zeros((1, low.size), dtype=np.float32)
            self.observation_space = gym.spaces.Box(low, high, dtype=np.float32)
        else:
            self._obs = np.zeros((1, frame_stack, PIXELS, PIXELS), dtype=np.uint8)
            self.observation_space = gym.spaces.Box(0, 255, self._obs.shape[1:], dtype=np.uint8)
        self.action_space = gym.spaces.Discrete(3)
        self._display = _Display(self.rules, render_mode, self.metadata["render_fps"])

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if self.engine.rngs[0] is not self.np_random:
            self.engine.set_rng(0, self.np_random)
        self.engine.reset()
        self.opponent_id, self.opponent = self.opponent_sampler(self.np_random)
        self._observe(fill=True)
        return self._obs[0].copy(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        them = 1 - self.side
        self._actions[0, self.side] = action
        self._actions[0, them] = self.opponent.act(self._opponent_obs)[0]
        rewards = self.engine.step(self._actions)
        self._observe(fill=False)
        row = self.engine.state[0]
        if self.render_mode == "human":
            self.render()
        return (
            self._obs[0].copy(),
            float(rewards[0, self.side]),
            bool(row[TERMINATED]),
            bool(row[TRUNCATED]),
            self._info(),
        )

    def _observe(self, fill: bool) -> None:
        s, p = self.engine.state, self.engine.params
        push_coords(s, p, 1 - self.side, self._opponent_obs, fill)
        if self.obs_mode == "coords":
            push_coords(s, p, self.side, self._obs, fill)
        else:
            push_pixels(s, p, self.side, self._obs, fill)

    def _info(self) -> dict[str, Any]:
        row = self.engine.state[0]
        own, other = int(row[SCORE_L + self.side]), int(row[SCORE_L + 1 - self.side])
        return {"opponent_id": self.opponent_id, "score": (own, other)}

    def render(self) -> np.ndarray | None:
        names = (self.name, self.opponent_id)
        return self._display.render(self.engine.state[0], names if self.side == 0 else names[::-1])

    def close(self) -> None:
        self._display.close()


def _fixed(opponent_id: str, policy: Policy) -> OpponentSampler:
    def sample(rng: np.random.Generator) -> tuple[str, Policy]:
        return opponent_id, policy

    return sample


def _named(name: str, game_rules: Rules) -> OpponentSampler:
    """A scripted opponent built at every reset, seeded from the env's Generator.

    Built once with its own fresh entropy instead, a ``"random"`` opponent made a seeded env
    unrepeatable (``check_env``'s step-determinism check failed).
    """
    if name.lower().endswith(SNAPSHOT_SUFFIXES) or "/" in name or "\\" in name:
        # Reading a snapshot file is the trainer's business (league/policies.py): the game
        # imports nothing of it, so a file is loaded by the caller and passed as a policy.
        raise ValueError(
            f"opponent={name!r} looks like a snapshot file; pass the policy instead: "
            "opponent=league.policies.NumpyPolicy.load(path) (a name is one of: "
            f"{', '.join(SCRIPTED)})"
        )
    scripted(name, game_rules)  # an unknown name fails here, when the env is made

    def sample(rng: np.random.Generator) -> tuple[str, Policy]:
        return name, scripted(name, game_rules, seed=int(rng.integers(2**63)))

    return sample
