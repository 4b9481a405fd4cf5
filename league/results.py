"""Raw match results: the one source every win rate, rating and matrix is computed from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchResult:
    """The outcome of ``games`` games between player ``a`` and player ``b``, from a's side.

    :param a: id of the first player (``"left-0003"``, ``"right-0004"`` or ``"cpu"``).
    :param b: id of the second player.
    :param wins: games a won.
    :param losses: games a lost.
    :param draws: games truncated at ``max_steps`` with neither side at ``points_to_win``.
    :param points_for: points a scored over all games.
    :param points_against: points b scored over all games.
    :param steps: env steps played over all games (mean game length = steps / games).
    :param seed: seed of the first game; game i used ``seed + i``.
    """

    a: str
    b: str
    wins: int
    losses: int
    draws: int
    points_for: int
    points_against: int
    steps: int
    seed: int

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.draws

    @property
    def score(self) -> float:
        """a's win rate with a draw counted as half a win."""
        return (self.wins + 0.5 * self.draws) / self.games if self.games else 0.5

    def swapped(self) -> MatchResult:
        """The same result seen from b's side."""
        return MatchResult(
            a=self.b,
            b=self.a,
            wins=self.losses,
            losses=self.wins,
            draws=self.draws,
            points_for=self.points_against,
            points_against=self.points_for,
            steps=self.steps,
            seed=self.seed,
        )
