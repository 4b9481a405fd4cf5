"""The pit: any two players, many games in one batch, a win rate with its confidence interval.

``pong-league pit A B`` is a thin shell over :func:`pit`. Every game of the match runs in one call
of :func:`~league.evaluation.play_games`: game i is seeded ``seed + i`` and serves its first ball
to the left when i is even. With ``sides="alternate"`` A plays left in games 0 and 1 of every four
and right in games 2 and 3, so in four games A meets each side and each first serve once: a match
of a multiple of four games is balanced by side and by first serve (``"fixed"``: A always left).
Only a balanced match between snapshots of the run's two roles may be added to the run's
database (``--record``: :func:`refuse_record` before play, :func:`record_pit` after), in Pong and
in a PettingZoo game alike; there A takes the first seat in even games, so an even number of
games balances seats.
The first ``record`` games can be kept as state rows for a video of exactly the games counted,
filmed (:func:`film`) with a title card before each game.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from envs.engine import N_FIELDS, TERMINATED, TRUNCATED
from envs.render import SEATS
from envs.replay import STILL_FPS, SUFFIXES, Card, Recorder, Slideshow
from envs.rules import Rules
from league.errors import LeagueError
from league.evaluation import Outcomes, StepHook, match_result, play_games
from league.players import Player
from league.results import MatchResult

SIDES = ("alternate", "fixed")
Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile
VIDEO_FPS = 60
VIDEO_SPEED = 2.5  # a 1,000-step rally (16.7 s of play) in 6.7 s
GAME_MOVE_SECONDS = 1.0  # a PettingZoo game's position in a video, at speed 1 (0.4 s at 2.5)


def wilson_interval(successes: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a success rate, e.g. a win rate with draws counted as half.

    Unlike the normal approximation it stays inside [0, 1] and is sensible at 0 or n
    successes, which a match between unequal players often has.

    :param successes: wins (a draw may count as half, so not necessarily an integer).
    :param n: trials (games).
    :param z: the normal quantile of the confidence level (1.96 for 95%).
    :return: (low, high); (0, 1) when there are no trials.
    :raises ValueError: if ``successes`` is outside [0, n] or n is negative.
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class PitReport:
    """A's results against B over a whole match, as ``pit`` prints them.

    :param a: A's display name.
    :param b: B's display name.
    :param games: games played.
    :param wins: games A won.
    :param losses: games A lost.
    :param draws: games truncated at ``max_steps``.
    :param win_rate: A's score, a draw counted as half a win.
    :param ci95: the 95% Wilson interval of ``win_rate``.
    :param points_for: A's mean points per game.
    :param points_against: B's mean points per game.
    :param mean_length: mean game length in steps.
    :param seed: seed of game 0 (game i used ``seed + i``).
    :param sides: ``"alternate"`` or ``"fixed"``.
    :param seconds: wall-clock seconds the games took.
    :param recorded_in: the database the results were added to, if any.
    :param not_recorded: why the results were not added to a run's database, if they were not.
    :param video: the video file written, if any.
    """

    a: str
    b: str
    games: int
    wins: int
    losses: int
    draws: int
    win_rate: float
    ci95: tuple[float, float]
    points_for: float
    points_against: float
    mean_length: float
    seed: int
    sides: str
    seconds: float
    recorded_in: str | None = None
    not_recorded: str | None = None
    video: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ci95"] = list(self.ci95)
        return data

    def to_text(self) -> str:
        """The report as a few lines for a terminal."""
        low, high = self.ci95
        speed = self.games / self.seconds if self.seconds > 0 else float("inf")
        lines = [
            f"{self.a} vs {self.b}: {self.games:,} games from seed {self.seed}, sides {self.sides}",
            f"{self.a}: {_count(self.wins, 'win')}, {_count(self.losses, 'loss')}, "
            f"{_count(self.draws, 'draw')}",
            f"win rate {self.win_rate:.1%} (95% CI {low:.1%} to {high:.1%}; a draw counts half)",
            f"points per game: {self.points_for:.2f} for, {self.points_against:.2f} against",
            f"mean game length: {self.mean_length:,.0f} steps",
            f"played in {self.seconds:.2f} s ({speed:,.0f} games/s)",
        ]
        if self.recorded_in is not None:
            lines.append(f"results added to {self.recorded_in} (source pit)")
        if self.not_recorded is not None:
            lines.append(f"results not recorded: {self.not_recorded}")
        if self.video is not None:
            lines.append(f"video: {self.video}")
        return "\n".join(lines)


def _count(n: int, word: str) -> str:
    plural = word + ("es" if word.endswith("s") else "s")
    return f"{n:,} {word if n == 1 else plural}"


@dataclass
class Match:
    """A played match: the per-game outcomes, which games A played left, and the kept games.

    :param outcomes: per-game outcomes from the left side's view.
    :param a_left: per game, whether A played left.
    :param seconds: wall-clock seconds of play.
    :param recorded: per game kept for a video, of the first ones: Pong's state rows
        (T, N_FIELDS), or a PettingZoo game's ``rgb_array`` frames, one per position.
    """

    outcomes: Outcomes
    a_left: np.ndarray
    seconds: float
    recorded: list[Any] = field(default_factory=list)


def a_plays_left(games: int, sides: str) -> np.ndarray:
    """Per game, whether A plays left: games 0, 1 of every 4 (``alternate``) or all (``fixed``).

    Game i serves to ``i % 2``: alternating in pairs gives A each (side, first serve) pair once
    in every four games. Alternating every game would give A the first ball of every game, a
    measured 8 to 15 points of win rate.
    """
    if sides not in SIDES:
        raise LeagueError(f"unknown --sides {sides!r}; choose one of: {', '.join(SIDES)}")
    if sides == "fixed":
        return np.ones(games, dtype=np.bool_)
    return (np.arange(games) // 2) % 2 == 0


@dataclass(frozen=True)
class Balance:
    """What a balanced match is in a game: ``--sides alternate`` over whole cycles of games.

    :param cycle: games in which alternating sides give A each seat (in Pong, each side with
        each first serve) once.
    :param by: what the cycle balances, in words.
    """

    cycle: int
    by: str


PONG_BALANCE = Balance(4, "side and first serve")  # see a_plays_left
SEAT_BALANCE = Balance(2, "seat")  # a PettingZoo game: A takes the first seat in even games


def balanced(games: int, sides: str, balance: Balance = PONG_BALANCE) -> bool:
    """Whether a match gives A each side (and in Pong each first serve) equally often."""
    return sides == "alternate" and games % balance.cycle == 0


class _GameRecorder:
    """An ``on_step`` hook keeping the first games' state rows until each of them ends."""

    def __init__(self, games: int) -> None:
        self.rows: list[list[np.ndarray]] = [[] for _ in range(games)]
        self.open = np.ones(games, dtype=np.bool_)

    def __call__(self, state: np.ndarray) -> None:
        if not self.open.any():
            return
        for k in np.flatnonzero(self.open):
            self.rows[k].append(state[k].copy())
        kept = state[: len(self.rows)]
        self.open &= (kept[:, TERMINATED] == 0.0) & (kept[:, TRUNCATED] == 0.0)

    def games(self) -> list[np.ndarray]:
        return [np.array(rows).reshape(len(rows), N_FIELDS) for rows in self.rows]


