"""Any two-player zero-sum PettingZoo game as a league game: one seat against an opponent.

A PettingZoo env (AEC, turn-based like ``tictactoe_v3``, or parallel, simultaneous like
``rps_v2``) becomes:

- :class:`SeatEnv`, a single-agent Gymnasium env for one seat whose other seat is played by a
  policy drawn from an opponent sampler at every reset (the league's matchmaking), with
  ``action_masks()`` for sb3-contrib's MaskablePPO when the game has an action mask;
- :func:`play_games`, seeded games between two policies, one per seat, with the same outcome
  summary as Pong's evaluation (:class:`league.evaluation.Outcomes`).

Observations reach learners and policies flattened to float32 vectors (a ``Discrete``
observation becomes one-hot); a masked game's ``{"observation", "action_mask"}`` dict is split:
the observation part is the observation, the mask goes to ``action_masks()`` and to
``act(obs, action_mask)``. A game ends when either seat is terminated or truncated; the seat whose
rewards over the game sum higher wins, equal sums are a draw.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pettingzoo.utils.conversions import parallel_to_aec
from pettingzoo.utils.env import AECEnv, ParallelEnv

from league.errors import LeagueError
from league.evaluation import Outcomes, match_result
from league.games.reference import RandomLegal
from league.results import MatchResult

EnvFactory = Callable[[], Any]  # () -> a PettingZoo AECEnv or ParallelEnv


@runtime_checkable
class GamePolicy(Protocol):
    """A player of a PettingZoo game: a batch of flattened observations (B, D) and, in a masked
    game, their legal-action masks (B, A) -> B actions (legal ones, where a mask is given). In a
    game without a mask it is called as ``act(obs)``, Pong's policy protocol."""

    def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray: ...


GameOpponentSampler = Callable[[np.random.Generator], tuple[str, GamePolicy]]
FrameHook = Callable[[int, np.ndarray], None]  # (game index, rgb_array frame)


