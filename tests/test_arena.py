"""The pit: Wilson intervals, side alternation, reproducible matches, stored results, videos."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # the video renders off-screen; no window

import json  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import imageio.v2 as imageio  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from tiny_league import copy_of, database, tiny_league  # noqa: E402

from envs.engine import LY, RY, STEPS  # noqa: E402
from envs.render import BALL  # noqa: E402
from envs.rules import rules as rules_of  # noqa: E402
from league.arena import (  # noqa: E402
    VIDEO_FPS,
    VIDEO_SPEED,
    a_plays_left,
    balanced,
    film,
    match_results,
    pit,
    play_match,
    wilson_interval,
)
from league.cli import main  # noqa: E402
from league.errors import LeagueError  # noqa: E402
from league.players import game_settings, resolve_player  # noqa: E402
from league.report import LeagueView, MatrixView  # noqa: E402
from league.store import LeagueStore  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_league(tmp_path_factory.mktemp("league"))


@pytest.fixture
def own_run(run: Path, tmp_path: Path) -> Path:
    """A copy of the league that the test may write to."""
    return copy_of(run, tmp_path)


# ---------------------------------------------------------------------------------- Wilson


# Expected bounds: the roots of (p_hat - p)^2 = z^2 p (1 - p) / n, solved separately.
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.27753),
        (10, 10, 0.72247, 1.0),
        (5, 10, 0.23659, 0.76341),
        (1, 10, 0.01787, 0.40415),
        (81, 263, 0.25529, 0.36621),
        (7.5, 10, 0.44218, 0.91905),  # draws count half
    ],
)
def test_wilson_interval_on_known_counts(successes: float, n: int, low: float, high: float):
    assert wilson_interval(successes, n) == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(500, 1000)
    assert lo == pytest.approx(1 - hi) and hi - lo < 0.065
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


# ----------------------------------------------------------------------------------- sides


def test_sides_alternate_or_stay() -> None:
    np.testing.assert_array_equal(a_plays_left(6, "alternate"), [1, 1, 0, 0, 1, 1])
    np.testing.assert_array_equal(a_plays_left(3, "fixed"), [1, 1, 1])
    with pytest.raises(LeagueError, match="--sides"):
        a_plays_left(3, "random")


def test_alternate_sides_balance_side_and_first_serve() -> None:
    """In every four games A meets each (side, first serve) pair once; game i serves to i % 2."""
    a_left = a_plays_left(8, "alternate")
    pairs = {(bool(left), i % 2) for i, left in enumerate(a_left[:4])}
    assert pairs == {(True, 0), (True, 1), (False, 0), (False, 1)}
    # A receives the first ball (serve to A's side) in exactly half the games.
    a_serves = [(i % 2 == 0) == bool(left) for i, left in enumerate(a_left)]
    assert sum(a_serves) == 4
    assert balanced(8, "alternate") and not balanced(6, "alternate")
    assert not balanced(8, "fixed")


@pytest.mark.parametrize("sides", ["alternate", "fixed"])
def test_a_plays_the_side_it_is_given(sides: str) -> None:
    """A never moves: its paddle stays where the game put it, on the side it played."""
    game = game_settings(None, None)[0].replace(points_to_win=1)
    a = resolve_player("still", None, game)
    b = resolve_player("cpu", None, game)
    match = play_match(game, a, b, games=6, seed=5, sides=sides, record=6)
    for i, rows in enumerate(match.recorded):
        a_left = sides == "fixed" or (i // 2) % 2 == 0
        assert match.a_left[i] == a_left
        still, moving = (LY, RY) if a_left else (RY, LY)
        assert np.ptp(rows[:, still]) == 0.0 and np.ptp(rows[:, moving]) > 0.0
        assert rows[-1, STEPS] == match.outcomes.steps[i] == len(rows) - 1
    # The CPU beats a paddle that never moves, whichever side it stands on.
    assert match.outcomes.left_won.tolist() == [not left for left in match.a_left]


def test_one_result_per_orientation(run: Path) -> None:
    game, stack = game_settings(run, None)
    a = resolve_player("left-0000", run, game, stack)
    b = resolve_player("cpu", run, game, stack)
    match = play_match(game, a, b, games=7, seed=3)
    left, right = match_results("left-0000", "cpu", match, seed=3)
    assert (left.a, left.b, right.a, right.b) == ("left-0000", "cpu", "left-0000", "cpu")
    assert (left.games, right.games) == (4, 3) and left.seed == right.seed == 3
    assert left.steps + right.steps == match.outcomes.steps.sum()
    fixed = play_match(game, a, b, games=4, seed=3, sides="fixed")
    assert len(match_results("left-0000", "cpu", fixed, seed=3)) == 1


# ------------------------------------------------------------------------------------- pit


def same(report) -> dict:
    return {k: v for k, v in report.to_dict().items() if k != "seconds"}


def test_pit_is_reproducible_under_a_seed(run: Path) -> None:
    first = pit("left-0001", "right-0000", run, games=12, seed=7, record=False)
    again = pit("left-0001", "right-0000", run, games=12, seed=7, record=False)
    assert same(first) == same(again)
    assert first.wins + first.losses + first.draws == first.games == 12
    assert first.win_rate == pytest.approx((first.wins + first.draws / 2) / 12)
    assert first.ci95 == wilson_interval(first.wins + first.draws / 2, 12)
    others = [
        same(pit("left-0001", "right-0000", run, games=12, seed=s, record=False)) for s in (8, 9)
    ]
    assert any(o["mean_length"] != first.mean_length for o in others)


def test_pit_between_snapshots_grows_the_matrix(own_run: Path, capsys) -> None:
    before = MatrixView.of(LeagueView.read(own_run)).matrix
    cell = (before.rows.index("left-0000"), before.cols.index("right-0000"))
    report = pit("left-0000", "right-0000", own_run, games=8, seed=11, record=True)
    assert report.recorded_in == str(own_run / "league.sqlite") and report.not_recorded is None
    with LeagueStore.open(own_run, readonly=True) as store:
        stored = store.results(source="pit")
    assert [(r.a, r.b, r.games, r.seed) for r in stored] == [
        ("left-0000", "right-0000", 4, 11),
        ("left-0000", "right-0000", 4, 11),
    ]
    assert sum(r.wins for r in stored) == report.wins
    after = MatrixView.of(LeagueView.read(own_run)).matrix
    assert after.games[cell] == before.games[cell] + 8
    # The same through the CLI: `matrix` shows the new game count in that cell.
    args = ["pit", "right-0000", "left-0000", "--run", str(own_run), "--games", "4"]
    assert main([*args, "--record"]) == 0
    assert "results added to" in capsys.readouterr().out
    assert MatrixView.of(LeagueView.read(own_run)).matrix.games[cell] == before.games[cell] + 12


def test_pit_records_nothing_unless_asked(own_run: Path, capsys) -> None:
    args = ["pit", "left-0000", "right-0000", "--run", str(own_run), "--games", "4"]
    assert main(args) == 0
    assert main([*args, "--no-record"]) == 0  # the old way to say no: accepted, the same
    out = capsys.readouterr().out
    assert out.count("results not recorded: not asked (--record adds") == 2
    assert "results added" not in out
    with LeagueStore.open(own_run, readonly=True) as store:
        assert store.results(source="pit") == []
    # Without a run there is nothing to record into, and nothing to explain.
    assert pit("cpu", "still", None, games=4).not_recorded is None


def test_a_pit_not_asked_to_record_says_so(own_run: Path) -> None:
    report = pit("left-0000", "right-0000", own_run, games=4)
    assert report.recorded_in is None and "not asked" in str(report.not_recorded)
    assert f"results not recorded: {report.not_recorded}" in report.to_text()
    assert report.to_dict()["not_recorded"] == report.not_recorded


@pytest.mark.parametrize(
    ("a", "b", "extra", "reason"),
    [
        ("left-0000", "cpu", {}, "cpu is no snapshot of"),
        ("left-0000", "left-0000", {}, "both are left snapshots"),
        ("left-0000", "left-0001", {}, "one role meet in no cell"),
        ("left-0000", "right-0000", {"rules_name": "classic"}, "other rules than the run's"),
        ("left-0000", "right-0000", {"sides": "fixed"}, "not balanced by side and first serve"),
        ("left-0000", "right-0000", {"games": 6}, "got --sides alternate, 6 games"),
    ],
)
def test_a_record_that_may_not_be_kept_is_refused_before_play(
    own_run: Path, a: str, b: str, extra: dict, reason: str
) -> None:
    before = database(own_run)
    with pytest.raises(LeagueError, match="results not recorded: ") as refused:
        pit(a, b, own_run, **{"games": 4, "record": True, **extra})
    assert reason in str(refused.value) and "\n" not in str(refused.value)
    assert database(own_run) == before


def test_record_without_a_run_says_so() -> None:
    with pytest.raises(LeagueError, match="--run RUN_DIR"):
        pit("cpu", "still", None, games=4, record=True)


def test_a_snapshot_file_of_the_run_is_stored_under_its_id(own_run: Path) -> None:
    path = own_run / "snapshots" / "right-0000.zip"
    report = pit("left-0001", str(path), own_run, games=4, record=True)
    assert report.b == "right-0000" and report.recorded_in is not None


def test_the_example_bot_beats_a_paddle_that_stands_still() -> None:
    bot = f"py:{REPO / 'scripts' / 'example_bot.py'}:Follower"
    report = pit(bot, "still", None, games=4, rules_name="classic")
    assert report.wins == 4 and report.points_for == 11


# ------------------------------------------------------------------------------------ video


def ball_x(frame: np.ndarray) -> float:
    """Mean x of the amber (ball) pixels, with loose bounds for the mp4's lossy colours."""
    r, g, b = (frame[..., c].astype(int) for c in range(3))
    xs = np.nonzero((np.abs(r - BALL[0]) < 60) & (np.abs(g - BALL[1]) < 60) & (b < 100))[1]
    assert xs.size > 20, "no ball in the frame"
    return float(xs.mean())