def play_match(
    rules: Rules,
    a: Player,
    b: Player,
    games: int,
    seed: int = 0,
    sides: str = "alternate",
    frame_stack: int = 4,
    record: int = 0,
    on_step: StepHook | None = None,
) -> Match:
    """Play ``games`` games of A against B in one batch.

    :param rules: the rules.
    :param a: player A.
    :param b: player B.
    :param games: number of games, >= 1.
    :param seed: game i is seeded ``seed + i``.
    :param sides: ``"alternate"`` (A left in games 0, 1 of every 4) or ``"fixed"`` (A always left).
    :param frame_stack: frames per observation.
    :param record: keep the state rows of the first ``record`` games (for a video).
    :param on_step: called with the engine's state after the reset and every step (see
        :func:`~league.evaluation.play_games`); not with ``record``.
    :return: the match.
    :raises LeagueError: for a bad number of games, recorded games or sides.
    """
    if games < 1:
        raise LeagueError(f"--games {games}: play at least one game")
    if not 0 <= record <= games:
        raise LeagueError(f"record={record}: record between 0 and all {games} games")
    a_left = a_plays_left(games, sides)
    # A mixed player (nash:left) draws its member per game; the two draws are independent.
    mine, theirs = a.policies(games, seed), b.policies(games, seed + 1)
    left = [m if is_a else t for m, t, is_a in zip(mine, theirs, a_left, strict=True)]
    right = [t if is_a else m for m, t, is_a in zip(mine, theirs, a_left, strict=True)]
    seeds = [seed + i for i in range(games)]
    if record and on_step is not None:
        raise ValueError("record a video or watch the steps, not both")
    hook = _GameRecorder(record) if record else on_step
    started = time.perf_counter()
    outcomes = play_games(rules, left, right, seeds, frame_stack, on_step=hook)
    seconds = time.perf_counter() - started
    games_kept = hook.games() if isinstance(hook, _GameRecorder) else []
    return Match(outcomes, a_left, seconds, games_kept)


