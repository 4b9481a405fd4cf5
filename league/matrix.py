"""The win-rate matrix: every stored result between two sets of players, one score per cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from league.errors import LeagueError
from league.results import MatchResult


def pair_totals(results: Iterable[MatchResult]) -> dict[tuple[str, str], MatchResult]:
    """Sum all results of each pair of players, whatever orientation they were stored in.

    The answer holds every pair under both keys: ``totals[(a, b)]`` is a's view and
    ``totals[(b, a)]`` the same totals seen from b's side, so callers never re-orient.
    Counts, points and steps are summed; ``seed`` is the smallest seed of the pair's rows, which
    keeps the totals independent of the order the results come in.

    :param results: raw results, possibly several rows per pair in either orientation.
    :return: the totals keyed by ``(player, opponent)``.
    :raises LeagueError: for a result of a player against itself or with a negative count.
    """
    sums: dict[tuple[str, str], list[int]] = {}
    for result in results:
        if result.a == result.b:
            raise LeagueError(f"result of {result.a!r} against itself; drop it from the store")
        if min(result.wins, result.losses, result.draws) < 0:
            raise LeagueError(f"result {result.a!r} vs {result.b!r} has a negative game count")
        # One canonical orientation per pair, so (a, b) and (b, a) rows add up.
        oriented = result if result.a < result.b else result.swapped()
        row = (
            oriented.wins,
            oriented.losses,
            oriented.draws,
            oriented.points_for,
            oriented.points_against,
            oriented.steps,
        )
        key = (oriented.a, oriented.b)
        if key not in sums:
            sums[key] = [*row, oriented.seed]
        else:
            acc = sums[key]
            for i, value in enumerate(row):
                acc[i] += value
            acc[6] = min(acc[6], oriented.seed)
    totals: dict[tuple[str, str], MatchResult] = {}
    for (a, b), (wins, losses, draws, pf, pa, steps, seed) in sums.items():
        total = MatchResult(a, b, wins, losses, draws, pf, pa, steps, seed)
        totals[(a, b)] = total
        totals[(b, a)] = total.swapped()
    return totals


def _unique(ids: Sequence[str], name: str) -> tuple[str, ...]:
    ids = tuple(ids)
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise LeagueError(f"{name} lists {', '.join(duplicates)} more than once")
    return ids


@dataclass(frozen=True, eq=False)
class WinRateMatrix:
    """Scores of row players against column players, aggregated over all stored results.

    Normally the rows are the left snapshots and the columns the right snapshots plus ``"cpu"``.
    Build it with :meth:`from_results`; the arrays are read-only.

    :param rows: row player ids.
    :param cols: column player ids.
    :param scores: ``scores[i, j]`` is rows[i]'s score against cols[j], (wins + draws / 2) /
        games, NaN where they never played.
    :param games: ``games[i, j]`` is the number of games between rows[i] and cols[j].
    """

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    scores: np.ndarray
    games: np.ndarray

    def __post_init__(self) -> None:
        # Own read-only copies, so neither the caller nor we can change a built matrix.
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "cols", tuple(self.cols))
        object.__setattr__(self, "scores", np.array(self.scores, dtype=np.float64))
        object.__setattr__(self, "games", np.array(self.games, dtype=np.int64))
        shape = (len(self.rows), len(self.cols))
        if self.scores.shape != shape or self.games.shape != shape:
            raise ValueError(
                f"scores {self.scores.shape} and games {self.games.shape} must both be {shape}"
            )
        self.scores.setflags(write=False)
        self.games.setflags(write=False)

    @classmethod
    def from_results(
        cls, results: Iterable[MatchResult], rows: Sequence[str], cols: Sequence[str]
    ) -> WinRateMatrix:
        """Aggregate raw results into the matrix; results between other pairs are ignored.

        :param results: raw results in either orientation, several rows per pair allowed.
        :param rows: row player ids, in display order.
        :param cols: column player ids, in display order.
        :return: the matrix.
        :raises LeagueError: if rows or cols repeat an id, or for a malformed result.
        """
        rows_t, cols_t = _unique(rows, "rows"), _unique(cols, "cols")
        totals = pair_totals(results)
        scores = np.full((len(rows_t), len(cols_t)), np.nan)
        games = np.zeros((len(rows_t), len(cols_t)), dtype=np.int64)
        for i, r in enumerate(rows_t):
            for j, c in enumerate(cols_t):
                total = totals.get((r, c))
                if total is not None and total.games > 0:
                    scores[i, j] = total.score
                    games[i, j] = total.games
        return cls(rows=rows_t, cols=cols_t, scores=scores, games=games)

    def score(self, a: str, b: str) -> float:
        """a's score against b, with a and b in either role (row or column).

        :param a: a row or column id.
        :param b: a column id if a is a row id, else a row id.
        :return: the score in [0, 1], NaN if they never played.
        :raises LeagueError: if the pair is not a (row, column) pair of this matrix.
        """
        if a in self.rows and b in self.cols:
            return float(self.scores[self.rows.index(a), self.cols.index(b)])
        if b in self.rows and a in self.cols:
            return 1.0 - float(self.scores[self.rows.index(b), self.cols.index(a)])
        raise LeagueError(
            f"{a!r} vs {b!r} is not a cell of the matrix; rows are {', '.join(self.rows)} "
            f"and cols are {', '.join(self.cols)}"
        )

    def to_text(self, precision: int = 2, empty: str = "—") -> str:
        """An aligned table for a terminal or a log: column ids on top, one line per row id.

        :param precision: digits after the decimal point.
        :param empty: what to print in a cell with no games.
        :return: the table, lines joined by newlines, no trailing newline.
        """
        cells = [
            [empty if np.isnan(v) else f"{v:.{precision}f}" for v in row] for row in self.scores
        ]
        row_width = max((len(r) for r in self.rows), default=0)
        widths = [max([len(c)] + [len(line[j]) for line in cells]) for j, c in enumerate(self.cols)]

        def aligned(first: str, texts: Sequence[str]) -> str:
            padded = (t.rjust(w) for t, w in zip(texts, widths, strict=True))
            return " ".join([first.ljust(row_width), *padded])

        lines = [aligned("", self.cols)]
        lines += [aligned(r, line) for r, line in zip(self.rows, cells, strict=True)]
        return "\n".join(line.rstrip() for line in lines)

    def to_csv(self) -> str:
        """The scores as CSV: a header ``row,<cols...>``, then one line per row id.

        Scores are written at full precision; cells with no games are empty.

        :return: the CSV text with ``\\n`` line endings.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["row", *self.cols])
        for r, row in zip(self.rows, self.scores, strict=True):
            writer.writerow([r, *("" if np.isnan(v) else repr(float(v)) for v in row)])
        return buffer.getvalue()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``rows``, ``cols``, ``scores`` (None where no games) and ``games``.

        :return: plain lists, strings, floats, ints and None.
        """
        return {
            "rows": list(self.rows),
            "cols": list(self.cols),
            "scores": [[None if np.isnan(v) else float(v) for v in row] for row in self.scores],
            "games": self.games.tolist(),
        }