def amber(frame: np.ndarray) -> np.ndarray:
    r, g, b = (frame[..., c].astype(int) for c in range(3))
    return (np.abs(r - BALL[0]) < 60) & (np.abs(g - BALL[1]) < 60) & (b < 100)


def test_the_video_shows_exactly_the_first_counted_games(run: Path, tmp_path: Path) -> None:
    video = tmp_path / "pit.mp4"
    args = ["pit", "left-0001", "cpu", "--run", str(run), "--games", "4", "--seed", "2"]
    assert main([*args, "--video", str(video), "--video-games", "2", "--json"]) == 0
    game, stack = game_settings(run, None)
    a, b = resolve_player("left-0001", run, game, stack), resolve_player("cpu", run, game)
    match = play_match(game, a, b, games=4, seed=2)
    rows = match.outcomes.steps[:2] + 1  # each game: its reset row too
    shown = [math.ceil(n / VIDEO_SPEED) for n in rows]  # frames dropped to play 2.5x as fast
    card = VIDEO_FPS  # a card before each game and one at the end, a second each
    reader = imageio.get_reader(video, format="FFMPEG")
    try:
        meta = reader.get_meta_data()
        assert meta["fps"] == 60 and meta["size"] == (800, 468) and meta["codec"] == "h264"
        frames = [frame for frame in reader]
    finally:
        reader.close()
    assert len(frames) == card + shown[0] + card + shown[1] + card
    assert frames[0].shape == (468, 800, 3)
    second = card + shown[0] + card  # the second game's first frame
    for k in (0, card - 1, card + shown[0], second - 1, second + shown[1], len(frames) - 1):
        assert not amber(frames[k]).any(), f"frame {k} is a card, without a ball"
    for start in (card, second):
        xs = [ball_x(frames[start + i]) for i in (0, 4, 8)]
        assert abs(xs[0] - 400) < 4 and abs(xs[2] - xs[0]) > 100  # served from the centre
    # Sides alternate in pairs: A played left in both games, the same card layout twice; the
    # second card differs (game 2 of 2, A's game 1 result).
    assert np.abs(frames[0].astype(int) - frames[second - 1]).mean() > 0.2