def match_results(a: str, b: str, match: Match, seed: int) -> list[MatchResult]:
    """The match as one :class:`MatchResult` per orientation A played (a = A, b = B).

    :return: A-as-left first, then A-as-right; an orientation A never played is left out.
    """
    results = []
    for on_left in (True, False):
        mask = match.a_left == on_left
        if mask.any():
            part = match.outcomes.rows(mask)
            results.append(match_result(a, b, part, match.a_left[mask], seed))
    return results


def per_game(total: MatchResult) -> dict[str, Any]:
    """A result's figures as every report shows them, from a's side: games, wins, losses, draws,
    the win rate (a draw counts half) with its 95% Wilson interval, points per game."""
    n = total.games
    return {
        "games": n,
        "wins": total.wins,
        "losses": total.losses,
        "draws": total.draws,
        "win_rate": total.score,
        "ci95": wilson_interval(total.wins + 0.5 * total.draws, n),
        "points_for": total.points_for / n,
        "points_against": total.points_against / n,
    }


def report(a: Player, b: Player, match: Match, seed: int, sides: str) -> PitReport:
    """Sum a match into A's report."""
    total = match_result(a.id, b.id, match.outcomes, match.a_left, seed)
    return PitReport(
        a=a.id,
        b=b.id,
        **per_game(total),
        mean_length=total.steps / total.games,
        seed=seed,
        sides=sides,
        seconds=match.seconds,
    )


