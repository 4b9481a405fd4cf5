import math

import numpy as np
import pytest

from league.ratings import (
    NashEquilibrium,
    beats_past,
    bradley_terry_elo,
    nash_equilibrium,
    pool_scores,
)
from league.results import MatchResult


def result(a: str, b: str, wins: int, losses: int, draws: int = 0) -> MatchResult:
    return MatchResult(a, b, wins, losses, draws, 0, 0, 0, 0)


def simulate(true: dict[str, float], games: int, seed: int = 0) -> list[MatchResult]:
    """Every pair plays ``games`` games, split into two rows stored in opposite orientations."""
    rng = np.random.default_rng(seed)
    ids = list(true)
    results = []
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            p = 1.0 / (1.0 + 10.0 ** ((true[b] - true[a]) / 400.0))
            for n in (games // 2, games - games // 2):
                wins = int(rng.binomial(n, p))
                results.append(result(a, b, wins, n - wins))
            results[-1] = results[-1].swapped()
    return results


TRUE = {"cpu": 1000.0, "a": 1200.0, "b": 1400.0, "c": 1100.0}


def test_bradley_terry_recovers_true_ratings() -> None:
    fitted = bradley_terry_elo(simulate(TRUE, games=4000))
    assert fitted["cpu"] == 1000.0
    assert sorted(fitted, key=fitted.get) == sorted(TRUE, key=TRUE.get)
    for player, rating in TRUE.items():
        assert fitted[player] == pytest.approx(rating, abs=50)


def test_bradley_terry_is_invariant_to_order_and_orientation() -> None:
    results = simulate(TRUE, games=200, seed=1)
    fitted = bradley_terry_elo(results)
    rng = np.random.default_rng(2)
    shuffled = [results[i] for i in rng.permutation(len(results))]
    flipped = [r.swapped() if rng.random() < 0.5 else r for r in shuffled]
    assert bradley_terry_elo(flipped) == pytest.approx(fitted, abs=1e-9)
    # Splitting a row into two changes nothing either: only totals matter.
    first = results[0]
    split = [result(first.a, first.b, first.wins, 0), result(first.a, first.b, 0, first.losses)]
    assert bradley_terry_elo(split + results[1:]) == pytest.approx(fitted, abs=1e-9)


def test_bradley_terry_equal_record_and_draws() -> None:
    fitted = bradley_terry_elo([result("cpu", "x", 5, 5), result("y", "cpu", 0, 0, 10)])
    assert fitted == pytest.approx({"cpu": 1000.0, "x": 1000.0, "y": 1000.0})


def test_bradley_terry_known_two_player_answer() -> None:
    # x beats the CPU 3-1. With one virtual draw each against a 1000-rated opponent, symmetry puts
    # the fitted x and CPU at 1000 +- d/2 before the shift, and x's likelihood is stationary
    # where its expected score equals its actual one: 4 * P(d) + P(d / 2) = 3 + 1/2.
    fitted = bradley_terry_elo([result("x", "cpu", 3, 1)], prior_games=1.0)
    d = fitted["x"] - fitted["cpu"]
    expected_score = 4 / (1 + 10 ** (-d / 400)) + 1 / (1 + 10 ** (-d / 800))
    assert expected_score == pytest.approx(3.5, abs=1e-9)
    assert fitted["cpu"] == 1000.0 and 0 < d < 400 * math.log10(3)  # shrunk below the 3:1 MLE


def test_perfect_record_is_finite_and_on_top() -> None:
    results = simulate({"cpu": 1000.0, "a": 1200.0}, games=100) + [
        result("ace", "cpu", 50, 0),
        result("a", "ace", 0, 50),
    ]
    fitted = bradley_terry_elo(results)
    assert all(math.isfinite(r) for r in fitted.values())
    assert fitted["ace"] > fitted["a"] > fitted["cpu"] == 1000.0


def test_custom_anchor_and_disconnected_player() -> None:
    results = [result("a", "b", 30, 10), result("island", "other", 20, 20)]
    fitted = bradley_terry_elo(results, anchor="b", anchor_rating=1500.0)
    assert fitted["b"] == 1500.0 and fitted["a"] > 1500.0
    assert math.isfinite(fitted["island"]) and "cpu" not in fitted


def test_bradley_terry_empty_and_bad_prior() -> None:
    assert bradley_terry_elo([]) == {}
    with pytest.raises(ValueError, match="prior_games"):
        bradley_terry_elo([result("a", "cpu", 1, 0)], prior_games=0.0)


def test_bradley_terry_recovers_200_players() -> None:
    rng = np.random.default_rng(3)
    ids = ["cpu"] + [f"p{i:03d}" for i in range(199)]
    true = dict(zip(ids, 1000.0 + rng.normal(0, 200, len(ids)), strict=True))
    results = []
    for _ in range(4000):
        i, j = rng.choice(len(ids), size=2, replace=False)
        p = 1.0 / (1.0 + 10.0 ** ((true[ids[j]] - true[ids[i]]) / 400.0))
        wins = int(rng.binomial(10, p))
        results.append(result(ids[i], ids[j], wins, 10 - wins))
    fitted = bradley_terry_elo(results)
    assert len(fitted) == 200 and fitted["cpu"] == 1000.0
    assert np.corrcoef([true[i] for i in ids], [fitted[i] for i in ids])[0, 1] > 0.9


RPS = np.array([[0.5, 0.0, 1.0], [1.0, 0.5, 0.0], [0.0, 1.0, 0.5]])


def test_nash_rock_paper_scissors() -> None:
    eq = nash_equilibrium(RPS)
    np.testing.assert_allclose(eq.row, [1 / 3] * 3, atol=1e-9)
    np.testing.assert_allclose(eq.col, [1 / 3] * 3, atol=1e-9)
    assert eq.value == pytest.approx(0.5)
    np.testing.assert_array_equal(eq.row_support(), [0, 1, 2])
    np.testing.assert_array_equal(eq.col_support(), [0, 1, 2])


def test_nash_matching_pennies() -> None:
    eq = nash_equilibrium(np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(eq.row, [0.5, 0.5], atol=1e-9)
    np.testing.assert_allclose(eq.col, [0.5, 0.5], atol=1e-9)
    assert eq.value == pytest.approx(0.5)


@pytest.mark.parametrize(
    "payoff",
    [
        # Row 1 is worse than row 0 against every column.
        np.array([[0.7, 0.3], [0.6, 0.2], [0.3, 0.7]]),
        # Row 3 is worse than the uniform mixture of rock-paper-scissors (0.5 everywhere).
        np.vstack([RPS, [0.4, 0.4, 0.4]]),
    ],
)
def test_nash_dominated_row_gets_no_weight(payoff: np.ndarray) -> None:
    dominated = 1 if len(payoff) == 3 else 3
    eq = nash_equilibrium(payoff)
    assert eq.row[dominated] == pytest.approx(0.0, abs=1e-9)
    assert dominated not in eq.row_support()
    assert eq.value == pytest.approx(0.5)


def test_nash_dominated_column_gets_no_weight() -> None:
    # Column 2 gives the row player more than column 0 whatever the row plays.
    payoff = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.5]])
    eq = nash_equilibrium(payoff)
    assert eq.col[2] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_array_equal(eq.col_support(), [0, 1])


