"""Ratings and equilibria computed from raw results: Elo by Bradley-Terry, Nash mixtures."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.special import expit, log_expit

from league.matrix import pair_totals
from league.results import MatchResult

_ELO_PER_NAT = 400.0 / math.log(10.0)


def _penalized_log_likelihood(
    theta: np.ndarray, won: np.ndarray, prior_games: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian of the log-likelihood plus prior, in natural log-strengths."""
    diff = theta[:, None] - theta[None, :]
    played = won + won.T
    p = expit(diff)
    value = float(np.sum(won * log_expit(diff)))
    value += prior_games * float(np.sum(0.5 * log_expit(theta) + 0.5 * log_expit(-theta)))
    grad = won.sum(axis=1) - (played * p).sum(axis=1) + prior_games * (0.5 - expit(theta))
    curvature = played * p * (1.0 - p)
    hess = curvature - np.diag(curvature.sum(axis=1))
    hess -= np.diag(prior_games * expit(theta) * expit(-theta))
    return value, grad, hess


def bradley_terry_elo(
    results: Iterable[MatchResult],
    anchor: str = "cpu",
    anchor_rating: float = 1000.0,
    prior_games: float = 1.0,
) -> dict[str, float]:
    """Elo ratings: the Bradley-Terry maximum-likelihood fit of all results, on the Elo scale.

    The model is P(i beats j) = 1 / (1 + 10 ** ((R_j - R_i) / 400)); a draw counts as half a win
    to each side. Only the per-pair totals enter, so the answer does not depend on the order or
    orientation of the results.

    A weak prior keeps every rating finite, for a perfect record as for a player with no path of
    games to the anchor: each player also plays ``prior_games`` virtual games, all drawn, against
    a virtual opponent rated ``anchor_rating``. The penalized likelihood is then strictly concave
    and is maximised by Newton's method with a backtracking line search.

    The anchor is pinned: all ratings are shifted so it is exactly ``anchor_rating``. If the anchor
    has no games, no shift is made and the virtual opponent at ``anchor_rating`` sets the scale;
    the anchor is then absent from the answer.

    :param results: raw results, in any order and orientation.
    :param anchor: the player whose rating is fixed (the scripted CPU by default).
    :param anchor_rating: the anchor's rating.
    :param prior_games: virtual drawn games per player against the anchor-rated opponent; larger
        values pull ratings with few games harder towards ``anchor_rating``.
    :return: the rating of every player that appears in ``results``, sorted by id.
    :raises ValueError: if ``prior_games`` is not positive and finite.
    """
    if not (math.isfinite(prior_games) and prior_games > 0):
        raise ValueError(f"prior_games must be positive and finite, got {prior_games}")
    totals = pair_totals(results)
    players = sorted({a for a, _ in totals})
    if not players:
        return {}
    index = {player: i for i, player in enumerate(players)}
    # won[i, j]: i's score against j in games (a win 1, a draw 1/2); won + won.T = games played.
    won = np.zeros((len(players), len(players)))
    for (a, b), total in totals.items():
        won[index[a], index[b]] = total.wins + 0.5 * total.draws

    theta = np.zeros(len(players))
    value, grad, hess = _penalized_log_likelihood(theta, won, prior_games)
    for _ in range(100):
        step = np.linalg.solve(hess, -grad)
        size = 1.0
        # Halve the Newton step until the objective rises: full steps can overshoot when a
        # player's record is lopsided and the curvature at the start is far from the optimum.
        while size > 1e-10:
            candidate = theta + size * step
            new_value, new_grad, new_hess = _penalized_log_likelihood(candidate, won, prior_games)
            if new_value >= value:
                break
            size *= 0.5
        else:
            break
        theta, value, grad, hess = candidate, new_value, new_grad, new_hess
        if np.max(np.abs(size * step)) < 1e-12 or np.max(np.abs(grad)) < 1e-9:
            break

    ratings = anchor_rating + _ELO_PER_NAT * theta
    if anchor in index:
        ratings += anchor_rating - ratings[index[anchor]]
    return {player: float(rating) for player, rating in zip(players, ratings, strict=True)}


@dataclass(frozen=True, eq=False)
class NashEquilibrium:
    """A Nash equilibrium of a two-player zero-sum game given by the row player's payoffs.

    :param row: the row player's mixed strategy (non-negative, sums to 1).
    :param col: the column player's mixed strategy (non-negative, sums to 1).
    :param value: the row player's expected payoff when both play their mixtures.
    """

    row: np.ndarray
    col: np.ndarray
    value: float

    def row_support(self, tol: float = 1e-6) -> np.ndarray:
        """Indices of the row strategies played with probability above ``tol``.

        :param tol: smallest probability that counts as played.
        :return: the indices, ascending.
        """
        return np.flatnonzero(self.row > tol)

    def col_support(self, tol: float = 1e-6) -> np.ndarray:
        """Indices of the column strategies played with probability above ``tol``.

        :param tol: smallest probability that counts as played.
        :return: the indices, ascending.
        """
        return np.flatnonzero(self.col > tol)