def check_video_path(path: Path) -> Path:
    """Refuse a video path that cannot be written before any game is played."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise LeagueError(f"--video {path}: use a .mp4 (H.264) or .gif file name")
    if not path.parent.is_dir():
        raise LeagueError(f"--video {path}: the folder {path.parent} does not exist")
    return path


def check_video_speed(speed: float) -> float:
    """Refuse a playback speed that is not a number > 0 before any game is played."""
    if not (math.isfinite(speed) and speed > 0):
        raise LeagueError(
            f"--video-speed {speed:g}: give a number > 0 (2 plays twice as fast as real time)"
        )
    return speed


def _games_won(a: str, b: str, a_won: np.ndarray, b_won: np.ndarray) -> str:
    draws = len(a_won) - int(a_won.sum()) - int(b_won.sum())
    tail = f", {_count(draws, 'draw')}" if draws else ""
    return f"{a} {int(a_won.sum())} - {int(b_won.sum())} {b}{tail}"


def match_cards(
    a: str,
    b: str,
    match: Match,
    seats: tuple[str, str] = SEATS,
    draw: str = " (a draw: stopped at the step limit)",
) -> list[Card]:
    """The title cards of a match's recorded games: one before each game, one at the end.

    The card before a game says which game of how many it is, the games each player has won
    so far (and the points of the game before), and who plays which seat; the last card, the
    games won in all.

    :param a: player A's name.
    :param b: player B's name.
    :param match: the match, with its first games recorded.
    :param seats: what the seats are called (Pong's left and right; an env's agents).
    :param draw: what follows the points of a game that was drawn.
    :return: ``len(match.recorded) + 1`` cards.
    """
    shown = len(match.recorded)
    a_left = match.a_left[:shown]
    outcomes = match.outcomes.rows(slice(0, shown))
    a_won = np.where(a_left, outcomes.left_won, outcomes.right_won)
    b_won = np.where(a_left, outcomes.right_won, outcomes.left_won)
    a_pts = np.where(a_left, outcomes.left_points, outcomes.right_points)
    b_pts = np.where(a_left, outcomes.right_points, outcomes.left_points)

    def ended(k: int) -> str:
        note = "" if outcomes.terminated[k] else draw
        return f"game {k + 1}: {a} {a_pts[k]} - {b_pts[k]} {b}{note}"

    cards = []
    for k in range(shown):
        lines = [_games_won(a, b, a_won[:k], b_won[:k]), "games won so far"]
        if k > 0:
            lines.append(ended(k - 1))
        sides = (a, b) if a_left[k] else (b, a)
        cards.append(Card(f"game {k + 1} of {shown}", tuple(lines), sides, seats=seats))
    won = _games_won(a, b, a_won, b_won)
    cards.append(Card(f"after {_count(shown, 'game')}", (won, "games won", ended(shown - 1))))
    return cards


def film(rules: Rules, a: Player, b: Player, match: Match) -> Recorder:
    """The recorded games as one recording, with a title card before each and one at the end
    (:func:`match_cards`). In the games, the names under the scores follow the sides.

    :param rules: the rules the games were played under.
    :param a: player A.
    :param b: player B.
    :param match: the match, with its first games recorded.
    :return: the recorder, ready to save.
    """
    cards = match_cards(a.id, b.id, match)
    recorder = Recorder(rules)
    for card, rows in zip(cards, match.recorded, strict=False):
        recorder.add_card(card)
        recorder.add_game(rows, card.sides)
    recorder.add_card(cards[-1])
    return recorder


def save_video(
    rules: Rules,
    a: Player,
    b: Player,
    match: Match,
    path: Path,
    speed: float = VIDEO_SPEED,
    progress: bool = False,
) -> Path:
    """Write the recorded games with their cards (see :func:`film`) at ``speed`` times real time.

    :param progress: show a bar over the frames on stderr while they are drawn and encoded
        (none when stderr is not a terminal).
    """
    return write_video(film(rules, a, b, match), path, VIDEO_FPS, speed, progress)


def write_video(
    recording: Recorder | Slideshow, path: Path, fps: int, speed: float, progress: bool
) -> Path:
    """Save a recording (Pong's :class:`Recorder`, a game's :class:`Slideshow`), with a bar
    over its frames on stderr if ``progress`` (none when stderr is not a terminal)."""
    if not progress:
        return recording.save(path, fps=fps, speed=speed)
    from tqdm import tqdm

    # The style of league.progress's training bars; not imported from there, since that module
    # loads SB3 and torch (4 s more for a pit on 2 cores).
    with tqdm(
        total=recording.frame_count(path, fps, speed),
        desc=f"writing {path.name}",
        unit="frame",
        leave=False,
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None,  # none when stderr is not a terminal (a log, a pipe)
    ) as bar:
        return recording.save(path, fps=fps, speed=speed, on_frames=bar.update)


def why_not_recorded(
    record: bool,
    run_dir: Path | str | None,
    a: Player,
    b: Player,
    games: int,
    sides: str,
    same_rules: bool = True,
    balance: Balance = PONG_BALANCE,
) -> str | None:
    """Why a pit's results may not go into the run's database, or ``None`` when they may.

    They may when asked (``--record``), between snapshots of the two roles of the run (two of one
    role meet in no cell of the matrix), under the run's own rules (the matrix never mixes two
    sets of rules), and balanced (in Pong by side and first serve: the first ball is worth 8 to
    15 points of win rate; in a PettingZoo game by seat, the first seat moving first), so that
    only such a match may feed PFSP, ratings and Nash.

    :param record: whether ``--record`` was given.
    :param run_dir: the ``--run``, if any.
    :param a: player A.
    :param b: player B.
    :param games: the number of games.
    :param sides: ``"alternate"`` or ``"fixed"``.
    :param same_rules: whether the games were played under the run's rules.
    :param balance: what a balanced match is in the run's game.
    :return: the reason, as a phrase for "results not recorded: ...".
    """
    if not record:
        if run_dir is None:
            return None  # nothing to record into: nothing to explain
        return "not asked (--record adds a balanced match of the run's two roles to its matrix)"
    if run_dir is None:
        return "--record needs --run RUN_DIR, the run whose database receives them"
    ids = (a.snapshot_id, b.snapshot_id)
    if None in ids:
        others = [p.id for p in (a, b) if p.snapshot_id is None]
        verb = "is" if len(others) == 1 else "are"
        return f"{' and '.join(others)} {verb} no snapshot of {run_dir}"
    roles = [str(i).split("-")[0] for i in ids]
    if roles[0] == roles[1]:
        return (
            f"both are {roles[0]} snapshots; two snapshots of one role meet in no cell of the "
            "matrix"
        )
    if not same_rules:
        return "played under other rules than the run's; the matrix never mixes two sets of rules"
    if not balanced(games, sides, balance):
        count = "an even number of" if balance.cycle == 2 else f"a multiple of {balance.cycle}"
        return (
            f"not balanced by {balance.by} (needs --sides alternate and {count} games; "
            f"got --sides {sides}, {games} games)"
        )
    return None


def refuse_record(record: bool, reason: str | None) -> str | None:
    """Before any game is played: refuse a ``--record`` that :func:`why_not_recorded` forbids.

    :param record: whether ``--record`` was given.
    :param reason: what :func:`why_not_recorded` said of the match.
    :return: ``reason``, for the report, when nothing was asked (or there is no run to record
        into: ``None``).
    :raises LeagueError: when ``--record`` was asked and may not be honoured, with the reason.
    """
    if record and reason is not None:
        raise LeagueError(f"pit --record: results not recorded: {reason}; nothing was played")
    return reason


def record_pit(
    result: PitReport,
    run_dir: Path | str | None,
    a: Player,
    b: Player,
    match: Match,
    not_recorded: str | None,
) -> PitReport:
    """Add a played match to the run's database, unless :func:`refuse_record` said why not.

    The one way a pit enters a run, Pong's or a PettingZoo game's: table ``results``, source
    ``"pit"``, one row per orientation A played, A as ``a`` (see :func:`match_results`).

    :param result: A's report of the match.
    :param run_dir: the run, if any.
    :param match: the match played.
    :param not_recorded: what :func:`refuse_record` returned before the match.
    :return: the report, saying where the results went or why they did not.
    """
    if not_recorded is not None:
        return replace(result, not_recorded=not_recorded)
    if run_dir is None:
        return result  # no run, nothing asked: nothing to say
    from league.store import LeagueStore

    assert a.snapshot_id is not None and b.snapshot_id is not None
    with LeagueStore.open(Path(run_dir)) as store:
        store.add_results(match_results(a.snapshot_id, b.snapshot_id, match, result.seed), "pit")
        return replace(result, recorded_in=str(store.path))


def pit(
    a_spec: str,
    b_spec: str,
    run_dir: Path | str | None = None,
    games: int = 100,
    seed: int = 0,
    rules_name: str | None = None,
    sides: str = "alternate",
    video: Path | str | None = None,
    video_games: int = 1,
    video_speed: float = VIDEO_SPEED,
    record: bool = False,
    progress: bool = False,
) -> PitReport:
    """``pong-league pit``: resolve both players, play the match, film it, store it if asked.

    Results go into the run's database (source ``"pit"``, one row per orientation, see
    :func:`record_pit`) only when asked and allowed (see :func:`why_not_recorded`); a
    ``--record`` that is not allowed is refused before any game is played. In a run of a
    PettingZoo game the same rules hold, the match balanced by seat (:data:`SEAT_BALANCE`).

    :param a_spec: player A (see :mod:`league.players`).
    :param b_spec: player B.
    :param run_dir: the run whose snapshot ids the specs may name, whose rules and frame stack
        are used, and whose database receives the results.
    :param games: number of games.
    :param seed: game i is seeded ``seed + i``.
    :param rules_name: a rules preset instead of the run's rules (default ``classic``).
    :param sides: ``"alternate"`` or ``"fixed"``.
    :param video: a ``.mp4`` or ``.gif`` to write the first ``video_games`` games to.
    :param video_games: how many of the games the video shows.
    :param video_speed: the video plays this many times faster than real time (frames dropped).
    :param record: store the results in the run's database (when they qualify).
    :param progress: show a progress bar on stderr while the video is written.
    :return: A's report.
    :raises LeagueError: for anything the user can fix (a ``--record`` that may not be
        honoured included), before any game is played.
    """
    from league.players import game_settings, resolve_player

    if games < 1:
        raise LeagueError(f"--games {games}: play at least one game")
    if seed < 0:
        raise LeagueError(f"--seed {seed}: seeds are integers >= 0")
    if sides not in SIDES:
        raise LeagueError(f"unknown --sides {sides!r}; choose one of: {', '.join(SIDES)}")
    if video is not None and not 1 <= video_games <= games:
        raise LeagueError(
            f"--video-games {video_games}: record between 1 and --games ({games}) games"
        )
    check_video_speed(video_speed)
    if run_dir is not None and run_game(run_dir) != "pong":
        film_it = GameVideo(Path(video), video_games, video_speed, progress) if video else None
        return _pit_game(a_spec, b_spec, Path(run_dir), games, seed, sides, record, film_it)
    rules, frame_stack = game_settings(run_dir, rules_name)
    run_rules = game_settings(run_dir, None)[0] if run_dir is not None else None
    video_path = check_video_path(Path(video)) if video is not None else None
    a = resolve_player(a_spec, run_dir, rules, frame_stack, seed=seed)
    b = resolve_player(b_spec, run_dir, rules, frame_stack, seed=seed + 1)
    reason = why_not_recorded(record, run_dir, a, b, games, sides, rules == run_rules)
    not_recorded = refuse_record(record, reason)
    match = play_match(
        rules, a, b, games, seed, sides, frame_stack, record=video_games if video_path else 0
    )
    result = report(a, b, match, seed, sides)
    if video_path is not None:
        save_video(rules, a, b, match, video_path, video_speed, progress)
        result = replace(result, video=str(video_path))
    return record_pit(result, run_dir, a, b, match, not_recorded)


def run_game(run_dir: Path | str) -> str:
    """The game a run plays: ``pong`` or a PettingZoo game's name (see ``--game``)."""
    from league.store import LeagueStore

    with LeagueStore.open(Path(run_dir), readonly=True) as store:
        return str(store.config().get("game", "pong"))


