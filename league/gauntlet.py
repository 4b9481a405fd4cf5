"""The gauntlet: one player against every reference bot, to see how it plays beyond its league.

A league measures its snapshots against each other and the CPU, the opponents they trained on.
The gauntlet measures a player against scripted bots of distinct styles that no league trains
against (:mod:`envs.bots`), plus the CPU for reference. The overall score is the mean win rate
over the bots outside a league's training pool, so it does not reward learning the CPU by heart.

Every bot's match is laid out as ``pong-league pit TARGET BOT --games N --seed S`` plays it (game
i seeded ``S + i``, sides alternating in pairs), so a row equals that pit's result; all matches
run in one batch of ``6 N`` games.

A run of a PettingZoo game has a gauntlet of its reference players (:func:`run_game_gauntlet`):
random legal moves in every game, the perfect minimax player in tic-tac-toe, played as ``pit
TARGET BOT --run RUN`` plays them (seats alternating, the target first in even games). Random
legal moves are such a league's "cpu", a training opponent: the score counts them only in a game
that has no other reference player.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from envs.rules import Rules
from league.arena import a_plays_left, per_game, wilson_interval
from league.errors import LeagueError
from league.evaluation import match_result, play_games, returned_share
from league.players import Player, resolve_player
from league.results import MatchResult

if TYPE_CHECKING:
    from league.games.pettingzoo import PettingZooGame

GAUNTLET = ("interceptor", "edge", "delayed", "noisy", "follower", "cpu")
TRAINING_OPPONENTS = frozenset({"cpu"})  # in every league's pool: not counted in the score
# A PettingZoo game's "cpu" is random legal moves: "random" is in its leagues' pools.
GAME_TRAINING_OPPONENTS = frozenset({"cpu", "random"})
SIDES = "alternate"


@dataclass(frozen=True)
class GauntletRow:
    """The target's results against one bot.

    :param bot: the bot's name.
    :param games: games played.
    :param wins: games the target won.
    :param losses: games the target lost.
    :param draws: games truncated at the rules' ``max_steps``.
    :param win_rate: the target's score, a draw counted as half a win.
    :param ci95: the 95% Wilson interval of ``win_rate``.
    :param points_for: the target's mean points per game.
    :param points_against: the bot's mean points per game.
    :param training_opponent: whether leagues train against this bot (left out of the score).
    :param returned: the share of the bot's balls the target hit back (Pong under ``"always"``
        scoring, see :func:`league.evaluation.returned_share`; else ``None``).
    """

    bot: str
    games: int
    wins: int
    losses: int
    draws: int
    win_rate: float
    ci95: tuple[float, float]
    points_for: float
    points_against: float
    training_opponent: bool
    returned: float | None = None


@dataclass(frozen=True)
class GauntletReport:
    """A gauntlet run: a row per bot and the overall score.

    :param target: the target's display name.
    :param rows: one row per bot, in ``GAUNTLET`` order.
    :param games: games per bot.
    :param seed: seed of game 0 of every match (game i used ``seed + i``).
    :param seconds: wall-clock seconds of play.
    :param game: ``pong``, or the PettingZoo game played (its reference players as the bots,
        seats alternating every game).
    """

    target: str
    rows: tuple[GauntletRow, ...]
    games: int
    seed: int
    seconds: float
    game: str = "pong"

    @property
    def scored(self) -> tuple[GauntletRow, ...]:
        """The rows that count towards the score: bots outside the training pool, or every bot
        in a game that has no reference player outside it (random legal moves alone)."""
        outside = tuple(row for row in self.rows if not row.training_opponent)
        return outside or self.rows

    @property
    def score(self) -> float:
        """The mean win rate over the bots outside the training pool."""
        return float(np.mean([row.win_rate for row in self.scored]))

    @property
    def score_ci95(self) -> tuple[float, float]:
        """The 95% Wilson interval of the score, over the scored bots' games pooled."""
        games = sum(row.games for row in self.scored)
        return wilson_interval(sum(row.win_rate * row.games for row in self.scored), games)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for ``--json``)."""
        rows = []
        for row in self.rows:
            data = asdict(row)
            data["ci95"] = list(row.ci95)
            rows.append(data)
        return {
            "target": self.target,
            "game": self.game,
            "games_per_bot": self.games,
            "seed": self.seed,
            "sides": SIDES,
            "score": self.score,
            "score_ci95": list(self.score_ci95),
            "scored_bots": [row.bot for row in self.scored],
            "rows": rows,
            "seconds": self.seconds,
        }

    def to_text(self) -> str:
        """The report as a table for a terminal."""
        where = "" if self.game == "pong" else f" in {self.game}"
        seats = "sides" if self.game == "pong" else "seats"
        shots = any(row.returned is not None for row in self.rows)
        lines = [
            f"gauntlet of {self.target}{where}: {self.games:,} games per bot from seed "
            f"{self.seed}, {seats} {SIDES}",
            f"{'bot':<13}{'win rate':>9}  {'95% CI':<17}{'W':>6}{'D':>6}{'L':>6}"
            f"{'points for':>12}{'against':>9}" + (f"{'returned':>10}" if shots else ""),
        ]
        for row in self.rows:
            mark = " *" if row.training_opponent else ""
            lines.append(
                f"{row.bot + mark:<13}{row.win_rate:>9.1%}  {_interval(row.ci95):<17}"
                f"{row.wins:>6,}{row.draws:>6,}{row.losses:>6,}"
                f"{row.points_for:>12.2f}{row.points_against:>9.2f}"
                + (f"{_share(row.returned):>10}" if shots else "")
            )
        marked = ", ".join(row.bot for row in self.rows if row.training_opponent)
        n = len(self.scored)
        if any(row.training_opponent for row in self.scored):  # no bot outside the pool
            over = f"mean over the {n} bot{'s' * (n != 1)}: none is outside a league's pool"
            note = f"* {marked}: a training opponent of the league, in the score as the only bot"
        else:
            over = f"mean over the {n} bot{'s' * (n != 1)} outside a league's training pool"
            note = f"* {marked}: a training opponent of the league, not in the score"
        lines += [
            f"{'score':<13}{self.score:>9.1%}  {_interval(self.score_ci95):<17}{over}",
            f"{note}; a draw counts half",
            *(["returned: the share of the bot's balls the target hit back"] if shots else []),
            f"played {self.games * len(self.rows):,} games in {self.seconds:.1f} s",
        ]
        return "\n".join(lines)


def _interval(ci: tuple[float, float]) -> str:
    return f"[{ci[0]:.1%}, {ci[1]:.1%}]"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def check_games(games: int) -> None:
    """Refuse a number of games that would not balance sides and first serves.

    :raises LeagueError: unless ``games`` is a positive multiple of 4.
    """
    if games < 4 or games % 4:
        raise LeagueError(
            f"--games {games}: the gauntlet plays a multiple of 4 games per bot (each side and "
            "first serve equally often), e.g. 400"
        )


def check_seed(seed: int) -> None:
    """:raises LeagueError: for a negative seed."""
    if seed < 0:
        raise LeagueError(f"--seed {seed}: seeds are integers >= 0")


def run_gauntlet(
    target: Player, rules: Rules, frame_stack: int = 4, games: int = 400, seed: int = 0
) -> GauntletReport:
    """Play ``target`` against every bot of ``GAUNTLET``, ``games`` games each, in one batch.

    :param target: the player to measure.
    :param rules: the rules of the game.
    :param frame_stack: frames per observation.
    :param games: games per bot, a positive multiple of 4 (400 gives intervals of +-5 points).
    :param seed: game i of every match is seeded ``seed + i``.
    :return: the report.
    :raises LeagueError: for a bad number of games or seed.
    """
    check_games(games)
    check_seed(seed)
    bots = [resolve_player(name, None, rules, frame_stack, seed=seed + 1) for name in GAUNTLET]
    a_left = a_plays_left(games, SIDES)
    left, right = [], []
    for bot in bots:
        mine = target.policies(games, seed)  # a mixed target draws the same members per bot
        left += [m if is_a else bot.policy for m, is_a in zip(mine, a_left, strict=True)]
        right += [bot.policy if is_a else m for m, is_a in zip(mine, a_left, strict=True)]
    seeds = [seed + i for _ in bots for i in range(games)]
    serves = [i % 2 for _ in bots for i in range(games)]
    started = time.perf_counter()
    outcomes = play_games(rules, left, right, seeds, frame_stack, first_serve=serves)
    seconds = time.perf_counter() - started
    rows = []
    for k, bot in enumerate(bots):
        block = slice(k * games, (k + 1) * games)
        part = outcomes.rows(block)
        result = match_result(target.id, bot.id, part, a_left, seed)
        rows.append(_row(bot.id, result, returned=returned_share(part, a_left, rules)))
    return GauntletReport(target.id, tuple(rows), games, seed, seconds)


def run_game_gauntlet(
    target: Player, run_dir: Path, game: PettingZooGame, games: int = 400, seed: int = 0
) -> GauntletReport:
    """Play ``target`` against each reference player of a PettingZoo game, ``games`` games each.

    Each row is the match ``pong-league pit TARGET BOT --run RUN --games N --seed S`` plays
    (:func:`league.games.arena.play_game_match`, seats alternating every game).

    :param target: the player to measure (see :func:`league.games.arena.resolve_game_player`).
    :param run_dir: the run of ``game``.
    :param game: the run's game.
    :param games: games per bot, a positive multiple of 4 (400 gives intervals of +-5 points).
    :param seed: game i of every match is seeded ``seed + i``.
    :raises LeagueError: for a bad number of games or seed.
    """
    from league.games.arena import (
        alternate_seats,
        gauntlet_names,
        play_game_match,
        resolve_game_player,
    )

    check_games(games)
    check_seed(seed)
    a_first = alternate_seats(games, SIDES)
    rows, seconds = [], 0.0
    for name in gauntlet_names(game):
        bot = resolve_game_player(name, run_dir, game, seed + 1)  # pit's player B
        outcomes, took = play_game_match(game, target, bot, seed, a_first)
        seconds += took
        result = match_result(target.id, bot.id, outcomes, a_first, seed)
        rows.append(_row(bot.id, result, GAME_TRAINING_OPPONENTS))
    return GauntletReport(target.id, tuple(rows), games, seed, seconds, game=game.name)


def _row(
    bot: str,
    result: MatchResult,
    training: frozenset[str] = TRAINING_OPPONENTS,
    returned: float | None = None,
) -> GauntletRow:
    return GauntletRow(
        bot=bot, **per_game(result), training_opponent=bot in training, returned=returned
    )