def _maximin(payoff: np.ndarray) -> tuple[np.ndarray, float]:
    """The row player's maximin mixture and its guaranteed payoff, by one linear program."""
    n_rows, n_cols = payoff.shape
    # Variables (x_1..x_m, v): maximise v subject to sum_i x_i * payoff[i, j] >= v for each j.
    cost = np.zeros(n_rows + 1)
    cost[-1] = -1.0
    a_ub = np.hstack([-payoff.T, np.ones((n_cols, 1))])
    a_eq = np.hstack([np.ones((1, n_rows)), np.zeros((1, 1))])
    bounds = [(0.0, None)] * n_rows + [(None, None)]
    res = linprog(
        cost, A_ub=a_ub, b_ub=np.zeros(n_cols), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs"
    )
    if res.status != 0:
        raise RuntimeError(f"linprog failed on a finite game, which cannot happen: {res.message}")
    mixture = np.clip(res.x[:n_rows], 0.0, None)
    return mixture / mixture.sum(), float(res.x[-1])


def nash_equilibrium(payoff: np.ndarray) -> NashEquilibrium:
    """Solve the zero-sum game where ``payoff[i, j]`` is row i's expected score against column j.

    The column player's payoff is ``1 - payoff``. Cells never played (NaN) are treated as 0.5, an
    even game, so a pair with no evidence favours neither side. Both mixtures come from exact
    linear programs (HiGHS); when the equilibrium is not unique any one of them is returned.

    :param payoff: an (m, n) array of scores in [0, 1], NaN for unplayed cells.
    :return: the equilibrium mixtures and the game's value for the row player.
    :raises ValueError: if ``payoff`` is not a non-empty 2-D array of scores in [0, 1].
    """
    payoff = np.asarray(payoff, dtype=np.float64)
    if payoff.ndim != 2 or payoff.size == 0:
        raise ValueError(f"payoff must be a non-empty 2-D array, got shape {payoff.shape}")
    payoff = np.where(np.isnan(payoff), 0.5, payoff)
    if np.any((payoff < 0.0) | (payoff > 1.0)):
        raise ValueError("payoff entries must be scores in [0, 1] (or NaN for never played)")
    row, value = _maximin(payoff)
    # The column player maximises 1 - payoff, i.e. plays the row role in the transposed game.
    col, _ = _maximin(1.0 - payoff.T)
    return NashEquilibrium(row=row, col=col, value=value)


def beats_past(results: Iterable[MatchResult], newest: str, earlier: Sequence[str]) -> float:
    """The fraction of earlier opponents that ``newest`` beats, i.e. scores above 0.5 against.

    Each opponent counts once, judged on all results of the pair together. Opponents ``newest``
    never played are left out of the denominator.

    :param results: raw results, in any order and orientation.
    :param newest: the snapshot being judged.
    :param earlier: ids of the other role's earlier snapshots (repeats count once).
    :return: the fraction in [0, 1], NaN if ``newest`` played none of them.
    """
    totals = pair_totals(results)
    played = [
        totals[(newest, opponent)]
        for opponent in dict.fromkeys(earlier)
        if (newest, opponent) in totals and totals[(newest, opponent)].games > 0
    ]
    if not played:
        return math.nan
    return sum(total.score > 0.5 for total in played) / len(played)


def pool_scores(
    results: Iterable[MatchResult], players: Sequence[str], opponents: Sequence[str]
) -> tuple[float, ...]:
    """Each player's mean score over the opponents that all of ``players`` played, each opponent
    weighted once (the gate of ``main_gate``: a new main against its predecessor on the same
    opponents).

    :param results: raw results, in any order and orientation.
    :param players: the snapshots compared.
    :param opponents: ids of the opponents to average over (repeats count once).
    :return: one mean score in [0, 1] per player, NaN for all if no opponent was played by all.
    """
    totals = pair_totals(results)
    common = [
        o
        for o in dict.fromkeys(opponents)
        if all((p, o) in totals and totals[(p, o)].games > 0 for p in players)
    ]
    if not common:
        return tuple(math.nan for _ in players)
    return tuple(sum(totals[(p, o)].score for o in common) / len(common) for p in players)