def test_a_video_plays_at_the_speed_asked(run: Path, tmp_path: Path) -> None:
    counts = {}
    for speed in (1.0, 4.0):
        video = tmp_path / f"x{speed:g}.mp4"
        pit("cpu", "still", run, games=1, video=video, video_speed=speed)
        with imageio.get_reader(video, format="FFMPEG") as reader:
            counts[speed] = sum(1 for _ in reader) - 2 * VIDEO_FPS  # less the two cards
    assert counts[4.0] == math.ceil(counts[1.0] / 4)


def test_a_gif_video_is_half_size(run: Path, tmp_path: Path) -> None:
    video = tmp_path / "pit.gif"
    report = pit("cpu", "still", run, games=2, video=video)
    assert report.video == str(video)
    assert video.read_bytes()[:6] == b"GIF89a"
    frames = imageio.mimread(video)
    assert {frame.shape[:2] for frame in frames} == {(234, 400)}


def test_film_cards_say_the_game_the_score_so_far_and_the_sides() -> None:
    game = rules_of("classic")
    a = resolve_player("cpu", None, game, 4)
    b = resolve_player("still", None, game, 4)
    match = play_match(game, a, b, games=4, seed=0, record=3)
    cards = film(game, a, b, match).cards
    assert [c.title for c in cards] == [
        "game 1 of 3",
        "game 2 of 3",
        "game 3 of 3",
        "after 3 games",
    ]
    assert [c.sides for c in cards] == [("cpu", "still"), ("cpu", "still"), ("still", "cpu"), None]
    assert [c.lines[0] for c in cards] == [
        "cpu 0 - 0 still",
        "cpu 1 - 0 still",
        "cpu 2 - 0 still",
        "cpu 3 - 0 still",
    ]
    # The points of the game before, A's first: cpu played left in game 1, right in game 3.
    o = match.outcomes
    assert cards[1].lines[2] == f"game 1: cpu {o.left_points[0]} - {o.right_points[0]} still"
    assert cards[3].lines[2] == f"game 3: cpu {o.right_points[2]} - {o.left_points[2]} still"
    assert o.right_points[2] == 11