@dataclass(frozen=True)
class GameVideo:
    """What ``pit --video`` asks of a PettingZoo game's match.

    :param path: the ``.mp4`` or ``.gif`` to write.
    :param games: how many of the first games it shows.
    :param speed: a position shows ``GAME_MOVE_SECONDS / speed`` seconds.
    :param progress: a bar on stderr while it is written.
    """

    path: Path
    games: int
    speed: float = VIDEO_SPEED
    progress: bool = False


def _pit_game(
    a_spec: str,
    b_spec: str,
    run_dir: Path,
    games: int,
    seed: int,
    sides: str,
    record: bool,
    video: GameVideo | None = None,
) -> PitReport:
    """``pit`` in a run of a PettingZoo game (see :mod:`league.games.arena`); with ``video``,
    its first games filmed from the env's ``rgb_array`` frames as they are played; with
    ``record``, stored as Pong's are when balanced by seat (an even number of games)."""
    from league.games import load_game
    from league.games.arena import alternate_seats, play_game_match, resolve_game_player

    game = load_game(run_game(run_dir))
    if video is not None:
        check_video_path(video.path)
        game.check_renders()
    a = resolve_game_player(a_spec, run_dir, game, seed)
    b = resolve_game_player(b_spec, run_dir, game, seed + 1)
    reason = why_not_recorded(record, run_dir, a, b, games, sides, balance=SEAT_BALANCE)
    not_recorded = refuse_record(record, reason)
    a_first = alternate_seats(games, sides)
    filmed = video.games if video is not None else 0
    frames: list[list[np.ndarray]] = [[] for _ in range(filmed)]
    outcomes, seconds = play_game_match(
        game, a, b, seed, a_first, filmed, lambda i, frame: frames[i].append(frame)
    )
    match = Match(outcomes, a_first, seconds, frames)
    result = report(a, b, match, seed, sides)
    if video is not None:
        show = Slideshow(GAME_MOVE_SECONDS)
        cards = match_cards(a.id, b.id, match, seats=game.agents, draw=" (a draw)")
        for card, pictures in zip(cards, frames, strict=False):
            show.add_card(card)
            show.add_game(pictures)
        show.add_card(cards[-1])
        write_video(show, video.path, STILL_FPS, video.speed, video.progress)
        result = replace(result, video=str(video.path))
    return record_pit(result, run_dir, a, b, match, not_recorded)