def test_nash_pure_saddle_point_and_rectangular() -> None:
    # Row 1 beats every column; column 2 is the column player's best reply to it.
    payoff = np.array([[0.2, 0.4, 0.3, 0.1], [0.9, 0.8, 0.6, 0.7]])
    eq = nash_equilibrium(payoff)
    np.testing.assert_allclose(eq.row, [0.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(eq.col, [0.0, 0.0, 1.0, 0.0], atol=1e-9)
    assert eq.value == pytest.approx(0.6)
    assert isinstance(eq, NashEquilibrium)


def test_nash_value_is_the_mixtures_payoff() -> None:
    payoff = np.random.default_rng(4).random((5, 7))
    eq = nash_equilibrium(payoff)
    assert eq.row.sum() == pytest.approx(1.0) and eq.col.sum() == pytest.approx(1.0)
    assert eq.row @ payoff @ eq.col == pytest.approx(eq.value, abs=1e-7)
    # Neither side gains by deviating to a pure strategy.
    assert np.max(payoff @ eq.col) <= eq.value + 1e-7
    assert np.min(eq.row @ payoff) >= eq.value - 1e-7


def test_nash_nan_counts_as_even() -> None:
    eq = nash_equilibrium(np.array([[np.nan]]))
    assert eq.value == pytest.approx(0.5)
    eq = nash_equilibrium(np.array([[np.nan, 0.4], [0.3, 0.2]]))
    np.testing.assert_allclose(eq.row, [1.0, 0.0], atol=1e-9)
    assert eq.value == pytest.approx(0.4)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((0, 2)), np.array([[1.5]])])
def test_nash_rejects_bad_payoff(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="payoff"):
        nash_equilibrium(bad)


PAST = [
    result("left-0005", "right-0000", 8, 2),  # beats
    result("right-0002", "left-0005", 6, 4),  # loses
    result("left-0005", "right-0004", 5, 5),  # exactly even: not a win
    result("left-0005", "right-0004", 1, 0),  # ...until this row tips it over 0.5
    result("left-0005", "cpu", 10, 0),  # not an earlier snapshot
]


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        (["right-0000", "right-0002", "right-0004"], 2 / 3),
        (["right-0000", "right-0002", "right-0004", "right-0006"], 2 / 3),  # 0006 never played
        (["right-0002"], 0.0),
        (["right-0000", "right-0000"], 1.0),
    ],
)
def test_beats_past(earlier: list[str], expected: float) -> None:
    assert beats_past(PAST, "left-0005", earlier) == pytest.approx(expected)


def test_beats_past_even_is_not_a_win_and_nothing_played_is_nan() -> None:
    assert beats_past(PAST[:3], "left-0005", ["right-0004"]) == 0.0
    assert math.isnan(beats_past(PAST, "left-0005", ["right-0006"]))
    assert math.isnan(beats_past([], "left-0005", []))


GATE = [
    result("left-0005", "right-0000", 8, 2),
    result("right-0000", "left-0003", 0, 10),  # stored from the opponent's side
    result("left-0005", "right-0002", 2, 6, draws=2),
    result("left-0003", "right-0002", 4, 4, draws=2),
    result("left-0005", "right-0004", 10, 0),  # left-0003 never met right-0004: left out
    result("left-0005", "cpu", 9, 1),
    result("left-0003", "cpu", 10, 0),
]


def test_pool_scores_average_the_opponents_both_played_each_once() -> None:
    opponents = ["right-0000", "right-0002", "right-0004", "right-0000", "cpu"]
    new, old = pool_scores(GATE, ["left-0005", "left-0003"], opponents)
    assert new == pytest.approx((0.8 + 0.3 + 0.9) / 3)
    assert old == pytest.approx((1.0 + 0.5 + 1.0) / 3)
    (alone,) = pool_scores(GATE, ["left-0005"], ["right-0004"])
    assert alone == 1.0
    assert all(math.isnan(x) for x in pool_scores(GATE, ["left-0005", "left-0003"], ["right-0004"]))