class PettingZooGame:
    """A two-player zero-sum PettingZoo env, checked once, as the league sees a game.

    :param factory: builds a fresh env (``pettingzoo.classic.tictactoe_v3.env``, or any
        callable returning an AEC or parallel env of two agents).
    :param name: the game's name as the user gave it (stored with a run, shown in messages).
    :param reset_options: ``(i) -> options`` passed to the env's ``reset`` in game i of every
        match :meth:`evaluate` plays, for a game where who starts is a choice: Pong's
        ``PongDuel`` takes ``lambda i: {"first_serve": i % 2}`` to serve as its built-in
        evaluation does. ``None``: no options.
    :raises LeagueError: the env does not have two agents, or its spaces are not a Discrete
        action space and a Box, Discrete or ``{"observation", "action_mask"}`` observation.
    """

    def __init__(
        self,
        factory: EnvFactory,
        name: str,
        reset_options: Callable[[int], dict[str, Any]] | None = None,
    ) -> None:
        self.factory = factory
        self.name = name
        self.reset_options = reset_options
        env = self.make_aec()
        agents = tuple(env.possible_agents)
        if len(agents) != 2:
            raise LeagueError(
                f"game {name}: a league needs two agents, this env has {len(agents)} "
                f"({', '.join(map(str, agents))}); wrap it so that two players remain"
            )
        self.agents: tuple[str, str] = (agents[0], agents[1])
        first, second = (env.observation_space(a) for a in agents)
        acts = [env.action_space(a) for a in agents]
        if not all(isinstance(a, spaces.Discrete) for a in acts) or acts[0].n != acts[1].n:
            raise LeagueError(
                f"game {name}: both agents need the same Discrete action space, got "
                f"{acts[0]} and {acts[1]}"
            )
        self.masked = isinstance(first, spaces.Dict) and "action_mask" in first.spaces
        self._raw_space = first["observation"] if self.masked else first
        other = second["observation"] if self.masked else second
        if _flat_size(self._raw_space, name) != _flat_size(other, name):
            raise LeagueError(
                f"game {name}: both seats must see observations of one shape (one policy per "
                f"seat is trained, but snapshots are compared across the matrix)"
            )
        flat = spaces.flatten_space(self._raw_space)
        self.observation_space = spaces.Box(
            flat.low.astype(np.float32), flat.high.astype(np.float32), dtype=np.float32
        )
        self.action_space = spaces.Discrete(int(acts[0].n))
        env.close()

    def make_aec(self, render_mode: str | None = None) -> AECEnv:
        """A fresh env of the game, turned into an AEC env if it is a parallel one.

        :param render_mode: passed to the factory (``render_mode="rgb_array"``) when given.
        """
        env = self.factory() if render_mode is None else self.factory(render_mode=render_mode)
        if isinstance(env, ParallelEnv):
            env = parallel_to_aec(env)
        if not isinstance(env, AECEnv):
            raise LeagueError(
                f"game {self.name}: the factory returned {type(env).__name__}, not a PettingZoo "
                "AEC or parallel env"
            )
        return env

    def check_renders(self) -> tuple[int, int]:
        """Make sure the env draws ``rgb_array`` frames, before a match is played for a video.

        :return: a frame's (height, width).
        :raises LeagueError: the env has no ``rgb_array`` render mode, its factory takes no
            ``render_mode``, or what it renders is not an RGB image.
        """
        label = f"--video: game {self.name} cannot draw rgb_array frames"
        how = "give its factory a render_mode argument and the env an rgb_array render mode"
        plain = self.make_aec()
        modes = list(plain.metadata.get("render_modes", []))
        plain.close()
        if "rgb_array" not in modes:
            raise LeagueError(f"{label} (its render modes: {', '.join(modes) or 'none'}); {how}")
        try:
            env = self.make_aec("rgb_array")
        except LeagueError:
            raise
        except Exception as exc:  # e.g. a factory without a render_mode argument
            raise LeagueError(f"{label} ({type(exc).__name__}: {exc}); {how}") from exc
        try:
            env.reset(seed=0)
            frame = env.render()
        finally:
            env.close()
        if not (isinstance(frame, np.ndarray) and frame.ndim == 3 and frame.shape[2] == 3):
            got = getattr(frame, "shape", type(frame).__name__)
            raise LeagueError(f"{label}: render() returned {got}, not an (H, W, 3) image; {how}")
        return int(frame.shape[0]), int(frame.shape[1])

    def seat_env(self, role: str, sampler: GameOpponentSampler) -> SeatEnv:
        """The role's seat (``left``: the first agent, ``right``: the second) as an env."""
        return SeatEnv(self, ("left", "right").index(role), sampler)

    def baseline(self, rng: np.random.Generator) -> RandomLegal:
        """The league's "cpu" in this game: random legal moves, seeded from ``rng``."""
        return RandomLegal(self.action_space.n, seed=int(rng.integers(2**63)))

    def sparring(self, rng: np.random.Generator) -> RandomLegal:
        """No sparring partner here: a config with a ``sparring_share`` is refused before."""
        raise LeagueError(f"{self.name} has no sparring partner: set sparring_share = 0")

    def evaluate(
        self,
        player: tuple[str, GamePolicy],
        side: int,
        opponents: Sequence[tuple[str, GamePolicy]],
        games: int,
        seed: int,
    ) -> list[MatchResult]:
        """``player`` in seat ``side`` against each opponent in the other, ``games`` games
        each, game i seeded ``seed + i`` (and reset with ``reset_options(i)``)."""
        player_id, policy = player
        options = (
            None if self.reset_options is None else [self.reset_options(i) for i in range(games)]
        )
        results = []
        for opponent_id, opponent in opponents:
            seats = (policy, opponent) if side == 0 else (opponent, policy)
            outcomes = play_games(
                self, [seats[0]] * games, [seats[1]] * games, range(seed, seed + games), options
            )
            a_first = np.full(games, side == 0)
            results.append(match_result(player_id, opponent_id, outcomes, a_first, seed))
        return results

    def split(self, observation: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """A seat's raw observation as (flat float32 vector, action mask or None)."""
        if self.masked:
            flat = spaces.flatten(self._raw_space, observation["observation"])
            return flat.astype(np.float32), np.asarray(observation["action_mask"], dtype=bool)
        return spaces.flatten(self._raw_space, observation).astype(np.float32), None


class SeatEnv(gym.Env):
    """One seat of a PettingZoo game, the other seat played by an opponent.

    :param game: the game.
    :param seat: 0 for the first of ``game.agents``, 1 for the second.
    :param opponent_sampler: ``(rng) -> (id, policy)``, called at every reset with the env's
        Generator.

    ``info`` carries ``opponent_id`` and ``score``: ``(1, 0)`` for a game won, ``(0, 1)`` lost,
    ``(0, 0)`` drawn or running, as Pong's env reports points, so the league reads both alike.
    The reward of a step is the sum of the seat's rewards from its move until its next turn.
    """

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, game: PettingZooGame, seat: int, opponent_sampler: GameOpponentSampler):
        if seat not in (0, 1):
            raise ValueError(f"seat={seat}; choose 0 or 1")
        self.game = game
        self.seat = seat
        self.me, self.them = game.agents[seat], game.agents[1 - seat]
        self.opponent_sampler = opponent_sampler
        self.observation_space = game.observation_space
        self.action_space = game.action_space
        self.env = game.make_aec()
        self.opponent_id, self.opponent = "", None
        self._mask: np.ndarray | None = None
        self._totals = {self.me: 0.0, self.them: 0.0}
        self._ended: str | None = None  # "terminated" or "truncated" once the game is over

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.env.reset(seed=int(self.np_random.integers(2**31)))
        self.opponent_id, self.opponent = self.opponent_sampler(self.np_random)
        self._totals = {self.me: 0.0, self.them: 0.0}
        self._ended = None
        self._opponents_turns()
        return self._observe(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        before = self._totals[self.me]
        if self._ended is None:
            self._step(int(action))
            self._opponents_turns()
        reward = self._totals[self.me] - before
        terminated, truncated = self._ended == "terminated", self._ended == "truncated"
        return self._observe(), reward, terminated, truncated, self._info()

    def action_masks(self) -> np.ndarray:
        """The legal actions now (all of them in a game without a mask): for MaskablePPO."""
        if self._mask is None:
            return np.ones(self.action_space.n, dtype=bool)
        return self._mask.copy()

    def render(self) -> Any:
        return self.env.render()

    def close(self) -> None:
        self.env.close()

    # ------------------------------------------------------------------ the game's turns

    def _step(self, action: int | None) -> None:
        """One move; then whether, and how, the game has ended (read once per move)."""
        env = self.env
        env.step(action)
        for agent in self.game.agents:
            self._totals[agent] += float(env.rewards.get(agent, 0.0))
        if any(env.terminations.get(a, False) for a in self.game.agents):
            self._ended = "terminated"
        elif not env.agents or any(env.truncations.get(a, False) for a in self.game.agents):
            self._ended = "truncated"

    def _opponents_turns(self) -> None:
        """Let the opponent move until it is this seat's turn or the game is over."""
        assert self.opponent is not None
        while self._ended is None and self.env.agent_selection != self.me:
            obs, mask = self.game.split(self.env.observe(self.them))
            self._step(move(self.opponent, obs, mask))

    def _observe(self) -> np.ndarray:
        obs, self._mask = self.game.split(self.env.observe(self.me))
        return obs

    def _info(self) -> dict[str, Any]:
        mine, theirs = self._totals[self.me], self._totals[self.them]
        score = (int(mine > theirs), int(theirs > mine)) if self._ended else (0, 0)
        return {"opponent_id": self.opponent_id, "score": score}


def move(policy: GamePolicy, obs: np.ndarray, mask: np.ndarray | None) -> int:
    """The policy's action for one observation; in a game without a mask, ``act(obs)`` alone,
    so Pong's players (``envs.scripted.Policy``) play unmasked games unchanged."""
    if mask is None:
        return int(policy.act(obs[None])[0])
    return int(policy.act(obs[None], mask[None])[0])


def play_games(
    game: PettingZooGame,
    first: Sequence[GamePolicy],
    second: Sequence[GamePolicy],
    seeds: Sequence[int],
    options: Sequence[dict[str, Any] | None] | None = None,
    max_moves: int = 100_000,
    filmed: int = 0,
    on_frame: FrameHook | None = None,
) -> Outcomes:
    """Play game i between ``first[i]`` (seat 0) and ``second[i]`` (seat 1), seeded ``seeds[i]``.

    :param options: per game, the options of the env's ``reset`` (default none).
    :param max_moves: a game still running after this many moves is a draw (a safeguard for
        games that may never end).
    :param filmed: the first ``filmed`` games are played on an env made with
        ``render_mode="rgb_array"`` (the same seeds and moves: the same games), and
        ``on_frame(i, frame)`` gets game i's frame after the reset and after every move.
    :param on_frame: see ``filmed``.
    :return: per game: ``left_points`` 1 where seat 0 won, ``right_points`` 1 where seat 1 won,
        ``terminated`` False for a draw, ``steps`` the moves played.
    """
    n = len(seeds)
    options = [None] * n if options is None else options
    if not len(first) == len(second) == len(options) == n:
        raise ValueError("first, second, seeds and options must have one entry per game")
    won = np.zeros((n, 2), dtype=np.int64)
    steps = np.zeros(n, dtype=np.int64)
    env = game.make_aec()
    camera = game.make_aec("rgb_array") if filmed else None
    try:
        for i in range(n):
            players = (first[i], second[i])
            if camera is not None and i < filmed:
                watch = functools.partial(_film, camera, i, on_frame)
                totals = _play_one(
                    game, camera, players, int(seeds[i]), options[i], max_moves, watch
                )
            else:
                totals = _play_one(game, env, players, int(seeds[i]), options[i], max_moves)
            steps[i] = totals.pop()
            if totals[0] != totals[1]:
                won[i, int(totals[1] > totals[0])] = 1
    finally:
        env.close()
        if camera is not None:
            camera.close()
    return Outcomes(won[:, 0], won[:, 1], steps, won.any(axis=1))


def _film(env: AECEnv, game: int, on_frame: FrameHook | None, /) -> None:
    if on_frame is not None:
        on_frame(game, np.asarray(env.render()))


def _play_one(
    game: PettingZooGame,
    env: AECEnv,
    players: tuple[GamePolicy, GamePolicy],
    seed: int,
    options: dict[str, Any] | None,
    max_moves: int,
    watch: Callable[[], None] | None = None,
) -> list[float]:
    """One game: [seat 0's rewards, seat 1's rewards, moves]; ``watch()`` after the reset and
    after every move."""
    env.reset(seed=seed, options=options)
    if watch is not None:
        watch()
    seat = {agent: k for k, agent in enumerate(game.agents)}
    totals = [0.0, 0.0]
    moves = 0
    for agent in env.agent_iter(max_iter=2 * max_moves):
        _, _, terminated, truncated, _ = env.last()
        if terminated or truncated:
            break
        obs, mask = game.split(env.observe(agent))
        env.step(move(players[seat[agent]], obs, mask))
        moves += 1
        if watch is not None:
            watch()
        for name, k in seat.items():
            totals[k] += float(env.rewards.get(name, 0.0))
    if abs(totals[0] + totals[1]) > 1e-6:
        raise LeagueError(
            f"game {game.name}: not zero-sum: a game ended with rewards {totals[0]:g} and "
            f"{totals[1]:g}; the league needs final rewards that sum to 0 (win +1, loss -1)"
        )
    return [*totals, moves]


def _flat_size(space: spaces.Space, name: str) -> int:
    if not isinstance(space, spaces.Box | spaces.Discrete | spaces.MultiBinary):
        raise LeagueError(
            f"game {name}: observations of type {type(space).__name__} are not supported; "
            "give a Box, Discrete or MultiBinary observation (or one under 'observation' with "
            "an 'action_mask')"
        )
    return int(spaces.flatdim(space))
