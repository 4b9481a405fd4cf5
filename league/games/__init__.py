"""Games beyond the built-in Pong: two-player zero-sum PettingZoo envs as league games.

``league.games.pettingzoo`` turns a PettingZoo env into a single-seat Gymnasium env with an
opponent sampler and into seeded games between two policies; ``league.games.reference`` holds
reference players (random legal moves, perfect tic-tac-toe); :func:`load_game` resolves a game
name as the CLI will take it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import gymnasium as gym
import numpy as np

from league.errors import LeagueError
from league.games.pettingzoo import PettingZooGame, play_games
from league.games.pong import PongGame
from league.games.reference import RandomLegal
from league.players import PY_PREFIX, import_user_module
from league.results import MatchResult

if TYPE_CHECKING:
    from league.config import LeagueConfig


class Game(Protocol):
    """What the league asks of a game (:class:`PongGame`, :class:`PettingZooGame`).

    Roles are ``"left"`` and ``"right"`` (Pong's paddles, a PettingZoo env's first and second
    agent); policies meet the game's policy protocol (``act(obs)``, plus ``action_mask`` in a
    masked game).
    """

    name: str
    masked: bool

    def seat_env(self, role: str, sampler: Any) -> gym.Env:
        """One role as a single-agent env; the other role is drawn from ``sampler(rng)`` at
        every reset and ``info`` carries ``opponent_id`` and ``score`` (own, other)."""
        ...

    def baseline(self, rng: np.random.Generator) -> Any:
        """The scripted player called ``cpu`` in the league, its randomness from ``rng``."""
        ...

    def sparring(self, rng: np.random.Generator) -> Any:
        """The scripted player called ``sparring`` (a ``sparring_share`` of a main agent's
        episodes); a game without one raises ``LeagueError`` (the config refuses the share)."""
        ...

    def evaluate(
        self,
        player: tuple[str, Any],
        side: int,
        opponents: Sequence[tuple[str, Any]],
        games: int,
        seed: int,
    ) -> list[MatchResult]:
        """``player`` in role ``side`` (0 left) against each opponent, seeded games."""
        ...


def game_of(config: LeagueConfig) -> Game:
    """The game a league config names."""
    if config.game == "pong":
        return PongGame(config.game_rules(), config.frame_stack, config.training_rules())
    return load_game(config.game)


def load_game(name: str) -> PettingZooGame:
    """A PettingZoo game from its name.

    :param name: a module with an ``env()`` function (``pettingzoo.classic.tictactoe_v3``), or
        ``py:MODULE:FACTORY`` / ``py:path/to/file.py:FACTORY`` for a function that returns a
        PettingZoo env.
    :raises LeagueError: the module or the factory cannot be found, or the env is not a game
        the league can play (see :class:`~league.games.pettingzoo.PettingZooGame`).
    """
    label = f"bad game {name!r}"
    if name.startswith(PY_PREFIX):
        source, sep, attr = name[len(PY_PREFIX) :].rpartition(":")
        if not sep or not source or not attr:
            raise LeagueError(
                f"{label}: write py:MODULE:FACTORY or py:path/to/file.py:FACTORY, or a module "
                "with an env() function such as pettingzoo.classic.tictactoe_v3"
            )
    else:
        source, attr = name, "env"
    module = import_user_module(label, source)
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise LeagueError(f"{label}: {source} has no function {attr}() that makes the env")
    try:
        game = PettingZooGame(factory, name)
        # A few games of random legal moves: a game that is not zero-sum is refused here, before
        # a run folder is made, rather than in generation 0's evaluation.
        n = game.action_space.n
        play_games(game, [RandomLegal(n, 0)] * 4, [RandomLegal(n, 1)] * 4, range(4))
        return game
    except LeagueError:
        raise
    except Exception as exc:  # the user's factory failed
        raise LeagueError(f"{label}: {attr}() raised {type(exc).__name__}: {exc}") from exc