# -------------------------------------------------------------------------------------- CLI


def test_pit_json(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pit", "left-0001", "cpu", "--run", str(run), "--games", "6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["a"] == "left-0001" and data["b"] == "cpu" and data["games"] == 6
    assert set(data) >= {"wins", "losses", "draws", "win_rate", "ci95", "mean_length"}


def test_pit_text(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pit", "left-0001", "still", "--run", str(run), "--games", "3"]) == 0
    out = capsys.readouterr().out
    assert "left-0001 vs still: 3 games from seed 0" in out and "95% CI" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["left-0009", "cpu"], "unknown snapshot 'left-0009'"),
        (["left-0009", "cpu"], "did you mean left-0001 or left-0000?"),
        (["left-0009", "cpu"], "py:MODULE:ATTR"),
        (["cpu", "py:nowhere/bot.py:Bot"], "no file nowhere/bot.py"),
        (["cpu", "cpu", "--games", "0"], "play at least one game"),
        (["cpu", "cpu", "--rules", "nope"], "unknown rules preset"),
        (["cpu", "cpu", "--video", "out.avi"], "use a .mp4"),
        (["cpu", "cpu", "--video", "no/such/dir/out.mp4"], "does not exist"),
        (["cpu", "cpu", "--games", "2", "--video", "x.mp4", "--video-games", "3"], "between 1"),
        (["cpu", "cpu", "--video", "x.mp4", "--video-games", "0"], "between 1"),
        (["cpu", "cpu", "--seed", "-1"], "seeds are integers >= 0"),
        (["cpu", "cpu", "--video", "x.mp4", "--video-speed", "0"], "give a number > 0"),
        (["cpu", "cpu", "--video", "x.mp4", "--video-speed", "-2"], "give a number > 0"),
        (["cpu", "cpu", "--video", "x.mp4", "--video-speed", "nan"], "give a number > 0"),
        (["cpu", "cpu", "--video", "x.mp4", "--video-speed", "inf"], "give a number > 0"),
    ],
)
def test_bad_pit_input_is_one_line_and_exit_2(
    run: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["pit", *args, "--run", str(run)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_pit_with_a_run_that_does_not_exist(tmp_path: Path, capsys) -> None:
    assert main(["pit", "cpu", "still", "--run", str(tmp_path / "nope")]) == 2
    assert "no league database" in capsys.readouterr().err
