"""``pit`` for a run of a PettingZoo game: its players by name and a match with seats alternating.

A player of such a run is a snapshot id of the run, ``nash:left`` / ``nash:right``,
``ensemble:left`` / ``ensemble:right`` (of a run of value networks), ``cpu``
(the league's baseline for the game: random legal moves), ``random`` or, in tic-tac-toe,
``minimax`` (perfect play). Player A takes the first seat in even games and the second in odd
ones, so it moves first in half the games: a match of an even number of games between snapshots
of the two roles is balanced by seat and may be recorded into the run (``pit --record``).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from league.errors import LeagueError, did_you_mean
from league.evaluation import Outcomes
from league.games.pettingzoo import FrameHook, PettingZooGame, play_games
from league.games.reference import RandomLegal, TicTacToeMinimax
from league.players import ENSEMBLE_PREFIX, Player, ensemble_player, nash_player
from league.policies import NumpyPolicy
from league.store import LeagueStore

TICTACTOE = "tictactoe"


def scripted_names(game: PettingZooGame) -> list[str]:
    """The reference players this game has."""
    return ["cpu", "random", "minimax"] if TICTACTOE in game.name else ["cpu", "random"]


def gauntlet_names(game: PettingZooGame) -> list[str]:
    """The reference players a gauntlet of this game meets: its scripted players but ``cpu``,
    which is ``random`` seeded otherwise."""
    return [name for name in scripted_names(game) if name != "cpu"]


def resolve_game_player(spec: str, run_dir: Path, game: PettingZooGame, seed: int) -> Player:
    """The player ``spec`` names in a run of ``game``.

    :raises LeagueError: nothing of that name, with the names that exist.
    """
    word = spec.strip().lower()
    if word == "cpu":  # what the league calls the game's baseline (random legal moves)
        return Player("cpu", game.baseline(np.random.default_rng(seed)))
    if word == "random":
        return Player("random", RandomLegal(game.action_space.n, seed=seed))
    if word == "minimax" and "minimax" in scripted_names(game):
        return Player("minimax", TicTacToeMinimax(seed=seed))
    if word.startswith("nash:"):
        return nash_player(word[len("nash:") :], run_dir, game.observation_space.shape[0])
    if word.startswith(ENSEMBLE_PREFIX):  # a DQN run's; MaskablePPO's logits are refused
        body = spec.strip()[len(ENSEMBLE_PREFIX) :]
        return ensemble_player(body, run_dir, game.observation_space.shape[0])
    with LeagueStore.open(Path(run_dir), readonly=True) as store:
        ids = {s.id.lower(): s.id for s in store.snapshots()}
        if word not in ids:
            names = [*scripted_names(game), "nash:left", "nash:right"]
            hint = did_you_mean(spec, [*ids.values(), *names])
            raise LeagueError(
                f"unknown player {spec!r} in {run_dir} ({game.name}): {hint + ' ' if hint else ''}"
                f"give a snapshot id of the run, {', '.join(names)}"
            )
        record = store.snapshot(ids[word])
        npz = store.resolve(record.npz_path)
    return Player(record.id, NumpyPolicy.load(npz), record.id)


def play_game_match(
    game: PettingZooGame,
    a: Player,
    b: Player,
    seed: int,
    a_first: np.ndarray,
    filmed: int = 0,
    on_frame: FrameHook | None = None,
) -> tuple[Outcomes, float]:
    """Play one game per entry of ``a_first``: A in the first seat where it is True; a mixed
    player draws its member per game; game i is seeded ``seed + i``.

    :param filmed: how many of the first games to film (see
        :func:`~league.games.pettingzoo.play_games`).
    :param on_frame: gets ``(game, frame)`` for every position of a filmed game.
    :return: the outcomes from the first seat's view, and the seconds they took.
    """
    games = len(a_first)
    mine, theirs = a.policies(games, seed), b.policies(games, seed + 1)
    first = [m if f else t for m, t, f in zip(mine, theirs, a_first, strict=True)]
    second = [t if f else m for m, t, f in zip(mine, theirs, a_first, strict=True)]
    started = time.perf_counter()
    outcomes = play_games(
        game, first, second, range(seed, seed + games), filmed=filmed, on_frame=on_frame
    )
    return outcomes, time.perf_counter() - started


def alternate_seats(games: int, sides: str) -> np.ndarray:
    """Per game, whether A takes the first seat: even games (``alternate``) or all (``fixed``)."""
    return np.arange(games) % 2 == 0 if sides == "alternate" else np.ones(games, dtype=bool)
