import csv
import io
import json
import math

import numpy as np
import pytest

from league.errors import LeagueError
from league.matrix import WinRateMatrix, pair_totals
from league.results import MatchResult


def result(a: str, b: str, wins: int, losses: int, draws: int = 0, seed: int = 0) -> MatchResult:
    games = wins + losses + draws
    return MatchResult(a, b, wins, losses, draws, 5 * wins, 5 * losses, 100 * games, seed)


ROWS = ["left-0000", "left-0001"]
COLS = ["right-0000", "right-0002", "cpu"]

# left-0000 vs right-0000: 3-1 then, stored from right's side, 2-4 (right lost 4): 7 wins, 3 losses.
# left-0001 vs cpu: 2 wins, 1 loss, 2 draws -> (2 + 1) / 5.
# left-0001 vs right-0002: stored right-first, right 6-2 -> left scores 2 / 8.
RESULTS = [
    result("left-0000", "right-0000", 3, 1, seed=10),
    result("right-0000", "left-0000", 2, 4, seed=3),
    result("left-0001", "cpu", 2, 1, 2),
    result("right-0002", "left-0001", 6, 2),
    result("right-0002", "right-0000", 9, 0),  # not a (row, col) pair: ignored
]

EXPECTED_SCORES = np.array([[0.7, np.nan, np.nan], [np.nan, 0.25, 0.6]])
EXPECTED_GAMES = np.array([[10, 0, 0], [0, 8, 5]])


@pytest.fixture
def matrix() -> WinRateMatrix:
    return WinRateMatrix.from_results(RESULTS, ROWS, COLS)


def test_from_results_matches_hand_computed(matrix: WinRateMatrix) -> None:
    assert matrix.rows == tuple(ROWS) and matrix.cols == tuple(COLS)
    np.testing.assert_allclose(matrix.scores, EXPECTED_SCORES, equal_nan=True)
    np.testing.assert_array_equal(matrix.games, EXPECTED_GAMES)


def test_result_order_and_orientation_do_not_matter(matrix: WinRateMatrix) -> None:
    flipped = [r.swapped() if i % 2 == 0 else r for i, r in enumerate(reversed(RESULTS))]
    other = WinRateMatrix.from_results(flipped, ROWS, COLS)
    np.testing.assert_allclose(other.scores, matrix.scores, equal_nan=True)
    np.testing.assert_array_equal(other.games, matrix.games)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("left-0000", "right-0000", 0.7),
        ("right-0000", "left-0000", 0.3),
        ("left-0001", "cpu", 0.6),
        ("cpu", "left-0001", 0.4),
        ("left-0001", "right-0002", 0.25),
    ],
)
def test_score_either_orientation(matrix: WinRateMatrix, a: str, b: str, expected: float) -> None:
    assert matrix.score(a, b) == pytest.approx(expected)


def test_score_never_played_is_nan(matrix: WinRateMatrix) -> None:
    assert math.isnan(matrix.score("left-0000", "cpu"))
    assert math.isnan(matrix.score("cpu", "left-0000"))


@pytest.mark.parametrize(("a", "b"), [("left-0000", "left-0001"), ("nobody", "cpu")])
def test_score_outside_matrix_raises(matrix: WinRateMatrix, a: str, b: str) -> None:
    with pytest.raises(LeagueError, match="not a cell"):
        matrix.score(a, b)


def test_arrays_are_read_only(matrix: WinRateMatrix) -> None:
    with pytest.raises(ValueError):
        matrix.scores[0, 0] = 1.0


def test_duplicate_ids_raise() -> None:
    with pytest.raises(LeagueError, match="rows lists left-0000"):
        WinRateMatrix.from_results(RESULTS, ["left-0000", "left-0000"], COLS)


def test_to_text_is_aligned(matrix: WinRateMatrix) -> None:
    lines = matrix.to_text().splitlines()
    assert len(lines) == 3
    assert lines[0].split() == COLS
    assert lines[1].split() == ["left-0000", "0.70", "—", "—"]
    assert lines[2].split() == ["left-0001", "—", "0.25", "0.60"]
    # Each column ends at the same position on every line.
    for col in COLS:
        end = lines[0].index(col) + len(col)
        assert all(len(line) >= end and line[end - 1] != " " for line in lines)
    assert matrix.to_text(precision=3, empty=".").splitlines()[1].split()[1:] == ["0.700", ".", "."]


def test_to_csv_round_trips(matrix: WinRateMatrix) -> None:
    table = list(csv.reader(io.StringIO(matrix.to_csv())))
    assert table[0] == ["row", *COLS]
    assert table[1] == ["left-0000", "0.7", "", ""]
    assert [r[0] for r in table[1:]] == ROWS
    assert float(table[2][2]) == 0.25


def test_to_dict_is_json_ready(matrix: WinRateMatrix) -> None:
    data = json.loads(json.dumps(matrix.to_dict()))
    assert data["rows"] == ROWS and data["cols"] == COLS
    assert data["scores"] == [[0.7, None, None], [None, 0.25, 0.6]]
    assert data["games"] == EXPECTED_GAMES.tolist()


def test_pair_totals_sums_both_orientations() -> None:
    totals = pair_totals(RESULTS)
    total = totals[("left-0000", "right-0000")]
    assert (total.wins, total.losses, total.draws) == (7, 3, 0)
    assert (total.points_for, total.points_against, total.steps, total.seed) == (35, 15, 1000, 3)
    assert totals[("right-0000", "left-0000")] == total.swapped()


@pytest.mark.parametrize(
    "bad", [result("cpu", "cpu", 1, 0), MatchResult("a", "b", -1, 0, 0, 0, 0, 0, 0)]
)
def test_pair_totals_rejects_bad_results(bad: MatchResult) -> None:
    with pytest.raises(LeagueError):
        pair_totals([bad])


def test_empty_matrix() -> None:
    matrix = WinRateMatrix.from_results([], [], ["cpu"])
    assert matrix.scores.shape == (0, 1)
    assert matrix.to_dict()["scores"] == []
